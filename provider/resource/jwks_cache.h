// The issuer's public keys, fetched from its JWKS, refetched every refresh interval
// and on an unknown kid at most once per (shorter) interval (internal to
// signet_resource). A successful fetch replaces the whole set, so a key the issuer
// withdrew is forgotten; a failed one keeps the set it has.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "jose/key.h"
#include "resource/resource_server.h"

namespace signet::resource {

class JwksCache {
 public:
  JwksCache(std::string issuer, std::string jwks_uri, int64_t min_refetch_interval,
            int64_t refresh_interval, HttpGet http_get, std::shared_ptr<const Clock> clock);

  // The key for `kid`, held by shared_ptr so a concurrent refresh cannot free it
  // under a running verification.
  std::shared_ptr<const jose::PublicKey> find(std::string_view kid) const;

  // Fetches now, unless the last attempt was less than the interval ago (an attacker
  // sending random kids must not turn us into a load generator against the issuer).
  // Returns whether a fetch happened and succeeded.
  bool refresh_if_allowed();
  // Fetches now when the last attempt was at least the refresh interval ago. A
  // caller that finds another thread fetching goes on with the keys it has.
  bool refresh_if_stale();
  // Fetches now, regardless of the interval.
  bool refresh();

 private:
  bool fetch_locked();  // fetch_mu_ held
  std::optional<std::string> resolve_jwks_uri_locked();

  const std::string issuer_;
  const int64_t min_interval_;
  const int64_t refresh_interval_;
  const HttpGet http_get_;
  const std::shared_ptr<const Clock> clock_;

  std::mutex fetch_mu_;  // one fetch at a time; guards the fields below
  std::string jwks_uri_;
  std::optional<int64_t> last_attempt_;
  // When refresh_if_stale() fetches next; read without the lock on every request.
  std::atomic<int64_t> stale_at_{0};

  mutable std::shared_mutex keys_mu_;
  std::unordered_map<std::string, std::shared_ptr<const jose::PublicKey>> keys_;
};

}  // namespace signet::resource
