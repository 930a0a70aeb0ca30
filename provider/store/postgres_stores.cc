#include "store/postgres_stores.h"

#include <utility>

#include "store/postgres_refresh_tokens.h"

namespace signet::store {

using protocol::AuthorizationCode;
using protocol::Client;
using protocol::OAuthError;
using protocol::Redemption;
using protocol::ScopeDescription;
using protocol::Session;
using protocol::User;

namespace {

// pg_advisory_xact_lock(class, hashtext(alg)) class for signing-key activation.
constexpr int kSigningKeyLockClass = 0x5369676E;  // "Sign"

const char* const kClientColumns =
    "client_id, client_name, is_public, coalesce(secret_digest, ''), redirect_uris, scopes, "
    "grant_types, id_token_signed_response_alg, post_logout_redirect_uris, access_token_ttl";
const char* const kUserColumns =
    "subject::text, username, name, email, password_hash, email_verified";
const char* const kCodeColumns =
    "code_digest, client_id, redirect_uri, subject::text, scopes, code_challenge, nonce, "
    "auth_time, issued_at, expires_at, used_at, coalesce(resource, '') AS resource, "
    "coalesce(sid, '') AS sid";
const char* const kKeyColumns =
    "kid, alg, state, public_jwk::text, sealed_private, created_at, activated_at, retired_at";

std::vector<Statement> statements() {
  const std::string client_cols = kClientColumns;
  const std::string user_cols = kUserColumns;
  const std::string code_cols = kCodeColumns;
  const std::string key_cols = kKeyColumns;
  return {
      {"ping", "SELECT count(*) FROM schema_migrations"},
      // clients
      {"find_client", "SELECT " + client_cols + " FROM clients WHERE client_id = $1"},
      {"list_clients", "SELECT " + client_cols + " FROM clients ORDER BY created_at, client_id"},
      {"create_client",
       "INSERT INTO clients (client_id, client_name, is_public, secret_digest, redirect_uris, "
       "scopes, grant_types) VALUES ($1, $2, $3, NULLIF($4, ''), $5::text[], $6::text[], "
       "$7::text[])"},
      {"set_client_oidc",
       "UPDATE clients SET id_token_signed_response_alg = $2, post_logout_redirect_uris = "
       "$3::text[], access_token_ttl = NULLIF($4, '')::integer WHERE client_id = $1"},
      // users
      {"set_email_verified", "UPDATE users SET email_verified = $2 WHERE subject = $1::uuid"},
      {"find_user_by_username", "SELECT " + user_cols + " FROM users WHERE username = $1"},
      {"find_user_by_subject", "SELECT " + user_cols + " FROM users WHERE subject = $1::uuid"},
      {"create_user",
       "INSERT INTO users (username, password_hash, name, email) VALUES ($1, $2, $3, $4) "
       "RETURNING " +
           user_cols},
      // scopes
      {"describe_scopes",
       "SELECT s.name, s.description FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord) "
       "JOIN scopes s ON s.name = q.name ORDER BY q.ord"},
      {"list_scopes", "SELECT name, description FROM scopes ORDER BY name"},
      // authorization codes
      {"save_code",
       "INSERT INTO authorization_codes (code_digest, client_id, redirect_uri, subject, scopes, "
       "code_challenge, nonce, auth_time, issued_at, expires_at, resource, sid) "
       "VALUES ($1, $2, $3, $4::uuid, $5::text[], $6, $7, $8, $9, $10, NULLIF($11, ''), "
       "NULLIF($12, ''))"},
      {"find_code", "SELECT " + code_cols + " FROM authorization_codes WHERE code_digest = $1"},
      // Single use: only one transaction can flip used_at from NULL (the row lock makes a
      // concurrent redeemer wait, then re-check the condition and find it false).
      // The issued token is recorded in the same statement (sql/0003: revoking a grant
      // or a consent reaches it).
      {"redeem_code",
       "WITH r AS (UPDATE authorization_codes SET used_at = $2, access_token_jti = $3, "
       "access_token_expires_at = $4 WHERE code_digest = $1 AND used_at IS NULL "
       "RETURNING subject, client_id), "
       "i AS (INSERT INTO issued_access_tokens (jti, subject, client_id, expires_at) "
       "SELECT $3, subject, client_id, $4 FROM r ON CONFLICT (jti) DO NOTHING) "
       "SELECT 1 FROM r"},
      {"code_exists", "SELECT 1 FROM authorization_codes WHERE code_digest = $1"},
      {"revoke_code_tokens",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT access_token_jti, $2, coalesce(access_token_expires_at, $2), 'code_replay' "
       "FROM authorization_codes WHERE code_digest = $1 AND access_token_jti IS NOT NULL "
       "ON CONFLICT (jti) DO NOTHING"},
      {"is_token_revoked", "SELECT 1 FROM revoked_tokens WHERE jti = $1"},
      // consents
      {"granted_scopes", "SELECT scopes FROM consents WHERE subject = $1::uuid AND client_id = $2"},
      {"grant_consent",
       "INSERT INTO consents (subject, client_id, scopes, granted_at, updated_at) "
       "VALUES ($1::uuid, $2, ARRAY(SELECT DISTINCT s FROM unnest($3::text[]) AS s ORDER BY s), "
       "$4, $4) "
       "ON CONFLICT (subject, client_id) DO UPDATE SET "
       "scopes = ARRAY(SELECT DISTINCT s FROM unnest(consents.scopes || EXCLUDED.scopes) AS s "
       "ORDER BY s), updated_at = EXCLUDED.updated_at"},
      // sessions
      {"create_session",
       "INSERT INTO sessions (id_digest, subject, csrf_token, auth_time, expires_at) "
       "VALUES ($1, $2::uuid, $3, $4, $5)"},
      {"find_session",
       "SELECT id_digest, subject::text, csrf_token, auth_time, expires_at FROM sessions "
       "WHERE id_digest = $1 AND expires_at > $2"},
      {"delete_session", "DELETE FROM sessions WHERE id_digest = $1"},
      // signing keys
      {"list_signing_keys", "SELECT " + key_cols + " FROM signing_keys ORDER BY created_at, kid"},
      {"lock_signing_keys", "SELECT pg_advisory_xact_lock($1, hashtext($2))"},
      {"active_signing_key",
       "SELECT " + key_cols + " FROM signing_keys WHERE alg = $1 AND state = 'active'"},
      {"insert_active_key",
       "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, created_at, "
       "activated_at) VALUES ($1, $2, 'active', $3::jsonb, $4, $5, $5) "
       "ON CONFLICT (alg) WHERE state = 'active' DO NOTHING"},
      // reaper
      {"reap_codes",
       "DELETE FROM authorization_codes WHERE code_digest IN (SELECT code_digest FROM "
       "authorization_codes WHERE reap_after < $1 LIMIT $2)"},
      {"reap_sessions",
       "DELETE FROM sessions WHERE id_digest IN (SELECT id_digest FROM sessions WHERE "
       "expires_at <= $1 LIMIT $2)"},
      {"reap_revoked_tokens",
       "DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE "
       "expires_at < $1 LIMIT $2)"},
  };
}

std::string str(std::string_view s) { return std::string(s); }

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
  return c;
}

User user_from(const pqxx::row& r) {
  User u;
  u.subject = r[0].as<std::string>();
  u.username = r[1].as<std::string>();
  u.name = r[2].as<std::string>();
  u.email = r[3].as<std::string>();
  u.password_hash = r[4].as<std::string>();
  u.email_verified = r["email_verified"].as<bool>();
  return u;
}

AuthorizationCode code_from(const pqxx::row& r) {
  AuthorizationCode c;
  c.code_digest = r[0].as<std::string>();
  c.client_id = r[1].as<std::string>();
  c.redirect_uri = r[2].as<std::string>();
  c.subject = r[3].as<std::string>();
  c.scopes = from_pg_text_array(r[4]);
  c.code_challenge = r[5].as<std::string>();
  c.nonce = r[6].as<std::string>();
  c.auth_time = r[7].as<int64_t>();
  c.issued_at = r[8].as<int64_t>();
  c.expires_at = r[9].as<int64_t>();
  if (!r[10].is_null()) c.used_at = r[10].as<int64_t>();
  c.resource = r["resource"].as<std::string>();  // sql/0005
  c.sid = r["sid"].as<std::string>();            // sql/0012
  return c;
}

StoredSigningKey key_from(const pqxx::row& r) {
  StoredSigningKey k;
  k.kid = r[0].as<std::string>();
  k.alg = r[1].as<std::string>();
  k.state = r[2].as<std::string>();
  k.public_jwk = r[3].as<std::string>();
  k.sealed_private = r[4].as<std::string>();
  k.created_at = r[5].as<int64_t>();
  if (!r[6].is_null()) k.activated_at = r[6].as<int64_t>();
  if (!r[7].is_null()) k.retired_at = r[7].as<int64_t>();
  return k;
}

OAuthError conflict(std::string description, std::string detail) {
  OAuthError e = OAuthError::invalid_request(std::move(description), std::move(detail));
  e.status = 409;
  return e;
}

constexpr bool kRetry = true;     // idempotent: safe to run again on a fresh connection
constexpr bool kNoRetry = false;  // not idempotent (or reports a first-time outcome)

}  // namespace

