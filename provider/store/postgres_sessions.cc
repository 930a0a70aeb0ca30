#include "store/postgres_sessions.h"

#include <string>

#include "store/store_call.h"

namespace signet::store {

using protocol::Session;

std::vector<Statement> PostgresSessions::statements() {
  return {
      {"create_session",
       "INSERT INTO sessions (id_digest, subject, csrf_token, auth_time, expires_at) "
       "VALUES ($1, $2::uuid, $3, $4, $5)"},
      {"find_session",
       "SELECT id_digest, subject::text, csrf_token, auth_time, expires_at FROM sessions "
       "WHERE id_digest = $1 AND expires_at > $2"},
      {"delete_session", "DELETE FROM sessions WHERE id_digest = $1"},
  };
}

PostgresSessions::StoreResult<Ok> PostgresSessions::create_session(const Session& session) {
  return run<Ok>(pool_, "create_session", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("create_session", session.id_digest, session.subject, session.csrf_token,
                    session.auth_time, session.expires_at);
    t.commit();
    return Ok{};
  });
}

PostgresSessions::StoreResult<std::optional<Session>> PostgresSessions::find_session(
    std::string_view id_digest, int64_t now) {
  return run<std::optional<Session>>(
      pool_, "find_session", kRetry, [&](pqxx::connection& c) -> std::optional<Session> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_session", std::string(id_digest), now);
        if (r.empty()) return std::nullopt;
        Session s;
        s.id_digest = r[0][0].as<std::string>();
        s.subject = r[0][1].as<std::string>();
        s.csrf_token = r[0][2].as<std::string>();
        s.auth_time = r[0][3].as<int64_t>();
        s.expires_at = r[0][4].as<int64_t>();
        return s;
      });
}

PostgresSessions::StoreResult<Ok> PostgresSessions::delete_session(std::string_view id_digest) {
  return run<Ok>(pool_, "delete_session", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("delete_session", std::string(id_digest));
    t.commit();
    return Ok{};
  });
}

}  // namespace signet::store
