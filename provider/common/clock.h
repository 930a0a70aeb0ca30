// Injected time, so tests control expiry (codes, tokens, sessions).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace signet {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start = 1'700'000'000) : t_(start) {}
  int64_t now() const override { return t_.load(); }
  void advance(int64_t seconds) { t_ += seconds; }
  void set(int64_t t) { t_ = t; }

 private:
  std::atomic<int64_t> t_;
};

}  // namespace signet