std::string to_pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::vector<std::string> from_pg_text_array(const pqxx::field& field) {
  std::vector<std::string> out;
  if (field.is_null()) return out;
  pqxx::array_parser parser = field.as_array();
  for (;;) {
    auto [what, value] = parser.get_next();
    if (what == pqxx::array_parser::done) break;
    if (what == pqxx::array_parser::string_value) out.push_back(std::move(value));
  }
  return out;
}

bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

PostgresStore::PostgresStore(std::string conninfo, size_t pool_size)
    : pool_(std::make_unique<ConnectionPool>(std::move(conninfo), pool_size,
                                             with_lifecycle_statements(statements()))) {}

PostgresStore::~PostgresStore() = default;

PostgresStore::StoreResult<Ok> PostgresStore::ping() {
  return pool_->run<Ok>("ping", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    t.exec_prepared("ping");
    return Ok{};
  });
}

// --- clients ----------------------------------------------------------------

PostgresStore::StoreResult<std::optional<Client>> PostgresStore::find_client(
    std::string_view client_id) {
  return pool_->run<std::optional<Client>>(
      "find_client", kRetry, [&](pqxx::connection& c) -> std::optional<Client> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_client", str(client_id));
        if (r.empty()) return std::nullopt;
        return client_from(r[0]);
      });
}

