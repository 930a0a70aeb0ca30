#include "store/postgres_resources.h"

#include <string>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {
namespace {

// The columns resource_from() reads: a registration with its clients.
const char* const kResourceColumns =
    "SELECT r.audience, r.name, r.scopes, ARRAY(SELECT c.client_id FROM resource_server_clients c "
    "WHERE c.audience = r.audience ORDER BY c.client_id) FROM resource_servers r ";

protocol::ResourceServer resource_from(const pqxx::row& r) {
  protocol::ResourceServer out;
  out.audience = r[0].as<std::string>();
  out.name = r[1].as<std::string>();
  out.scopes = from_pg_text_array(r[2]);
  out.client_ids = from_pg_text_array(r[3]);
  return out;
}

// Replaces the clients that act for `audience` (in the caller's transaction).
void set_resource_clients(pqxx::work& t, const protocol::ResourceServer& resource) {
  t.exec_prepared("delete_resource_clients", resource.audience);
  t.exec_prepared("insert_resource_clients", resource.audience,
                  to_pg_text_array(resource.client_ids));
}

}  // namespace

std::vector<Statement> PostgresResourceStore::statements() {
  const std::string select = kResourceColumns;
  return {
      {"find_resource", select + "WHERE r.audience = $1"},
      {"list_resources", select + "ORDER BY r.audience"},
      {"insert_resource",
       "INSERT INTO resource_servers (audience, name, scopes) VALUES ($1, $2, $3)"},
      {"update_resource",
       "UPDATE resource_servers SET name = $2, scopes = $3::text[] WHERE audience = $1 "
       "RETURNING 1"},
      {"delete_resource_clients", "DELETE FROM resource_server_clients WHERE audience = $1"},
      {"insert_resource_clients",
       "INSERT INTO resource_server_clients (audience, client_id) "
       "SELECT $1, id FROM unnest($2::text[]) AS u(id) ON CONFLICT DO NOTHING"},
  };
}

PostgresResourceStore::StoreResult<std::optional<protocol::ResourceServer>>
PostgresResourceStore::find_resource(std::string_view audience) {
  return run<std::optional<protocol::ResourceServer>>(
      pool_, "find_resource", kRetry,
      [&](pqxx::connection& c) -> std::optional<protocol::ResourceServer> {
        pqxx::read_transaction t(c);
        const pqxx::result r = t.exec_prepared("find_resource", std::string(audience));
        if (r.empty()) return std::nullopt;
        return resource_from(r[0]);
      });
}

PostgresResourceStore::StoreResult<Ok> PostgresResourceStore::add(
    const protocol::ResourceServer& resource) {
  bool exists = false;
  bool unknown_client = false;
  auto r = run<Ok>(pool_, "add_resource", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      t.exec_prepared("insert_resource", resource.audience, resource.name,
                      to_pg_text_array(resource.scopes));
      set_resource_clients(t, resource);
    } catch (const pqxx::unique_violation&) {
      exists = true;
      return Ok{};
    } catch (const pqxx::foreign_key_violation&) {
      unknown_client = true;
      return Ok{};
    }
    t.commit();
    return Ok{};
  });
  if (r.ok() && exists) {
    return fail(
        protocol::OAuthError::conflict("resource already exists", "audience " + resource.audience));
  }
  if (r.ok() && unknown_client) {
    return fail(protocol::OAuthError::invalid_request("no such client", resource.audience));
  }
  return r;
}

PostgresResourceStore::StoreResult<bool> PostgresResourceStore::update(
    const protocol::ResourceServer& resource) {
  bool unknown_client = false;
  auto r = run<bool>(pool_, "update_resource", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      const pqxx::result found = t.exec_prepared("update_resource", resource.audience,
                                                 resource.name, to_pg_text_array(resource.scopes));
      if (found.empty()) return false;
      set_resource_clients(t, resource);
    } catch (const pqxx::foreign_key_violation&) {
      unknown_client = true;
      return false;
    }
    t.commit();
    return true;
  });
  if (r.ok() && unknown_client) {
    return fail(protocol::OAuthError::invalid_request("no such client", resource.audience));
  }
  return r;
}

PostgresResourceStore::StoreResult<std::vector<protocol::ResourceServer>>
PostgresResourceStore::list() {
  return run<std::vector<protocol::ResourceServer>>(
      pool_, "list_resources", kRetry, [&](pqxx::connection& c) {
        pqxx::read_transaction t(c);
        std::vector<protocol::ResourceServer> out;
        for (const auto& row : t.exec_prepared("list_resources")) {
          out.push_back(resource_from(row));
        }
        return out;
      });
}

}  // namespace signet::store
