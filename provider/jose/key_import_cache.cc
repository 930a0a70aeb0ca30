#include "jose/key_import_cache.h"

#include <functional>

namespace signet::jose {

Result<PublicKey> KeyImportCache::from_jwk(const nlohmann::json& jwk, Alg pin) {
  std::string id = jwk.dump();
  id += '/';
  id += alg_name(pin);
  Shard& shard = shards_[std::hash<std::string>{}(id) % kShards];
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.keys.find(id); it != shard.keys.end()) return it->second;
  }
  auto key = PublicKey::from_jwk(jwk, pin);  // imported outside the lock
  if (!key) return key;
  std::lock_guard lock(shard.mu);
  // Full: start the shard again; a key sent again is imported once more.
  if (shard.keys.size() >= max_per_shard_) shard.keys.clear();
  shard.keys.emplace(std::move(id), *key);
  return key;
}

size_t KeyImportCache::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.keys.size();
  }
  return n;
}

KeyImportCache& proof_key_cache() {
  static KeyImportCache cache;
  return cache;
}

}  // namespace signet::jose