PostgresStore::StoreResult<std::vector<Client>> PostgresStore::list_clients() {
  return pool_->run<std::vector<Client>>("list_clients", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    std::vector<Client> out;
    for (const auto& row : t.exec_prepared("list_clients")) out.push_back(client_from(row));
    return out;
  });
}

PostgresStore::StoreResult<Ok> PostgresStore::create_client(const Client& client) {
  if (client.client_id.empty() || client.is_public != client.secret_digest.empty()) {
    return fail(OAuthError::invalid_request(
        "invalid client: a confidential client needs a secret digest, a public one none"));
  }
  bool exists = false;
  auto r = pool_->run<Ok>("create_client", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      t.exec_prepared("create_client", client.client_id, client.client_name, client.is_public,
                      client.secret_digest, to_pg_text_array(client.redirect_uris),
                      to_pg_text_array(client.scopes), to_pg_text_array(client.grant_types));
      t.exec_prepared(
          "set_client_oidc", client.client_id, client.id_token_signed_response_alg,
          to_pg_text_array(client.post_logout_redirect_uris),
          client.access_token_ttl ? std::to_string(*client.access_token_ttl) : std::string{});
    } catch (const pqxx::unique_violation&) {
      exists = true;
      return Ok{};
    }
    t.commit();
    return Ok{};
  });
  if (r.ok() && exists) {
    return fail(conflict("client already exists", "client_id " + client.client_id));
  }
  return r;
}

// --- users --------------------------------------------------------------------

PostgresStore::StoreResult<std::optional<User>> PostgresStore::find_user_by_username(
    std::string_view username) {
  return pool_->run<std::optional<User>>(
      "find_user_by_username", kRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_user_by_username", str(username));
        if (r.empty()) return std::nullopt;
        return user_from(r[0]);
      });
}

PostgresStore::StoreResult<std::optional<User>> PostgresStore::find_user_by_subject(
    std::string_view subject) {
  if (!looks_like_uuid(subject)) return std::optional<User>{};  // no such subject can exist
  return pool_->run<std::optional<User>>(
      "find_user_by_subject", kRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_user_by_subject", str(subject));
        if (r.empty()) return std::nullopt;
        return user_from(r[0]);
      });
}

