#include "store/postgres_store.h"

#include <utility>

#include "store/postgres_login_failures.h"
#include "store/postgres_refresh_tokens.h"
#include "store/postgres_resources.h"
#include "store/postgres_revocation_feed.h"
#include "store/store_call.h"

namespace signet::store {

std::vector<Statement> PostgresStore::statements() {
  std::vector<Statement> all = {{"ping", "SELECT count(*) FROM schema_migrations"}};
  for (auto part : {PostgresClients::statements(), PostgresUsers::statements(),
                    PostgresScopes::statements(), PostgresCodes::statements(),
                    PostgresPushedRequests::statements(), PostgresAssertionJtis::statements(),
                    PostgresDpopJtis::statements(), PostgresConsents::statements(),
                    PostgresGrants::statements(), PostgresSessions::statements(),
                    PostgresSigningKeys::statements(), PostgresReaper::statements(),
                    PostgresLifecycleStore::statements(), PostgresLoginFailures::statements(),
                    PostgresResourceStore::statements(), PostgresRevocationFeed::statements()}) {
    for (auto& s : part) all.push_back(std::move(s));
  }
  return all;
}

PostgresStore::PostgresStore(std::string conninfo, size_t pool_size)
    : internal::OwnedPool{std::make_unique<ConnectionPool>(std::move(conninfo), pool_size,
                                                           statements())},
      PostgresClients(*owned_pool),
      PostgresUsers(*owned_pool),
      PostgresScopes(*owned_pool),
      PostgresCodes(*owned_pool),
      PostgresConsents(*owned_pool),
      PostgresGrants(*owned_pool),
      PostgresPushedRequests(*owned_pool),
      PostgresAssertionJtis(*owned_pool),
      PostgresDpopJtis(*owned_pool),
      PostgresSessions(*owned_pool),
      PostgresSigningKeys(*owned_pool),
      PostgresReaper(*owned_pool) {}

PostgresStore::~PostgresStore() = default;

PostgresStore::StoreResult<Ok> PostgresStore::ping() {
  return run<Ok>(pool(), "ping", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    t.exec_prepared("ping");
    return Ok{};
  });
}

}  // namespace signet::store
