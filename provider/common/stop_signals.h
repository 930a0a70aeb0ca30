// The process's stop signals, shared by signet and bank-api: SIGTERM and SIGINT
// are blocked in every thread (threads started later inherit the mask) and taken
// by the main thread with wait(), so a handler never runs inside a request.
// SIGPIPE is ignored: a vanished peer is an error on a write, not a reason to die.
#pragma once

#include <signal.h>

namespace signet {

class StopSignals {
 public:
  // Call before any thread is started.
  StopSignals();
  // Blocks until SIGTERM or SIGINT arrives; returns which.
  int wait();

 private:
  sigset_t set_;
};

}  // namespace signet
