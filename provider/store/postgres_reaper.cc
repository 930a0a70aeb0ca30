#include "store/postgres_reaper.h"

#include "store/store_call.h"

namespace signet::store {

std::vector<Statement> PostgresReaper::statements() {
  return {
      {"reap_codes",
       "DELETE FROM authorization_codes WHERE code_digest IN (SELECT code_digest FROM "
       "authorization_codes WHERE reap_after < $1 LIMIT $2)"},
      {"reap_sessions",
       "DELETE FROM sessions WHERE id_digest IN (SELECT id_digest FROM sessions WHERE "
       "expires_at <= $1 LIMIT $2)"},
      {"reap_pushed_requests",
       "DELETE FROM pushed_authorization_requests WHERE request_uri_digest IN (SELECT "
       "request_uri_digest FROM pushed_authorization_requests WHERE expires_at < $1 LIMIT $2)"},
      {"reap_assertion_jtis",
       "DELETE FROM client_assertion_jtis WHERE (client_id, jti) IN (SELECT client_id, jti "
       "FROM client_assertion_jtis WHERE expires_at < $1 LIMIT $2)"},
      {"reap_dpop_jtis",
       "DELETE FROM dpop_proof_jtis WHERE (jkt, jti) IN (SELECT jkt, jti FROM dpop_proof_jtis "
       "WHERE expires_at < $1 LIMIT $2)"},
      {"reap_revoked_tokens",
       "DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE "
       "expires_at < $1 LIMIT $2)"},
  };
}

PostgresReaper::StoreResult<ReapCounts> PostgresReaper::reap_expired(int64_t now, int64_t batch) {
  return run<ReapCounts>(pool_, "reap_expired", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    ReapCounts n;
    n.codes = t.exec_prepared("reap_codes", now, batch).affected_rows();
    n.sessions = t.exec_prepared("reap_sessions", now, batch).affected_rows();
    n.pushed_requests = t.exec_prepared("reap_pushed_requests", now, batch).affected_rows();
    n.assertion_jtis = t.exec_prepared("reap_assertion_jtis", now, batch).affected_rows();
    n.dpop_jtis = t.exec_prepared("reap_dpop_jtis", now, batch).affected_rows();
    n.revoked_tokens = t.exec_prepared("reap_revoked_tokens", now, batch).affected_rows();
    t.commit();
    return n;
  });
}

}  // namespace signet::store
