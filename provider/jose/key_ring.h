// The issuer's signing keys: one active key signs; every published key (next,
// active, retired) is in the JWKS so a cache never meets an unknown kid.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jose/key.h"

namespace signet::jose {

enum class KeyState { kNext, kActive, kRetired };

class KeyRing {
 public:
  // `since`: when the key was made (Unix seconds), for monitoring its age.
  void add(PrivateKey key, KeyState state, int64_t since = 0);
  // The key that signs now; nullptr when none is active.
  const PrivateKey* active() const;
  // The active key of a given algorithm, if any.
  const PrivateKey* active(Alg alg) const;
  // {"keys":[...]} with every key's public JWK.
  nlohmann::json jwks() const;
  const PublicKey* find_public(std::string_view kid) const;
  size_t size() const { return entries_.size(); }

  // Every key with its state and age, for monitoring (never the key itself).
  struct Description {
    std::string kid;
    Alg alg;
    KeyState state;
    int64_t since;
  };
  std::vector<Description> describe() const;

 private:
  struct Entry {
    PrivateKey key;
    PublicKey pub;
    KeyState state;
    int64_t since;
  };
  std::vector<Entry> entries_;
};

}  // namespace signet::jose
