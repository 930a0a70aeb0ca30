#include "store/postgres_clients.h"

#include <string>
#include <utility>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::Client;
using protocol::OAuthError;

namespace {

const char* const kClientColumns =
    "client_id, client_name, is_public, coalesce(secret_digest, ''), redirect_uris, scopes, "
    "grant_types, id_token_signed_response_alg, post_logout_redirect_uris, access_token_ttl, "
    "require_pushed_authorization_requests, token_endpoint_auth_method, "
    "coalesce(jwks::text, '') AS jwks, coalesce(jwks_uri, '') AS jwks_uri, "
    "coalesce(token_endpoint_auth_signing_alg, '') AS token_endpoint_auth_signing_alg, "
    "dpop_bound_access_tokens, authorization_details_types";

Client client_from(const pqxx::row& r) {
  Client c;
  c.client_id = r[0].as<std::string>();
  c.client_name = r[1].as<std::string>();
  c.is_public = r[2].as<bool>();
  c.secret_digest = r[3].as<std::string>();
  c.redirect_uris = from_pg_text_array(r[4]);
  c.scopes = from_pg_text_array(r[5]);
  c.grant_types = from_pg_text_array(r[6]);
  // OpenID Connect columns (sql/0004), read by name.
  c.id_token_signed_response_alg = r["id_token_signed_response_alg"].as<std::string>();
  c.post_logout_redirect_uris = from_pg_text_array(r["post_logout_redirect_uris"]);
  // sql/0005: per-client access token lifetime (NULL: the server's default).
  if (!r["access_token_ttl"].is_null()) c.access_token_ttl = r["access_token_ttl"].as<int64_t>();
  // sql/0013: RFC 9126 §6.
  c.require_pushed_authorization_requests = r["require_pushed_authorization_requests"].as<bool>();
  // sql/0014: RFC 7591 §2, RFC 7523.
  c.token_endpoint_auth_method = r["token_endpoint_auth_method"].as<std::string>();
  c.jwks = r["jwks"].as<std::string>();
  c.jwks_uri = r["jwks_uri"].as<std::string>();
  c.token_endpoint_auth_signing_alg = r["token_endpoint_auth_signing_alg"].as<std::string>();
  c.dpop_bound_access_tokens = r["dpop_bound_access_tokens"].as<bool>();                 // sql/0015
  c.authorization_details_types = from_pg_text_array(r["authorization_details_types"]);  // 0018
  return c;
}

// A public client's method is "none" whatever the field says (RFC 7591 §2).
std::string auth_method(const Client& client) {
  return client.is_public ? std::string("none") : client.token_endpoint_auth_method;
}

void set_auth(pqxx::work& t, const Client& client) {
  t.exec_prepared("set_client_auth", client.client_id, auth_method(client), client.jwks,
                  client.jwks_uri, client.token_endpoint_auth_signing_alg,
                  client.dpop_bound_access_tokens, client.secret_digest);
}

// NULL (the server's default) travels as "".
std::string ttl_text(const Client& client) {
  return client.access_token_ttl ? std::to_string(*client.access_token_ttl) : std::string{};
}

}  // namespace

std::vector<Statement> PostgresClients::statements() {
  const std::string cols = kClientColumns;
  return {
      {"find_client", "SELECT " + cols + " FROM clients WHERE client_id = $1"},
      {"list_clients", "SELECT " + cols + " FROM clients ORDER BY created_at, client_id"},
      {"create_client",
       "INSERT INTO clients (client_id, client_name, is_public, secret_digest, redirect_uris, "
       "scopes, grant_types, token_endpoint_auth_method, jwks, jwks_uri, "
       "token_endpoint_auth_signing_alg, dpop_bound_access_tokens) VALUES ($1, $2, $3, "
       "NULLIF($4, ''), $5::text[], $6::text[], $7::text[], $8, NULLIF($9, '')::jsonb, "
       "NULLIF($10, ''), NULLIF($11, ''), $12)"},
      {"set_client_oidc",
       "UPDATE clients SET id_token_signed_response_alg = $2, post_logout_redirect_uris = "
       "$3::text[], access_token_ttl = NULLIF($4, '')::integer, "
       "require_pushed_authorization_requests = $5, authorization_details_types = $6::text[] "
       "WHERE client_id = $1"},
      // How the client authenticates (sql/0014); the CHECK keeps the method, the
      // secret and the keys consistent. The secret is written only when the
      // client moves between a secret method and another: an update racing
      // `rotate-secret` never brings the old secret back.
      {"set_client_auth",
       "UPDATE clients SET token_endpoint_auth_method = $2, jwks = NULLIF($3, '')::jsonb, "
       "jwks_uri = NULLIF($4, ''), token_endpoint_auth_signing_alg = NULLIF($5, ''), "
       "dpop_bound_access_tokens = $6, secret_digest = CASE WHEN "
       "(token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post')) = "
       "($2 IN ('client_secret_basic', 'client_secret_post')) THEN secret_digest "
       "ELSE NULLIF($7, '') END WHERE client_id = $1"},
      {"update_client",
       "UPDATE clients SET client_name = $2, redirect_uris = $3::text[], scopes = $4::text[], "
       "grant_types = $5::text[], access_token_ttl = NULLIF($6, '')::integer, "
       "require_pushed_authorization_requests = $7 WHERE client_id = $1 RETURNING 1"},
      {"set_client_secret",
       "UPDATE clients SET secret_digest = $2 WHERE client_id = $1 AND NOT is_public RETURNING 1"},
      {"delete_client", "DELETE FROM clients WHERE client_id = $1 RETURNING 1"},
  };
}

