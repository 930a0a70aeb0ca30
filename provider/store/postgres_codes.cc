#include "store/postgres_codes.h"

#include <string>

#include "common/crypto.h"
#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::AuthorizationCode;
using protocol::Redemption;

namespace {

const char* const kCodeColumns =
    "code_digest, client_id, redirect_uri, subject::text, scopes, code_challenge, nonce, "
    "auth_time, issued_at, expires_at, used_at, coalesce(resource, '') AS resource, "
    "coalesce(sid, '') AS sid, coalesce(dpop_jkt, '') AS dpop_jkt, "
    "coalesce(grant_id, '') AS grant_id, authorization_details::text AS authorization_details";

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
  c.dpop_jkt = r["dpop_jkt"].as<std::string>();  // sql/0015
  c.grant_id = r["grant_id"].as<std::string>();  // sql/0018
  c.authorization_details = r["authorization_details"].as<std::string>();
  return c;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

std::vector<Statement> PostgresCodes::statements() {
  const std::string cols = kCodeColumns;
  return {
      {"save_code",
       "INSERT INTO authorization_codes (code_digest, client_id, redirect_uri, subject, scopes, "
       "code_challenge, nonce, auth_time, issued_at, expires_at, resource, sid, dpop_jkt, "
       "grant_id, authorization_details) "
       "VALUES ($1, $2, $3, $4::uuid, $5::text[], $6, $7, $8, $9, $10, NULLIF($11, ''), "
       "NULLIF($12, ''), NULLIF($13, ''), $14, $15::jsonb)"},
      // The grant a code is issued under (sql/0018), written in the code's
      // transaction. The standing grant of plain scopes takes the union.
      {"grant_standing",
       "INSERT INTO grants (grant_id, subject, client_id, scopes, standing, created_at, "
       "updated_at) VALUES ($1, $2::uuid, $3, $4::text[], true, $5, $5) "
       "ON CONFLICT (subject, client_id) WHERE standing DO UPDATE SET "
       "scopes = ARRAY(SELECT DISTINCT s FROM unnest(grants.scopes || EXCLUDED.scopes) s "
       "ORDER BY s), updated_at = EXCLUDED.updated_at "
       "RETURNING grant_id, scopes, authorization_details::text"},
      {"grant_create",
       "INSERT INTO grants (grant_id, subject, client_id, scopes, authorization_details, "
       "created_at, updated_at) VALUES ($1, $2::uuid, $3, $4::text[], $5::jsonb, $6, $6) "
       "RETURNING grant_id, scopes, authorization_details::text"},
      // Grant Management §4.1 update: the grant gains what was asked (no duplicates).
      {"grant_update",
       "UPDATE grants SET "
       "scopes = ARRAY(SELECT DISTINCT s FROM unnest(scopes || $4::text[]) s ORDER BY s), "
       "authorization_details = (SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb) FROM ("
       "SELECT e, min(n) AS n FROM jsonb_array_elements(authorization_details || $5::jsonb) "
       "WITH ORDINALITY AS x(e, n) GROUP BY e) d), "
       "updated_at = $6 WHERE grant_id = $1 AND subject = $2::uuid AND client_id = $3 "
       "RETURNING grant_id, scopes, authorization_details::text"},
      // ... replace: the grant becomes exactly what was asked; what it issued before ends.
      {"grant_replace",
       "UPDATE grants SET scopes = $4::text[], authorization_details = $5::jsonb, "
       "updated_at = $6 WHERE grant_id = $1 AND subject = $2::uuid AND client_id = $3 "
       "RETURNING grant_id, scopes, authorization_details::text"},
      {"grant_replaced_families",
       "UPDATE refresh_token_families SET revoked_at = $2, revoked_reason = 'grant_replaced' "
       "WHERE grant_id = $1 AND revoked_at IS NULL"},
      {"grant_replaced_tokens",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT a.jti, $2, a.expires_at, 'grant_replaced' FROM issued_access_tokens a "
       "WHERE a.expires_at > $2 AND (a.grant_id = $1 OR a.family_id IN "
       "(SELECT family_id FROM refresh_token_families WHERE grant_id = $1)) "
       "ON CONFLICT (jti) DO NOTHING"},
      {"find_code", "SELECT " + cols + " FROM authorization_codes WHERE code_digest = $1"},
      // Single use: only one transaction can flip used_at from NULL (the row lock makes a
      // concurrent redeemer wait, then re-check the condition and find it false).
      // The issued token is recorded in the same statement (sql/0003: revoking a grant
      // or a consent reaches it).
      {"redeem_code",
       "WITH r AS (UPDATE authorization_codes SET used_at = $2, access_token_jti = $3, "
       "access_token_expires_at = $4 WHERE code_digest = $1 AND used_at IS NULL "
       "RETURNING subject, client_id, grant_id), "
       "i AS (INSERT INTO issued_access_tokens (jti, subject, client_id, expires_at, grant_id) "
       "SELECT $3, subject, client_id, $4, grant_id FROM r ON CONFLICT (jti) DO NOTHING) "
       "SELECT 1 FROM r"},
      // RFC 9126: the pushed request a code answers is spent with the code, once.
      {"spend_request_for_code",
       "UPDATE pushed_authorization_requests SET spent_at = $2 WHERE request_uri_digest = $1 "
       "AND client_id = $3 AND spent_at IS NULL AND expires_at > $2 RETURNING 1"},
      {"code_exists", "SELECT 1 FROM authorization_codes WHERE code_digest = $1"},
      {"revoke_code_tokens",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT access_token_jti, $2, coalesce(access_token_expires_at, $2), 'code_replay' "
       "FROM authorization_codes WHERE code_digest = $1 AND access_token_jti IS NOT NULL "
       "ON CONFLICT (jti) DO NOTHING"},
  };
}

namespace {

enum class Saved { kSaved, kRequestSpent, kNoSuchGrant };

// Writes the code's grant as code.grant_write says and returns the grant's row
// (empty: the named grant is not this client's and customer's).
pqxx::result write_grant(pqxx::work& t, const AuthorizationCode& code) {
  const std::string scopes = to_pg_text_array(code.scopes);
  // The id of a grant this code may create (the caller's, or a fresh one).
  const std::string new_id = code.grant_id.empty() ? random_token(16) : code.grant_id;
  switch (code.grant_write) {
    case protocol::GrantWrite::kStanding:
      return t.exec_prepared("grant_standing", new_id, code.subject, code.client_id, scopes,
                             code.issued_at);
    case protocol::GrantWrite::kCreate:
      return t.exec_prepared("grant_create", new_id, code.subject, code.client_id, scopes,
                             code.authorization_details, code.issued_at);
    case protocol::GrantWrite::kUpdate:
      return t.exec_prepared("grant_update", code.grant_id, code.subject, code.client_id, scopes,
                             code.authorization_details, code.issued_at);
    case protocol::GrantWrite::kReplace: {
      pqxx::result r = t.exec_prepared("grant_replace", code.grant_id, code.subject, code.client_id,
                                       scopes, code.authorization_details, code.issued_at);
      if (!r.empty()) {
        t.exec_prepared("grant_replaced_families", code.grant_id, code.issued_at);
        t.exec_prepared("grant_replaced_tokens", code.grant_id, code.issued_at);
      }
      return r;
    }
  }
  return {};
}

}  // namespace

PostgresCodes::StoreResult<Ok> PostgresCodes::save_code(const AuthorizationCode& code) {
  // Not retried: after a lost link the insert may have happened; a retry would then
  // fail with a duplicate key, which is reported as an error anyway.
  AuthorizationCode row = code;
  auto saved = run<Saved>(pool_, "save_code", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    if (!code.request_uri_digest.empty() &&
        t.exec_prepared("spend_request_for_code", code.request_uri_digest, code.issued_at,
                        code.client_id)
            .empty()) {
      return Saved::kRequestSpent;  // spent by another authorization, or expired
    }
    const pqxx::result grant = write_grant(t, code);
    if (grant.empty()) return Saved::kNoSuchGrant;
    row.grant_id = grant[0][0].as<std::string>();
    // An updated grant's tokens carry all of it; the standing grant's carry
    // what this request asked (its union serves the consent page only).
    if (code.grant_write == protocol::GrantWrite::kUpdate) {
      row.scopes = from_pg_text_array(grant[0][1]);
      row.authorization_details = grant[0][2].as<std::string>();
    }
    t.exec_prepared("save_code", row.code_digest, row.client_id, row.redirect_uri, row.subject,
                    to_pg_text_array(row.scopes), row.code_challenge, row.nonce, row.auth_time,
                    row.issued_at, row.expires_at, row.resource, row.sid, row.dpop_jkt,
                    row.grant_id, row.authorization_details);
    t.commit();
    return Saved::kSaved;
  });
  if (!saved) return fail(std::move(saved.error()));
  switch (*saved) {
    case Saved::kRequestSpent:
      return fail(protocol::OAuthError::invalid_request_uri("pushed request spent or expired"));
    case Saved::kNoSuchGrant:
      return fail(protocol::OAuthError::invalid_grant_id("grant " + code.grant_id +
                                                         " is not this client's and customer's"));
    case Saved::kSaved:
      break;
  }
  return Ok{};
}

PostgresCodes::StoreResult<std::optional<AuthorizationCode>> PostgresCodes::find_code(
    std::string_view code_digest) {
  return run<std::optional<AuthorizationCode>>(
      pool_, "find_code", kRetry, [&](pqxx::connection& c) -> std::optional<AuthorizationCode> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_code", str(code_digest));
        if (r.empty()) return std::nullopt;
        return code_from(r[0]);
      });
}

PostgresCodes::StoreResult<Redemption> PostgresCodes::redeem_code(std::string_view code_digest,
                                                                  int64_t now, std::string_view jti,
                                                                  int64_t token_expires_at) {
  // Not retried: if the first attempt committed before the link broke, a retry
  // would see a used code and revoke the token just issued.
  return run<Redemption>(pool_, "redeem_code", kNoRetry, [&](pqxx::connection& c) {
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

PostgresCodes::StoreResult<Ok> PostgresCodes::revoke_code_tokens(std::string_view code_digest,
                                                                 int64_t now) {
  return run<Ok>(pool_, "revoke_code_tokens", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("revoke_code_tokens", str(code_digest), now);
    t.commit();
    return Ok{};
  });
}

}  // namespace signet::store
