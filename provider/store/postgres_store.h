// Signet's PostgreSQL store: one connection pool, prepared with the statements of
// every artifact, and the stores of the protocol's interfaces built on it. Each
// artifact (clients, users, scopes, codes, pushed requests, client-assertion jtis,
// consents, sessions, signing keys, the reaper) lives in its own postgres_<artifact>.{h,cc} with
// all of its SQL; PostgresStore only puts them together, so that one object serves every interface.
// The artifacts that are separate objects over the same pool are PostgresLifecycleStore (refresh
// tokens), PostgresLoginFailures and PostgresResourceStore. Every method is one transaction and
// never throws: libpqxx exceptions become OAuthError::temporarily_unavailable (the database cannot
// serve now) or server_error (store/store_call.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/postgres_clients.h"
#include "store/postgres_codes.h"
#include "store/postgres_consents.h"
#include "store/postgres_grants.h"
#include "store/postgres_pushed_requests.h"
#include "store/postgres_reaper.h"
#include "store/postgres_replay_caches.h"
#include "store/postgres_scopes.h"
#include "store/postgres_sessions.h"
#include "store/postgres_signing_keys.h"
#include "store/postgres_users.h"

namespace signet::store {

namespace internal {
// Owns the pool; a base class so that it is built before the artifacts that use it.
struct OwnedPool {
  std::unique_ptr<ConnectionPool> owned_pool;
};
}  // namespace internal

class PostgresStore final : private internal::OwnedPool,
                            public PostgresClients,
                            public PostgresUsers,
                            public PostgresScopes,
                            public PostgresCodes,
                            public PostgresConsents,
                            public PostgresGrants,
                            public PostgresPushedRequests,
                            public PostgresAssertionJtis,
                            public PostgresDpopJtis,
                            public PostgresSessions,
                            public PostgresSigningKeys,
                            public PostgresReaper {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  // Connections are opened lazily, at most `pool_size` at once (size it to the
  // workers that call the store). Does not connect: call ping() at start-up.
  PostgresStore(std::string conninfo, size_t pool_size);
  ~PostgresStore() override;

  // Every statement the pool prepares: each artifact's, the lifecycle, login
  // failure and resource stores' included (names are unique).
  static std::vector<Statement> statements();

  // Checks that the database answers and the schema is migrated.
  StoreResult<Ok> ping();

  ConnectionPool& pool() { return *owned_pool; }
};

}  // namespace signet::store
