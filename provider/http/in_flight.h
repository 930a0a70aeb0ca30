// The requests a server has taken and not yet answered, so that a graceful stop
// (SIGTERM) can wait for them: a request holds a ticket from its route handler
// until its answer is on the wire, or cannot be (the client went away).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

namespace signet::http {

class InFlight {
  struct State {
    std::atomic<size_t> count{0};
    std::mutex mu;  // only for waking the drain when the count reaches zero
    std::condition_variable cv;
  };

 public:
  // Released once, by done() or at destruction, whichever comes first; it keeps
  // the count alive, so it may outlive the InFlight (a write still queued).
  class Ticket {
   public:
    explicit Ticket(std::shared_ptr<State> state) : state_(std::move(state)) {}
    ~Ticket() { done(); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    void done() {
      if (done_.exchange(true)) return;
      if (state_->count.fetch_sub(1) != 1) return;
      // The last one: a waiter holds mu between its check and its sleep, so
      // taking mu here means it cannot miss this wake-up.
      { std::lock_guard lock(state_->mu); }
      state_->cv.notify_all();
    }

   private:
    std::shared_ptr<State> state_;
    std::atomic<bool> done_{false};
  };
  using TicketPtr = std::shared_ptr<Ticket>;

  TicketPtr take() {
    state_->count.fetch_add(1);
    return std::make_shared<Ticket>(state_);
  }

  // Waits until none is left or `grace` has passed; returns how many are left.
  size_t wait_idle(std::chrono::milliseconds grace) {
    std::unique_lock lock(state_->mu);
    state_->cv.wait_for(lock, grace, [this] { return state_->count.load() == 0; });
    return state_->count.load();
  }

  size_t count() const { return state_->count.load(); }

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace signet::http
