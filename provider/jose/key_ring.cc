#include "jose/key_ring.h"

namespace signet::jose {

void KeyRing::add(PrivateKey key, KeyState state, int64_t since) {
  PublicKey pub = PublicKey::from_private(key);
  entries_.push_back(Entry{std::move(key), std::move(pub), state, since});
}

std::vector<KeyRing::Description> KeyRing::describe() const {
  std::vector<Description> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back({e.key.kid(), e.key.alg(), e.state, e.since});
  return out;
}

const PrivateKey* KeyRing::active() const {
  for (const auto& e : entries_) {
    if (e.state == KeyState::kActive) return &e.key;
  }
  return nullptr;
}

const PrivateKey* KeyRing::active(Alg alg) const {
  for (const auto& e : entries_) {
    if (e.state == KeyState::kActive && e.key.alg() == alg) return &e.key;
  }
  return nullptr;
}

nlohmann::json KeyRing::jwks() const {
  // next and retired keys are published too, so a cache already knows the next kid
  // and still knows the kid of tokens signed before a rotation.
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& e : entries_) keys.push_back(e.key.public_jwk());
  return {{"keys", std::move(keys)}};
}

const PublicKey* KeyRing::find_public(std::string_view kid) const {
  for (const auto& e : entries_) {
    if (e.pub.kid() == kid) return &e.pub;
  }
  return nullptr;
}

}  // namespace signet::jose
