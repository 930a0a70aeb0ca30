#include "app/signing_keys.h"

#include <algorithm>

#include "jose/seal.h"

namespace signet::app {
namespace {

std::optional<jose::KeyState> state_from(const std::string& s) {
  if (s == "next") return jose::KeyState::kNext;
  if (s == "active") return jose::KeyState::kActive;
  if (s == "retired") return jose::KeyState::kRetired;
  return std::nullopt;
}

}  // namespace

Result<jose::KeyRing> load_signing_keys(store::PostgresStore& store, const std::string& master_key,
                                        jose::Alg alg, int64_t now) {
  auto rows = store.list_signing_keys();
  if (!rows) return fail("database", "cannot read signing keys: " + rows.error().detail);
  // Access tokens use `alg`; OpenID Connect needs an active RS256 key for ID
  // tokens (Core §15.1) and offers ES256 per client: both are kept active.
  for (jose::Alg needed : {alg, alg == jose::Alg::ES256 ? jose::Alg::RS256 : jose::Alg::ES256}) {
    bool have_active = false;
    for (const auto& row : *rows) {
      if (row.state == "active" && row.alg == jose::alg_name(needed)) have_active = true;
    }
    if (!have_active) {
      // First start (or a new algorithm): generate a key; if another replica wins
      // the race, its key is the one returned and used.
      auto key = jose::PrivateKey::generate(needed);
      if (!key) return fail(key.error());
      auto sealed = jose::seal(master_key, key->to_pem(), key->kid());
      if (!sealed) return fail(sealed.error());
      store::StoredSigningKey row;
      row.kid = key->kid();
      row.alg = std::string(jose::alg_name(needed));
      row.state = "active";
      row.public_jwk = key->public_jwk().dump();
      row.sealed_private = *sealed;
      row.created_at = now;
      auto inserted = store.insert_active_key_if_none(row);
      if (!inserted)
        return fail("database", "cannot store signing key: " + inserted.error().detail);
      rows = store.list_signing_keys();
      if (!rows) return fail("database", "cannot read signing keys: " + rows.error().detail);
    }
  }

  // The access-token alg's keys go first: KeyRing::active() (which signs access
  // tokens) returns the first active key.
  std::stable_partition(rows->begin(), rows->end(), [&](const store::StoredSigningKey& row) {
    return row.alg == jose::alg_name(alg);
  });
  jose::KeyRing ring;
  for (const auto& row : *rows) {
    auto state = state_from(row.state);
    auto row_alg = jose::alg_from_name(row.alg);
    if (!state || !row_alg)
      return fail("keys", "signing key " + row.kid + " has an unknown state or alg");
    auto pem = jose::unseal(master_key, row.sealed_private, row.kid);
    if (!pem) {
      return fail("SIGNET_MASTER_KEY",
                  "cannot unseal signing key " + row.kid +
                      ": the master key differs from the one the keys were sealed with");
    }
    auto key = jose::PrivateKey::from_pem(*row_alg, *pem);
    if (!key) return fail("keys", "signing key " + row.kid + " is unreadable");
    if (key->kid() != row.kid)
      return fail("keys", "signing key " + row.kid + " does not match its kid");
    ring.add(std::move(*key), *state, row.created_at);
  }
  if (!ring.active(alg)) return fail("keys", "no active signing key");
  if (!ring.active(jose::Alg::RS256) || !ring.active(jose::Alg::ES256)) {
    return fail("keys", "OpenID Connect needs active RS256 and ES256 signing keys");
  }
  return ring;
}

}  // namespace signet::app
