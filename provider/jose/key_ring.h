// The issuer's signing keys: one active key signs; every published key (next,
// active, retired) is in the JWKS so a cache never meets an unknown kid.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jose/key.h"

namespace signet::jose {

enum class KeyState { kNext, kActive, kRetired };

class KeyRing {
 public:
  void add(PrivateKey key, KeyState state);
  // The key that signs now; nullptr when none is active.
  const PrivateKey* active() const;
  // The active key of a given algorithm, if any.
  const PrivateKey* active(Alg alg) const;
  // {"keys":[...]} with every key's public JWK.
  nlohmann::json jwks() const;
  const PublicKey* find_public(std::string_view kid) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    PrivateKey key;
    PublicKey pub;
    KeyState state;
  };
  std::vector<Entry> entries_;
};

}  // namespace signet::jose
