#include "store/postgres_consents.h"

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

std::vector<Statement> PostgresConsents::statements() {
  return {
      {"granted_scopes", "SELECT scopes FROM consents WHERE subject = $1::uuid AND client_id = $2"},
      {"grant_consent",
       "INSERT INTO consents (subject, client_id, scopes, granted_at, updated_at) "
       "VALUES ($1::uuid, $2, ARRAY(SELECT DISTINCT s FROM unnest($3::text[]) AS s ORDER BY s), "
       "$4, $4) "
       "ON CONFLICT (subject, client_id) DO UPDATE SET "
       "scopes = ARRAY(SELECT DISTINCT s FROM unnest(consents.scopes || EXCLUDED.scopes) AS s "
       "ORDER BY s), updated_at = EXCLUDED.updated_at"},
  };
}

PostgresConsents::StoreResult<std::vector<std::string>> PostgresConsents::granted_scopes(
    std::string_view subject, std::string_view client_id) {
  if (!looks_like_uuid(subject)) return std::vector<std::string>{};
  return run<std::vector<std::string>>(
      pool_, "granted_scopes", kRetry, [&](pqxx::connection& c) -> std::vector<std::string> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r =
            t.exec_prepared("granted_scopes", std::string(subject), std::string(client_id));
        if (r.empty()) return {};
        return from_pg_text_array(r[0][0]);
      });
}

PostgresConsents::StoreResult<Ok> PostgresConsents::grant_consent(
    std::string_view subject, std::string_view client_id, const std::vector<std::string>& scopes,
    int64_t now) {
  // A union is idempotent: safe to retry.
  return run<Ok>(pool_, "grant_consent", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("grant_consent", std::string(subject), std::string(client_id),
                    to_pg_text_array(scopes), now);
    t.commit();
    return Ok{};
  });
}

}  // namespace signet::store
