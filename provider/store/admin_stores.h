// PostgreSQL operations of key rotation, client administration and the resource
// registry (sql/0005). They share PostgresStore's connection pool and use plain
// parameterised statements (none of them is on a hot path except
// find_resource, which is one indexed lookup).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resource_indicator.h"
#include "store/postgres_stores.h"

namespace signet::store {

// What one promote_due() call did.
struct Promotion {
  std::string alg;
  std::string activated_kid;
  std::vector<std::string> retired_kids;
};

// What one revoke() did.
struct Revocation {
  std::string alg;
  std::string state;          // the state the key was in
  std::string activated_kid;  // when it was active: the key that signs in its place
};

class PostgresKeyStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;
  explicit PostgresKeyStore(PostgresStore& store) : pool_(store.pool()) {}

  // Inserts a key in state "next" (published at once, not yet signing).
  StoreResult<Ok> insert_next(const StoredSigningKey& key);

  // For each algorithm, the newest "next" key published for at least
  // `publish_delay` seconds (or exactly `force_kid`, whatever its age) becomes
  // "active"; the active key of that algorithm becomes "retired" (retired_at =
  // now); older "next" keys of that algorithm, never used, are deleted. Runs under
  // a transaction-level advisory lock: when another replica holds it, nothing is
  // done (unless `force_kid` is set, which waits for it).
  StoreResult<std::vector<Promotion>> promote_due(int64_t now, int64_t publish_delay,
                                                  const std::string& force_kid = {});

  // Deletes retired keys that no live token can carry any more: retired before
  // now - (the longest access token lifetime, the server's `default_token_ttl`
  // or a client's) - `margin`. Returns the kids deleted.
  StoreResult<std::vector<std::string>> delete_expired(int64_t now, int64_t default_token_ttl,
                                                       int64_t margin);

  // Withdraws key `kid` at once (a key that must not be trusted any more): the row
  // is deleted, so the trigger makes every replica drop it from its ring and its
  // /jwks. When it is the active key of its algorithm, another key of that
  // algorithm becomes active in the same transaction: the newest "next" key (already
  // published), else `replacement` (inserted active). std::nullopt when there is no
  // such key; 409 when an active key has no successor and no replacement is given.
  StoreResult<std::optional<Revocation>> revoke(const std::string& kid, int64_t now,
                                                const std::optional<StoredSigningKey>& replacement);

 private:
  ConnectionPool& pool_;
};

class PostgresClientAdmin {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;
  explicit PostgresClientAdmin(PostgresStore& store) : pool_(store.pool()) {}

  // Replaces the editable metadata of an existing client (name, redirect URIs,
  // scopes, grants, access token lifetime). False when there is no such client.
  StoreResult<bool> update(const protocol::Client& client);
  StoreResult<bool> set_secret_digest(std::string_view client_id, std::string_view digest);
  // Deletes the client; its codes and consents go with it (ON DELETE CASCADE).
  StoreResult<bool> remove(std::string_view client_id);

 private:
  ConnectionPool& pool_;
};

class PostgresResourceStore final : public protocol::ResourceStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;
  explicit PostgresResourceStore(PostgresStore& store) : pool_(store.pool()) {}

  StoreResult<std::optional<protocol::ResourceServer>> find_resource(
      std::string_view audience) override;
  // An existing audience fails with "resource already exists" (409), a client id
  // that names no client with "no such client" (400).
  StoreResult<Ok> add(const protocol::ResourceServer& resource);
  // Replaces the name, scopes and clients of an existing registration (one
  // transaction). False when there is no such audience.
  StoreResult<bool> update(const protocol::ResourceServer& resource);
  // Every resource server, by audience.
  StoreResult<std::vector<protocol::ResourceServer>> list();

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
