// A bounded pool of worker threads. Blocking work (PostgreSQL, password hashing)
// runs here, never on an HTTP I/O thread (one slow request must not stall the
// other connections of that thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace signet {

class WorkerPool {
 public:
  // `on_thread_start` runs first in each worker thread (e.g. to lower its priority).
  WorkerPool(size_t threads, size_t max_queue, std::function<void()> on_thread_start = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job; false when the queue is full (the caller answers 503).
  bool submit(std::function<void()> job);

  // Stops taking jobs, finishes those queued, joins the threads.
  void shutdown();

  // Forgets the jobs not started yet (at exit, after a drain that ran out of
  // time: nobody is left to receive their answers); returns how many.
  size_t drop_queued();

  size_t size() const { return threads_.size(); }
  // Jobs waiting for a thread, and jobs refused because the queue was full.
  size_t queued() const;
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t max_queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> refused_{0};
};

}  // namespace signet
