#include "store/database_probe.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include <pqxx/pqxx>

#include "common/log.h"
#include "store/database.h"
#include "store/store_call.h"

namespace signet::store {

struct DatabaseProbe::State {
  explicit State(std::string conninfo) : pool(std::move(conninfo), 1, {}) {}
  ConnectionPool pool;
  std::mutex mu;
  std::condition_variable cv;
  uint64_t requested = 0;  // pings asked for
  uint64_t answered = 0;   // the latest request the last ping covers
  std::string last_error;
  bool stop = false;
  bool finished = false;  // run() has returned: the thread can be joined at once

  void run() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stop || requested > answered; });
      if (stop) {
        finished = true;
        cv.notify_all();
        return;
      }
      const uint64_t covers = requested;
      lock.unlock();
      auto ping = store::run<Ok>(pool, "readiness ping", kRetry, [](pqxx::connection& c) {
        pqxx::nontransaction t(c);
        t.exec("SELECT 1");
        return Ok{};
      });
      lock.lock();
      answered = covers;
      last_error = ping ? std::string() : ping.error().detail;
      cv.notify_all();
    }
  }
};

DatabaseProbe::DatabaseProbe(std::string conninfo, std::chrono::milliseconds timeout)
    : state_(std::make_shared<State>(std::move(conninfo))), timeout_(timeout) {
  // The thread shares the state (not the probe), so that a ping that hangs
  // cannot touch freed memory if the probe has to leave without it.
  thread_ = std::thread([state = state_] { state->run(); });
}

DatabaseProbe::~DatabaseProbe() {
  std::unique_lock lock(state_->mu);
  state_->stop = true;
  state_->cv.notify_all();
  // A ping in progress normally ends within the timeout (the database answers
  // or refuses). One that hangs (a stopped server that keeps the socket open)
  // cannot be interrupted through libpq: after twice the timeout the thread is
  // left to finish alone, and says so, rather than holding up the shutdown.
  const bool done = state_->cv.wait_for(lock, 2 * timeout_, [&] { return state_->finished; });
  lock.unlock();
  if (done) {
    thread_.join();
  } else {
    log_json_line({{"level", "warn"},
                   {"event", "readiness_probe_abandoned"},
                   {"detail", "a database ping still hangs at shutdown"}});
    thread_.detach();
  }
}

std::string DatabaseProbe::check() {
  std::unique_lock lock(state_->mu);
  const uint64_t mine = ++state_->requested;
  state_->cv.notify_all();
  if (!state_->cv.wait_for(lock, timeout_, [&] { return state_->answered >= mine; })) {
    return "no answer within " + std::to_string(timeout_.count()) + " ms";
  }
  return state_->last_error;
}

}  // namespace signet::store
