// Signing keys (sql/0002, 0008) in PostgreSQL: the first key of each algorithm,
// rotation next → active → retired across replicas (advisory locks), deletion
// of keys no live token can carry, and revocation. All the SQL of the
// signing_keys table is here. The private key is sealed (AES-256-GCM under the
// master key) by the caller; the store never sees it in clear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

struct StoredSigningKey {
  std::string kid;
  std::string alg;         // "ES256" | "RS256"
  std::string state;       // "next" | "active" | "retired"
  std::string public_jwk;  // JSON object text (jsonb: key order/spacing normalized on read)
  std::string sealed_private;
  int64_t created_at = 0;
  std::optional<int64_t> activated_at;
  std::optional<int64_t> retired_at;
};

// What one promote_due_keys() call did for one algorithm.
struct Promotion {
  std::string alg;
  std::string activated_kid;
  std::vector<std::string> retired_kids;
};

// What one revoke_key() did.
struct Revocation {
  std::string alg;
  std::string state;          // the state the key was in
  std::string activated_kid;  // when it was active: the key that signs in its place
};

class PostgresSigningKeys {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresSigningKeys(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  // Signing keys, oldest first.
  StoreResult<std::vector<StoredSigningKey>> list_signing_keys();

  // Under an advisory lock: if no key of key.alg is active, inserts `key` as the
  // active one (state forced to "active", activated_at = created_at). Returns the
  // active key of that alg after the call, so replicas starting at once agree on one.
  StoreResult<StoredSigningKey> insert_active_key_if_none(const StoredSigningKey& key);

  // Inserts a key in state "next" (published at once, not yet signing).
  StoreResult<Ok> insert_next_key(const StoredSigningKey& key);

  // For each algorithm, the newest "next" key published for at least
  // `publish_delay` seconds (or exactly `force_kid`, whatever its age) becomes
  // "active"; the active key of that algorithm becomes "retired" (retired_at =
  // now); older "next" keys of that algorithm, never used, are deleted. Runs under
  // a transaction-level advisory lock: when another replica holds it, nothing is
  // done (unless `force_kid` is set, which waits for it).
  StoreResult<std::vector<Promotion>> promote_due_keys(int64_t now, int64_t publish_delay,
                                                       const std::string& force_kid = {});

  // Deletes retired keys that no live token can carry any more: retired before
  // now - (the longest access token lifetime, the server's `default_token_ttl`
  // or a client's) - `margin`. Returns the kids deleted.
  StoreResult<std::vector<std::string>> delete_expired_keys(int64_t now, int64_t default_token_ttl,
                                                            int64_t margin);

  // Withdraws key `kid` at once (a key that must not be trusted any more): the row
  // is deleted, so the trigger makes every replica drop it from its ring and its
  // /jwks. When it is the active key of its algorithm, another key of that
  // algorithm becomes active in the same transaction: the newest "next" key (already
  // published), else `replacement` (inserted active). std::nullopt when there is no
  // such key; 409 when an active key has no successor and no replacement is given.
  StoreResult<std::optional<Revocation>> revoke_key(
      const std::string& kid, int64_t now, const std::optional<StoredSigningKey>& replacement);

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
