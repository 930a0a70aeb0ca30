// Every prepared statement, of every store artifact and of bank-api, prepares
// against a real PostgreSQL after the migrations: a typo in SQL fails here, not
// on the first request that happens to use it (libpqxx 6 prepares lazily).
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "bank-api/db.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using testing::test_conninfo;

TEST(PreparedStatements, EveryStoreStatementPreparesAfterMigrations) {
  const std::vector<Statement> all = PostgresStore::statements();
  ASSERT_FALSE(all.empty());
  pqxx::connection conn(test_conninfo());
  std::set<std::string> names;
  for (const Statement& s : all) {
    EXPECT_TRUE(names.insert(s.name).second) << "statement name used twice: " << s.name;
    try {
      conn.prepare(s.name, s.sql);
      conn.prepare_now(s.name);
    } catch (const std::exception& e) {
      ADD_FAILURE() << s.name << ": " << e.what() << "\n" << s.sql;
    }
  }
}

TEST(PreparedStatements, EveryArtifactContributesItsStatements) {
  std::set<std::string> names;
  for (const Statement& s : PostgresStore::statements()) names.insert(s.name);
  for (const auto& part :
       {PostgresClients::statements(), PostgresUsers::statements(), PostgresScopes::statements(),
        PostgresCodes::statements(), PostgresPushedRequests::statements(),
        PostgresAssertionJtis::statements(), PostgresDpopJtis::statements(),
        PostgresConsents::statements(), PostgresSessions::statements(),
        PostgresSigningKeys::statements(), PostgresReaper::statements()}) {
    ASSERT_FALSE(part.empty());
    for (const Statement& s : part) EXPECT_EQ(names.count(s.name), 1u) << s.name;
  }
}

TEST(PreparedStatements, BankApiStatementsPrepareOnItsSchema) {
  pqxx::connection conn(test_conninfo());
  bank::ensure_schema(conn);
  std::set<std::string> names;
  for (const Statement& s : bank::statements()) {
    EXPECT_TRUE(names.insert(s.name).second) << "statement name used twice: " << s.name;
  }
  // What the pool does to each new bank-api connection: every statement prepared now.
  EXPECT_NO_THROW(bank::prepare_connection(conn));
}

}  // namespace
}  // namespace signet::store