PostgresClients::StoreResult<std::optional<Client>> PostgresClients::find_client(
    std::string_view client_id) {
  return run<std::optional<Client>>(
      pool_, "find_client", kRetry, [&](pqxx::connection& c) -> std::optional<Client> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_client", std::string(client_id));
        if (r.empty()) return std::nullopt;
        return client_from(r[0]);
      });
}

PostgresClients::StoreResult<std::vector<Client>> PostgresClients::list_clients() {
  return run<std::vector<Client>>(pool_, "list_clients", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    std::vector<Client> out;
    for (const auto& row : t.exec_prepared("list_clients")) out.push_back(client_from(row));
    return out;
  });
}

PostgresClients::StoreResult<Ok> PostgresClients::create_client(const Client& client) {
  const bool needs_secret = !client.is_public && !client.uses_private_key_jwt();
  if (client.client_id.empty() || needs_secret == client.secret_digest.empty()) {
    return fail(OAuthError::invalid_request(
        "invalid client: a client with a secret method needs a secret digest, others none"));
  }
  bool exists = false;
  auto r = run<Ok>(pool_, "create_client", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      t.exec_prepared("create_client", client.client_id, client.client_name, client.is_public,
                      client.secret_digest, to_pg_text_array(client.redirect_uris),
                      to_pg_text_array(client.scopes), to_pg_text_array(client.grant_types),
                      auth_method(client), client.jwks, client.jwks_uri,
                      client.token_endpoint_auth_signing_alg, client.dpop_bound_access_tokens);
      t.exec_prepared("set_client_oidc", client.client_id, client.id_token_signed_response_alg,
                      to_pg_text_array(client.post_logout_redirect_uris), ttl_text(client),
                      client.require_pushed_authorization_requests,
                      to_pg_text_array(client.authorization_details_types));
    } catch (const pqxx::unique_violation&) {
      exists = true;
      return Ok{};
    }
    t.commit();
    return Ok{};
  });
  if (r.ok() && exists) {
    return fail(
        protocol::OAuthError::conflict("client already exists", "client_id " + client.client_id));
  }
  return r;
}

PostgresClients::StoreResult<bool> PostgresClients::update_client(const Client& client) {
  return run<bool>(pool_, "update_client", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r =
        t.exec_prepared("update_client", client.client_id, client.client_name,
                        to_pg_text_array(client.redirect_uris), to_pg_text_array(client.scopes),
                        to_pg_text_array(client.grant_types), ttl_text(client),
                        client.require_pushed_authorization_requests);
    if (!r.empty()) {
      set_auth(t, client);
      t.exec_prepared("set_client_oidc", client.client_id, client.id_token_signed_response_alg,
                      to_pg_text_array(client.post_logout_redirect_uris), ttl_text(client),
                      client.require_pushed_authorization_requests,
                      to_pg_text_array(client.authorization_details_types));
    }
    t.commit();
    return !r.empty();
  });
}

PostgresClients::StoreResult<bool> PostgresClients::set_client_secret_digest(
    std::string_view client_id, std::string_view digest) {
  return run<bool>(pool_, "rotate_client_secret", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r =
        t.exec_prepared("set_client_secret", std::string(client_id), std::string(digest));
    t.commit();
    return !r.empty();
  });
}

PostgresClients::StoreResult<bool> PostgresClients::delete_client(std::string_view client_id) {
  return run<bool>(pool_, "delete_client", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r = t.exec_prepared("delete_client", std::string(client_id));
    t.commit();
    return !r.empty();
  });
}

}  // namespace signet::store
