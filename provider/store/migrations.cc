#include "store/migrations.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <stdexcept>

#include <pqxx/pqxx>

#include "common/crypto.h"

namespace signet::store {

// Generated from sql/*.sql by CMake (embedded_sql.cc): {"NNNN_name", text} in order.
struct EmbeddedSql {
  const char* name;
  const char* text;
};
extern const EmbeddedSql kEmbeddedSql[];
extern const size_t kEmbeddedSqlCount;

namespace {

// pg_advisory_xact_lock key shared by every process running migrations ("Signet" 0x0001).
constexpr int64_t kMigrationLock = 0x5369676E65740001;

const char* const kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text    NOT NULL,
  checksum   text    NOT NULL,
  applied_at bigint  NOT NULL DEFAULT (extract(epoch FROM now())::bigint)
))sql";

std::vector<Migration> load() {
  std::vector<Migration> out;
  for (size_t i = 0; i < kEmbeddedSqlCount; ++i) {
    Migration m;
    m.name = kEmbeddedSql[i].name;
    m.sql = kEmbeddedSql[i].text;
    m.version = std::stoi(m.name.substr(0, m.name.find('_')));
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw std::logic_error("duplicate migration version: " + out[i].name);
    }
  }
  return out;
}

}  // namespace

const std::vector<Migration>& embedded_migrations() {
  static const std::vector<Migration> migrations = load();
  return migrations;
}

Result<std::vector<std::string>> migrate(const std::string& conninfo) {
  std::vector<std::string> applied;
  std::string current = "schema_migrations";
  try {
    const auto& migrations = embedded_migrations();
    std::unique_ptr<pqxx::connection> conn;
    try {
      conn = std::make_unique<pqxx::connection>(conninfo);
    } catch (const std::exception& e) {
      return fail("database_unavailable",
                  std::string("cannot connect to the database: ") + e.what());
    }
    {
      pqxx::work w(*conn);
      w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
      w.exec(kCreateMigrationsTable);
      w.commit();
    }
    for (const auto& m : migrations) {
      current = m.name;
      const std::string checksum = sha256_b64url(m.sql);
      pqxx::work w(*conn);
      // Serializes migrating processes; released at COMMIT/ROLLBACK.
      w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
      const pqxx::result done = w.exec_params(
          "SELECT name, checksum FROM schema_migrations WHERE version = $1", m.version);
      if (!done.empty()) {
        if (done[0][1].as<std::string>() != checksum) {
          return fail("migration_changed", "migration " + m.name +
                                               " was changed after it was applied (recorded as " +
                                               done[0][0].as<std::string>() + ")");
        }
        continue;  // w aborts on destruction: nothing to do
      }
      w.exec(std::string(m.sql));
      w.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version, m.name, checksum);
      w.commit();
      applied.push_back(m.name);
    }
  } catch (const pqxx::sql_error& e) {
    return fail("migration_failed", current + ": SQLSTATE " + e.sqlstate() + ": " + e.what());
  } catch (const std::exception& e) {
    return fail("migration_failed", current + ": " + e.what());
  }
  return applied;
}

}  // namespace signet::store
