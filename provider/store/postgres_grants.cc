#include "store/postgres_grants.h"

#include <string>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::Grant;

namespace {

const char* const kGrantColumns =
    "g.grant_id, g.subject::text, g.client_id, c.client_name, g.scopes, "
    "g.authorization_details::text, g.standing, g.created_at, g.updated_at "
    "FROM grants g JOIN clients c ON c.client_id = g.client_id ";

Grant grant_from(const pqxx::row& r) {
  Grant g;
  g.grant_id = r[0].as<std::string>();
  g.subject = r[1].as<std::string>();
  g.client_id = r[2].as<std::string>();
  g.client_name = r[3].as<std::string>();
  g.scopes = from_pg_text_array(r[4]);
  g.authorization_details = r[5].as<std::string>();
  g.standing = r[6].as<bool>();
  g.created_at = r[7].as<int64_t>();
  g.updated_at = r[8].as<int64_t>();
  return g;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

std::vector<Statement> PostgresGrants::statements() {
  const std::string cols = kGrantColumns;
  return {
      {"grant_find", "SELECT " + cols + "WHERE g.grant_id = $1"},
      {"grant_list",
       "SELECT " + cols + "WHERE g.subject = $1::uuid ORDER BY g.created_at, g.grant_id"},
      // NULLIF: an empty subject matches any customer (the client's own API).
      {"grant_delete",
       "DELETE FROM grants WHERE grant_id = $1 AND client_id = $2 "
       "AND subject = coalesce(NULLIF($3, '')::uuid, subject) RETURNING 1"},
  };
}

PostgresGrants::StoreResult<std::optional<Grant>> PostgresGrants::find_grant(
    std::string_view grant_id) {
  return run<std::optional<Grant>>(
      pool_, "find_grant", kRetry, [&](pqxx::connection& c) -> std::optional<Grant> {
        pqxx::nontransaction t(c);
        const pqxx::result r = t.exec_prepared("grant_find", str(grant_id));
        if (r.empty()) return std::nullopt;
        return grant_from(r[0]);
      });
}

PostgresGrants::StoreResult<bool> PostgresGrants::delete_grant(std::string_view grant_id,
                                                               std::string_view client_id,
                                                               std::string_view subject) {
  if (!subject.empty() && !looks_like_uuid(subject)) return false;
  return run<bool>(pool_, "delete_grant", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);  // the trigger's revocations commit with the delete
    const bool deleted =
        !t.exec_prepared("grant_delete", str(grant_id), str(client_id), str(subject)).empty();
    t.commit();
    return deleted;
  });
}

PostgresGrants::StoreResult<std::vector<Grant>> PostgresGrants::grants_of(
    std::string_view subject) {
  if (!looks_like_uuid(subject)) return std::vector<Grant>{};
  return run<std::vector<Grant>>(pool_, "grants_of", kRetry, [&](pqxx::connection& c) {
    pqxx::read_transaction t(c);
    std::vector<Grant> out;
    for (const auto& r : t.exec_prepared("grant_list", str(subject))) out.push_back(grant_from(r));
    return out;
  });
}

}  // namespace signet::store
