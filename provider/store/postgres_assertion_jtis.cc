#include "store/postgres_assertion_jtis.h"

#include <string>

#include "store/store_call.h"

namespace signet::store {

std::vector<Statement> PostgresAssertionJtis::statements() {
  return {
      // One statement: the primary key decides between two replicas at once; an
      // expired row the reaper has not deleted yet is taken over.
      {"use_assertion_jti",
       "INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3) "
       "ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at "
       "WHERE client_assertion_jtis.expires_at <= $4 RETURNING 1"},
  };
}

PostgresAssertionJtis::StoreResult<bool> PostgresAssertionJtis::use_assertion_jti(
    std::string_view client_id, std::string_view jti, int64_t expires_at, int64_t now) {
  // Not retried: after a lost link the first attempt may have recorded the jti,
  // and a retry would then call the client's own assertion a replay.
  return run<bool>(pool_, "use_assertion_jti", kNoRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    return !t.exec_prepared("use_assertion_jti", std::string(client_id), std::string(jti),
                            expires_at, now)
                .empty();
  });
}

}  // namespace signet::store
