// The current key ring of a running server, swapped as a whole when the keys
// change (rotation, another replica's promotion). Readers take a shared_ptr to
// the ring they use, so a swap never frees a key a request is signing with.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "jose/key_ring.h"

namespace signet::jose {

class KeyRingHolder {
 public:
  explicit KeyRingHolder(std::shared_ptr<const KeyRing> ring) : ring_(std::move(ring)) {}
  explicit KeyRingHolder(KeyRing ring) : ring_(std::make_shared<const KeyRing>(std::move(ring))) {}
  // A holder over a ring owned elsewhere that outlives it (tests, fixed rings).
  static std::shared_ptr<const KeyRing> borrow(const KeyRing& ring) {
    return std::shared_ptr<const KeyRing>(&ring, [](const KeyRing*) {});
  }
  KeyRingHolder(const KeyRingHolder&) = delete;
  KeyRingHolder& operator=(const KeyRingHolder&) = delete;

  std::shared_ptr<const KeyRing> current() const {
    std::lock_guard lock(mu_);
    return ring_;
  }
  void replace(std::shared_ptr<const KeyRing> ring) {
    std::lock_guard lock(mu_);
    ring_.swap(ring);
    // the old ring is released outside the lock (by `ring`'s destructor)
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const KeyRing> ring_;
};

}  // namespace signet::jose