PostgresStore::StoreResult<User> PostgresStore::create_user(std::string_view username,
                                                            std::string_view password_hash,
                                                            std::string_view name,
                                                            std::string_view email) {
  if (username.empty() || password_hash.empty()) {
    return fail(OAuthError::invalid_request("username and password hash are required"));
  }
  auto r = pool_->run<std::optional<User>>(
      "create_user", kNoRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::work t(c);
        pqxx::result res;
        try {
          res = t.exec_prepared("create_user", str(username), str(password_hash), str(name),
                                str(email));
        } catch (const pqxx::unique_violation&) {
          return std::nullopt;
        }
        t.commit();
        return user_from(res[0]);
      });
  if (!r.ok()) return fail(std::move(r.error()));
  if (!r.value()) return fail(conflict("user already exists", "username " + str(username)));
  return std::move(*r.value());
}

PostgresStore::StoreResult<Ok> PostgresStore::set_email_verified(std::string_view subject,
                                                                 bool verified) {
  return pool_->run<Ok>("set_email_verified", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("set_email_verified", str(subject), verified);
    t.commit();
    return Ok{};
  });
}

// --- scopes -------------------------------------------------------------------

PostgresStore::StoreResult<std::vector<ScopeDescription>> PostgresStore::describe_scopes(
    const std::vector<std::string>& names) {
  return pool_->run<std::vector<ScopeDescription>>(
      "describe_scopes", kRetry, [&](pqxx::connection& c) {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        std::vector<ScopeDescription> out;
        for (const auto& row : t.exec_prepared("describe_scopes", to_pg_text_array(names))) {
          out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
        }
        return out;
      });
}

PostgresStore::StoreResult<std::vector<ScopeDescription>> PostgresStore::list_scopes() {
  return pool_->run<std::vector<ScopeDescription>>("list_scopes", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    std::vector<ScopeDescription> out;
    for (const auto& row : t.exec_prepared("list_scopes")) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    }
    return out;
  });
}

// --- authorization codes -----------------------------------------------------

PostgresStore::StoreResult<Ok> PostgresStore::save_code(const AuthorizationCode& code) {
  // Not retried: after a lost link the insert may have happened; a retry would then
  // fail with a duplicate key, which is reported as an error anyway.
  return pool_->run<Ok>("save_code", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("save_code", code.code_digest, code.client_id, code.redirect_uri, code.subject,
                    to_pg_text_array(code.scopes), code.code_challenge, code.nonce, code.auth_time,
                    code.issued_at, code.expires_at, code.resource, code.sid);
    t.commit();
    return Ok{};
  });
}

PostgresStore::StoreResult<std::optional<AuthorizationCode>> PostgresStore::find_code(
    std::string_view code_digest) {
  return pool_->run<std::optional<AuthorizationCode>>(
      "find_code", kRetry, [&](pqxx::connection& c) -> std::optional<AuthorizationCode> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_code", str(code_digest));
        if (r.empty()) return std::nullopt;
        return code_from(r[0]);
      });
}

PostgresStore::StoreResult<Redemption> PostgresStore::redeem_code(std::string_view code_digest,
                                                                  int64_t now, std::string_view jti,
                                                                  int64_t token_expires_at) {
  // Not retried: if the first attempt committed before the link broke, a retry
  // would see a used code and revoke the token just issued.
  return pool_->run<Redemption>("redeem_code", kNoRetry, [&](pqxx::connection& c) {
    {
      // The common case is one statement, atomic alone: no BEGIN/COMMIT round trips.
      pqxx::nontransaction once(c);
      if (!once.exec_prepared("redeem_code", str(code_digest), now, str(jti), token_expires_at)
               .empty()) {
        return Redemption::kRedeemed;
      }
    }
    // Not redeemed by us: the code is unknown or was used (it never becomes unused again).
    pqxx::work t(c);
    if (t.exec_prepared("code_exists", str(code_digest)).empty()) return Redemption::kUnknown;
    // A replay (RFC 6749 §4.1.2): revoke what the first redemption issued.
    t.exec_prepared("revoke_code_tokens", str(code_digest), now);
    t.commit();
    return Redemption::kReplayed;
  });
}

PostgresStore::StoreResult<Ok> PostgresStore::revoke_code_tokens(std::string_view code_digest,
                                                                 int64_t now) {
  return pool_->run<Ok>("revoke_code_tokens", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("revoke_code_tokens", str(code_digest), now);
    t.commit();
    return Ok{};
  });
}

