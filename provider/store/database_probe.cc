#include "store/database_probe.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include <pqxx/pqxx>

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

  void run() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stop || requested > answered; });
      if (stop) return;
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
  // The thread shares the state, so it may outlive the probe while a ping hangs.
  std::thread([state = state_] { state->run(); }).detach();
}

DatabaseProbe::~DatabaseProbe() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
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
