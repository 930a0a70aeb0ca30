#include "resource/dpop_replay_cache.h"

#include "common/crypto.h"

namespace signet::resource {

void DpopReplayCache::prune(int64_t now) {
  while (!expiries_.empty() && expiries_.top().first < now) {
    seen_.erase(expiries_.top().second);
    expiries_.pop();
  }
}

ReplayVerdict DpopReplayCache::admit(std::string_view jkt, std::string_view jti, int64_t keep_until,
                                     int64_t now) {
  // A separator that cannot occur in a thumbprint keeps (a, bc) and (ab, c) apart.
  std::string key = sha256(std::string(jkt) + '\n' + std::string(jti));
  std::lock_guard lock(mu_);
  prune(now);
  if (seen_.contains(key)) return ReplayVerdict::kReplayed;
  if (seen_.size() >= max_entries_) return ReplayVerdict::kFull;
  seen_.emplace(key, keep_until);
  expiries_.emplace(keep_until, std::move(key));
  return ReplayVerdict::kFirstUse;
}

size_t DpopReplayCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

}  // namespace signet::resource