PostgresStore::StoreResult<bool> PostgresStore::is_token_revoked(std::string_view jti) {
  return pool_->run<bool>("is_token_revoked", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    return !t.exec_prepared("is_token_revoked", str(jti)).empty();
  });
}

// --- consents -------------------------------------------------------------------

PostgresStore::StoreResult<std::vector<std::string>> PostgresStore::granted_scopes(
    std::string_view subject, std::string_view client_id) {
  if (!looks_like_uuid(subject)) return std::vector<std::string>{};
  return pool_->run<std::vector<std::string>>(
      "granted_scopes", kRetry, [&](pqxx::connection& c) -> std::vector<std::string> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("granted_scopes", str(subject), str(client_id));
        if (r.empty()) return {};
        return from_pg_text_array(r[0][0]);
      });
}

PostgresStore::StoreResult<Ok> PostgresStore::grant_consent(std::string_view subject,
                                                            std::string_view client_id,
                                                            const std::vector<std::string>& scopes,
                                                            int64_t now) {
  // A union is idempotent: safe to retry.
  return pool_->run<Ok>("grant_consent", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("grant_consent", str(subject), str(client_id), to_pg_text_array(scopes), now);
    t.commit();
    return Ok{};
  });
}

// --- sessions -------------------------------------------------------------------

PostgresStore::StoreResult<Ok> PostgresStore::create_session(const Session& session) {
  return pool_->run<Ok>("create_session", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("create_session", session.id_digest, session.subject, session.csrf_token,
                    session.auth_time, session.expires_at);
    t.commit();
    return Ok{};
  });
}

PostgresStore::StoreResult<std::optional<Session>> PostgresStore::find_session(
    std::string_view id_digest, int64_t now) {
  return pool_->run<std::optional<Session>>(
      "find_session", kRetry, [&](pqxx::connection& c) -> std::optional<Session> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_session", str(id_digest), now);
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

PostgresStore::StoreResult<Ok> PostgresStore::delete_session(std::string_view id_digest) {
  return pool_->run<Ok>("delete_session", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("delete_session", str(id_digest));
    t.commit();
    return Ok{};
  });
}

// --- signing keys -------------------------------------------------------------

PostgresStore::StoreResult<std::vector<StoredSigningKey>> PostgresStore::list_signing_keys() {
  return pool_->run<std::vector<StoredSigningKey>>(
      "list_signing_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        std::vector<StoredSigningKey> out;
        for (const auto& row : t.exec_prepared("list_signing_keys")) out.push_back(key_from(row));
        return out;
      });
}

PostgresStore::StoreResult<StoredSigningKey> PostgresStore::insert_active_key_if_none(
    const StoredSigningKey& key) {
  // Idempotent (inserts only when no key is active): safe to retry.
  auto r = pool_->run<std::optional<StoredSigningKey>>(
      "insert_active_key_if_none", kRetry,
      [&](pqxx::connection& c) -> std::optional<StoredSigningKey> {
        pqxx::work t(c);
        t.exec_prepared("lock_signing_keys", kSigningKeyLockClass, key.alg);
        pqxx::result active = t.exec_prepared("active_signing_key", key.alg);
        if (active.empty()) {
          t.exec_prepared("insert_active_key", key.kid, key.alg, key.public_jwk, key.sealed_private,
                          key.created_at);
          active = t.exec_prepared("active_signing_key", key.alg);
        }
        if (active.empty()) return std::nullopt;
        StoredSigningKey out = key_from(active[0]);
        t.commit();
        return out;
      });
  if (!r.ok()) return fail(std::move(r.error()));
  if (!r.value()) {
    return fail(OAuthError::server_error("insert_active_key_if_none: no active key after insert"));
  }
  return std::move(*r.value());
}

// --- reaper -----------------------------------------------------------------------

PostgresStore::StoreResult<ReapCounts> PostgresStore::reap_expired(int64_t now, int64_t batch) {
  return pool_->run<ReapCounts>("reap_expired", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    ReapCounts n;
    n.codes = t.exec_prepared("reap_codes", now, batch).affected_rows();
    n.sessions = t.exec_prepared("reap_sessions", now, batch).affected_rows();
    n.revoked_tokens = t.exec_prepared("reap_revoked_tokens", now, batch).affected_rows();
    t.commit();
    return n;
  });
}

}  // namespace signet::store
