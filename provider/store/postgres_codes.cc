#include "store/postgres_codes.h"

#include <string>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::AuthorizationCode;
using protocol::Redemption;

namespace {

const char* const kCodeColumns =
    "code_digest, client_id, redirect_uri, subject::text, scopes, code_challenge, nonce, "
    "auth_time, issued_at, expires_at, used_at, coalesce(resource, '') AS resource, "
    "coalesce(sid, '') AS sid, coalesce(dpop_jkt, '') AS dpop_jkt";

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
  return c;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

std::vector<Statement> PostgresCodes::statements() {
  const std::string cols = kCodeColumns;
  return {
      {"save_code",
       "INSERT INTO authorization_codes (code_digest, client_id, redirect_uri, subject, scopes, "
       "code_challenge, nonce, auth_time, issued_at, expires_at, resource, sid, dpop_jkt) "
       "VALUES ($1, $2, $3, $4::uuid, $5::text[], $6, $7, $8, $9, $10, NULLIF($11, ''), "
       "NULLIF($12, ''), NULLIF($13, ''))"},
      {"find_code", "SELECT " + cols + " FROM authorization_codes WHERE code_digest = $1"},
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

PostgresCodes::StoreResult<Ok> PostgresCodes::save_code(const AuthorizationCode& code) {
  // Not retried: after a lost link the insert may have happened; a retry would then
  // fail with a duplicate key, which is reported as an error anyway.
  auto saved = run<bool>(pool_, "save_code", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    if (!code.request_uri_digest.empty() &&
        t.exec_prepared("spend_request_for_code", code.request_uri_digest, code.issued_at,
                        code.client_id)
            .empty()) {
      return false;  // spent by another authorization, or expired: nothing is saved
    }
    t.exec_prepared("save_code", code.code_digest, code.client_id, code.redirect_uri, code.subject,
                    to_pg_text_array(code.scopes), code.code_challenge, code.nonce, code.auth_time,
                    code.issued_at, code.expires_at, code.resource, code.sid, code.dpop_jkt);
    t.commit();
    return true;
  });
  if (!saved) return fail(std::move(saved.error()));
  if (!*saved) {
    return fail(protocol::OAuthError::invalid_request_uri("pushed request spent or expired"));
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
