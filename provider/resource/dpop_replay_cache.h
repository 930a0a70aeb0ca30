// The jti replay cache of DPoP proofs at one resource-server process (RFC 9449
// §11.1): a proof is accepted once. Entries live only as long as the proof's iat
// is inside the acceptance window; after that the iat check refuses the proof
// anyway. Bounded: when full of live entries it refuses new proofs rather than
// forget one early (forgetting would reopen a replay). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace signet::resource {

enum class ReplayVerdict {
  kFirstUse,  // remembered now
  kReplayed,  // this key already sent this jti in the window
  kFull,      // the cache is full of unexpired entries: refuse
};

class DpopReplayCache {
 public:
  explicit DpopReplayCache(size_t max_entries) : max_entries_(max_entries) {}

  // Records (jkt, jti) until `keep_until` (seconds since the epoch, inclusive),
  // after dropping entries that expired before `now`.
  ReplayVerdict admit(std::string_view jkt, std::string_view jti, int64_t keep_until, int64_t now);

  size_t size() const;

 private:
  using Expiry = std::pair<int64_t, std::string>;  // (keep_until, key)
  void prune(int64_t now);

  const size_t max_entries_;
  mutable std::mutex mu_;
  // key: SHA-256(jkt, jti), so an entry costs a fixed size whatever the jti.
  std::unordered_map<std::string, int64_t> seen_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
};

}  // namespace signet::resource
