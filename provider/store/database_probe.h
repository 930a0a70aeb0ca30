// "Does the database answer?" within a bounded time, for readiness (/readyz).
// The ping runs on the probe's own thread and connection, one at a time: a
// caller waits at most `timeout`, even when the database hangs instead of
// refusing, and a burst of probes never opens more than one connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace signet::store {

class DatabaseProbe {
 public:
  DatabaseProbe(std::string conninfo, std::chrono::milliseconds timeout);
  // Stops the probe's thread and joins it; waits at most twice the timeout for
  // a ping in progress (a hung one is left to finish alone, with a log line).
  ~DatabaseProbe();
  DatabaseProbe(const DatabaseProbe&) = delete;
  DatabaseProbe& operator=(const DatabaseProbe&) = delete;

  // "" when the database answered a ping started after this call, else why not
  // (for logs; not for clients).
  std::string check();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::thread thread_;
  std::chrono::milliseconds timeout_;
};

}  // namespace signet::store
