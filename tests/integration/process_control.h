// Process faults for integration tests: SIGKILL a signet and start it again on
// the same port and database, run a second signet beside the first, pin one to
// a single CPU, and wait for an exit with its status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace signet::it {

struct SignetOptions {
  Env env;                      // added to (and overriding) the World's settings
  std::string database;         // conninfo; empty = the World's database
  bool pin_to_one_cpu = false;  // run under `taskset` on one CPU the test may use
};

// Starts `signet serve` on `port` (0 = a free one) into `server`, whose previous
// process must have exited; waits until it answers. False with `why` on failure.
bool start_signet_on(World& w, Server& server, int port, const SignetOptions& options,
                     std::string* why);

// SIGKILL: no drain, no clean-up, as in a crash or an OOM kill. Reaps the process.
void kill_hard(Server& server);

// Waits until the process exits; its wait status, or nullopt after `timeout`.
std::optional<int> wait_for_exit(Process& process, std::chrono::milliseconds timeout);

}  // namespace signet::it
