#include "store/postgres_replay_caches.h"

#include <string>

#include "store/store_call.h"

namespace signet::store {
namespace {

// One statement: the primary key decides between two replicas at once; an
// expired row the reaper has not deleted yet is taken over.
std::string use_once_sql(const std::string& table, const std::string& owner) {
  return "INSERT INTO " + table + " (" + owner + ", jti, expires_at) VALUES ($1, $2, $3) " +
         "ON CONFLICT (" + owner + ", jti) DO UPDATE SET expires_at = EXCLUDED.expires_at " +
         "WHERE " + table + ".expires_at <= $4 RETURNING 1";
}

// true when (owner, jti) was not live yet and is now recorded. Not retried: after
// a lost link the first attempt may have recorded it, and a retry would call the
// client's own message a replay.
protocol::StoreResult<bool> use_once(ConnectionPool& pool, const char* statement,
                                     std::string_view owner, std::string_view jti,
                                     int64_t expires_at, int64_t now) {
  return run<bool>(pool, statement, kNoRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    return !t.exec_prepared(statement, std::string(owner), std::string(jti), expires_at, now)
                .empty();
  });
}

}  // namespace

std::vector<Statement> PostgresAssertionJtis::statements() {
  return {{"use_assertion_jti", use_once_sql("client_assertion_jtis", "client_id")}};
}

PostgresAssertionJtis::StoreResult<bool> PostgresAssertionJtis::use_assertion_jti(
    std::string_view client_id, std::string_view jti, int64_t expires_at, int64_t now) {
  return use_once(pool_, "use_assertion_jti", client_id, jti, expires_at, now);
}

std::vector<Statement> PostgresDpopJtis::statements() {
  return {{"use_dpop_jti", use_once_sql("dpop_proof_jtis", "jkt")}};
}

PostgresDpopJtis::StoreResult<bool> PostgresDpopJtis::use_dpop_jti(std::string_view jkt,
                                                                   std::string_view jti,
                                                                   int64_t expires_at,
                                                                   int64_t now) {
  return use_once(pool_, "use_dpop_jti", jkt, jti, expires_at, now);
}

}  // namespace signet::store
