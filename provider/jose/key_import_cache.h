// Importing a public JWK into OpenSSL costs tens of microseconds (OpenSSL 3
// builds the curve's group for every EC import), more than verifying a
// signature with it; a DPoP client sends the same key with every request
// (RFC 9449 §4.2). This cache keeps imported keys by their exact JWK text and
// pinned algorithm: the same input always imports to the same key, so nothing
// is trusted that PublicKey::from_jwk would not accept. Bounded, thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/key.h"

namespace signet::jose {

class KeyImportCache {
 public:
  explicit KeyImportCache(size_t max_entries = 8192) : max_per_shard_(max_entries / kShards + 1) {}

  // PublicKey::from_jwk(jwk, pin), from memory when this JWK was imported before.
  // Only successes are kept.
  Result<PublicKey> from_jwk(const nlohmann::json& jwk, Alg pin);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, PublicKey> keys;
  };
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

// The process's cache, shared by every DPoP check.
KeyImportCache& proof_key_cache();

}  // namespace signet::jose
