#include "store/postgres_refresh_tokens.h"

#include <utility>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::ConnectedApp;
using protocol::OAuthError;
using protocol::RefreshTokenRecord;
using protocol::Rotation;
using protocol::RotationOutcome;

namespace {

const char* const kRefreshColumns =
    "t.token_digest, t.family_id, f.client_id, f.subject::text, t.scopes, f.scopes, t.issued_at, "
    "t.expires_at, f.expires_at, t.used_at, f.revoked_at, f.resource, f.dpop_jkt, "
    "coalesce(f.grant_id, ''), f.authorization_details::text "
    "FROM refresh_tokens t JOIN refresh_token_families f ON f.family_id = t.family_id "
    "WHERE t.token_digest = $1";

}  // namespace

std::vector<Statement> PostgresLifecycleStore::statements() {
  const std::string cols = kRefreshColumns;
  return {
      // A family, its first token and the access token issued with it: one
      // statement, so one round trip and atomic without BEGIN/COMMIT.
      {"lc_create_family",
       "WITH f AS (INSERT INTO refresh_token_families (family_id, client_id, subject, scopes, "
       "code_digest, created_at, expires_at, resource, dpop_jkt, grant_id, "
       "authorization_details) "
       "VALUES ($1, $2, $3::uuid, $4::text[], NULLIF($5, ''), $6, $7, $8, NULLIF($17, ''), "
       "NULLIF($18, ''), $19::jsonb) "
       "RETURNING family_id), "
       "t AS (INSERT INTO refresh_tokens (token_digest, family_id, scopes, issued_at, expires_at) "
       "SELECT $9, family_id, $10::text[], $11, $12 FROM f), "
       "a AS (INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at) "
       "SELECT $13, $14::uuid, $15, family_id, $16 FROM f ON CONFLICT (jti) DO NOTHING) "
       "SELECT 1"},
      {"lc_insert_refresh",
       "INSERT INTO refresh_tokens (token_digest, family_id, scopes, issued_at, expires_at) "
       "VALUES ($1, $2, $3::text[], $4, $5)"},
      {"lc_record_access",
       "INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at) "
       "VALUES ($1, $2::uuid, $3, NULLIF($4, ''), $5) ON CONFLICT (jti) DO NOTHING"},
      // The token and its family are locked: concurrent rotations of one family queue up.
      {"lc_lock_refresh", "SELECT " + cols + " FOR UPDATE OF t, f"},
      {"lc_find_refresh", "SELECT " + cols},
      // The whole rotation in one statement, for a token read unused a moment ago:
      // marks it used only if it still is, and its family is live (locked, so a
      // concurrent revocation either waits for this or is seen by it), then
      // stores the successor and the access token. No row: fall back to the
      // locked path, which tells reuse from revocation.
      {"lc_rotate_if_unused",
       "WITH f AS (SELECT family_id FROM refresh_token_families "
       "WHERE family_id = $2 AND revoked_at IS NULL AND expires_at > $3 FOR UPDATE), "
       "u AS (UPDATE refresh_tokens SET used_at = $3 WHERE token_digest = $1 AND used_at IS NULL "
       "AND family_id IN (SELECT family_id FROM f) RETURNING family_id), "
       "s AS (INSERT INTO refresh_tokens (token_digest, family_id, scopes, issued_at, expires_at) "
       "SELECT $4, family_id, $5::text[], $6, $7 FROM u), "
       "a AS (INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at) "
       "SELECT $8, $9::uuid, $10, family_id, $11 FROM u ON CONFLICT (jti) DO NOTHING) "
       "SELECT family_id FROM u"},
      // Without rotation (RotationPlan::rotate false): the token stays unused and
      // takes the later expiry; the family is share-locked, so a revocation waits
      // for this and then lists the access token stored here.
      {"lc_extend_if_unused",
       "WITH f AS (SELECT family_id FROM refresh_token_families "
       "WHERE family_id = $2 AND revoked_at IS NULL AND expires_at > $3 FOR SHARE), "
       "u AS (UPDATE refresh_tokens SET expires_at = greatest(expires_at, $4) "
       "WHERE token_digest = $1 AND used_at IS NULL AND family_id IN (SELECT family_id FROM f) "
       "RETURNING family_id), "
       "a AS (INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at) "
       "SELECT $5, $6::uuid, $7, family_id, $8 FROM u ON CONFLICT (jti) DO NOTHING) "
       "SELECT family_id FROM u"},
      {"lc_extend",
       "UPDATE refresh_tokens SET expires_at = greatest(expires_at, $2) "
       "WHERE token_digest = $1"},
      {"lc_mark_used", "UPDATE refresh_tokens SET used_at = $2 WHERE token_digest = $1"},
      {"lc_revoke_family",
       "UPDATE refresh_token_families SET revoked_at = $2, revoked_reason = $3 "
       "WHERE family_id = $1 AND revoked_at IS NULL"},
      {"lc_revoke_family_tokens",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT jti, $2, expires_at, $3 FROM issued_access_tokens "
       "WHERE family_id = $1 AND expires_at > $2 ON CONFLICT (jti) DO NOTHING"},
      {"lc_revoke_code_families",
       "WITH f AS (UPDATE refresh_token_families SET revoked_at = $2, "
       "revoked_reason = 'code_replay' WHERE code_digest = $1 AND revoked_at IS NULL "
       "RETURNING family_id) "
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT a.jti, $2, a.expires_at, 'code_replay' FROM issued_access_tokens a "
       "JOIN f ON f.family_id = a.family_id WHERE a.expires_at > $2 "
       "ON CONFLICT (jti) DO NOTHING"},
      {"lc_revoke_access",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "VALUES ($1, $3, $2, $4) ON CONFLICT (jti) DO NOTHING"},
      {"lc_is_revoked", "SELECT 1 FROM revoked_tokens WHERE jti = $1"},
      {"lc_connected_apps",
       "SELECT c.client_id, cl.client_name, c.scopes, c.granted_at FROM consents c "
       "JOIN clients cl ON cl.client_id = c.client_id WHERE c.subject = $1::uuid "
       "ORDER BY c.granted_at, c.client_id"},
      {"lc_delete_consent",
       "DELETE FROM consents WHERE subject = $1::uuid AND client_id = $2 RETURNING 1"},
      // Every grant of the pair ends too (sql/0018: its trigger revokes their tokens).
      {"lc_delete_user_client_grants",
       "DELETE FROM grants WHERE subject = $1::uuid AND client_id = $2 RETURNING 1"},
      {"lc_revoke_user_client_families",
       "UPDATE refresh_token_families SET revoked_at = $3, revoked_reason = 'consent_withdrawn' "
       "WHERE subject = $1::uuid AND client_id = $2 AND revoked_at IS NULL"},
      {"lc_revoke_user_client_tokens",
       "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) "
       "SELECT jti, $3, expires_at, 'consent_withdrawn' FROM issued_access_tokens "
       "WHERE subject = $1::uuid AND client_id = $2 AND expires_at > $3 "
       "ON CONFLICT (jti) DO NOTHING"},
      {"lc_reap_families",
       "DELETE FROM refresh_token_families WHERE family_id IN (SELECT family_id FROM "
       "refresh_token_families WHERE expires_at < $1 LIMIT $2)"},
      {"lc_reap_issued",
       "DELETE FROM issued_access_tokens WHERE jti IN (SELECT jti FROM issued_access_tokens "
       "WHERE expires_at < $1 LIMIT $2)"},
  };
}

namespace {

std::string str(std::string_view s) { return std::string(s); }

RefreshTokenRecord refresh_from(const pqxx::row& r) {
  RefreshTokenRecord t;
  t.token_digest = r[0].as<std::string>();
  t.family_id = r[1].as<std::string>();
  t.client_id = r[2].as<std::string>();
  t.subject = r[3].as<std::string>();
  t.scopes = from_pg_text_array(r[4]);
  t.granted_scopes = from_pg_text_array(r[5]);
  t.issued_at = r[6].as<int64_t>();
  t.expires_at = r[7].as<int64_t>();
  t.family_expires_at = r[8].as<int64_t>();
  if (!r[9].is_null()) t.used_at = r[9].as<int64_t>();
  if (!r[10].is_null()) t.family_revoked_at = r[10].as<int64_t>();
  t.resource = r[11].as<std::string>();
  if (!r[12].is_null()) t.dpop_jkt = r[12].as<std::string>();
  t.grant_id = r[13].as<std::string>();  // sql/0018
  t.authorization_details = r[14].as<std::string>();
  return t;
}

void revoke_family_in(pqxx::work& t, std::string_view family_id, int64_t now,
                      std::string_view reason) {
  t.exec_prepared("lc_revoke_family", str(family_id), now, str(reason));
  t.exec_prepared("lc_revoke_family_tokens", str(family_id), now, str(reason));
}

}  // namespace

PostgresLifecycleStore::StoreResult<Ok> PostgresLifecycleStore::create_family(
    const protocol::NewRefreshFamily& f, const protocol::NewRefreshToken& first,
    const protocol::IssuedTokenRecord& a) {
  return run<Ok>(pool_, "create_family", kNoRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);
    t.exec_prepared("lc_create_family", f.family_id, f.client_id, f.subject,
                    to_pg_text_array(f.scopes), f.code_digest, f.created_at, f.expires_at,
                    f.resource, first.token_digest, to_pg_text_array(first.scopes), first.issued_at,
                    first.expires_at, a.jti, a.subject, a.client_id, a.expires_at, f.dpop_jkt,
                    f.grant_id, f.authorization_details);
    return Ok{};
  });
}

Result<Rotation, OAuthError> PostgresLifecycleStore::rotate(
    std::string_view token_digest, int64_t now, const protocol::RotationDecision& decide) {
  // The common case, a live unused token, in two round trips without an explicit
  // transaction: read, decide, then one conditional statement. Anything else, or
  // a token changed in between, takes the locked path below.
  auto read = find_refresh_token(token_digest);
  if (!read) return fail(std::move(read.error()));
  if (read->has_value() && !(*read)->used_at && !(*read)->family_revoked_at &&
      now < (*read)->family_expires_at) {
    const RefreshTokenRecord& p = **read;
    auto plan = decide(p);
    if (!plan) return fail(std::move(plan.error()));  // nothing was changed
    auto done = run<bool>(pool_, "rotate_refresh_token", kNoRetry, [&](pqxx::connection& c) {
      pqxx::nontransaction t(c);  // one statement: its own transaction
      const auto& s = plan->successor;
      const auto& a = plan->access_token;
      if (!plan->rotate) {
        return !t.exec_prepared("lc_extend_if_unused", p.token_digest, p.family_id, now,
                                s.expires_at, a.jti, a.subject, a.client_id, a.expires_at)
                    .empty();
      }
      return !t.exec_prepared("lc_rotate_if_unused", p.token_digest, p.family_id, now,
                              s.token_digest, to_pg_text_array(s.scopes), s.issued_at, s.expires_at,
                              a.jti, a.subject, a.client_id, a.expires_at)
                  .empty();
    });
    if (!done) return fail(std::move(done.error()));
    if (*done) return Rotation{RotationOutcome::kRotated, p};
  }
  return rotate_locked(token_digest, now, decide);
}

Result<Rotation, OAuthError> PostgresLifecycleStore::rotate_locked(
    std::string_view token_digest, int64_t now, const protocol::RotationDecision& decide) {
  std::optional<OAuthError> refused;
  // Not retried: a commit lost with the link must not turn into a "reuse".
  auto r = run<Rotation>(pool_, "rotate_refresh_token", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    Rotation out;
    const pqxx::result row = t.exec_prepared("lc_lock_refresh", str(token_digest));
    if (row.empty()) return out;  // kUnknown
    out.presented = refresh_from(row[0]);
    const RefreshTokenRecord& p = out.presented;
    if (p.family_revoked_at) {
      out.outcome = RotationOutcome::kRevoked;
      return out;
    }
    if (p.used_at) {
      // RFC 9700 §4.14.2: a rotated token came back; one of its holders is an attacker.
      revoke_family_in(t, p.family_id, now, "refresh_token_reuse");
      t.commit();
      out.outcome = RotationOutcome::kReused;
      return out;
    }
    auto plan = decide(p);
    if (!plan) {
      refused = std::move(plan.error());
      return out;  // rolled back: nothing changed
    }
    const auto& s = plan->successor;
    if (plan->rotate) {
      t.exec_prepared("lc_mark_used", p.token_digest, now);
      t.exec_prepared("lc_insert_refresh", s.token_digest, s.family_id, to_pg_text_array(s.scopes),
                      s.issued_at, s.expires_at);
    } else {
      t.exec_prepared("lc_extend", p.token_digest, s.expires_at);
    }
    const auto& a = plan->access_token;
    t.exec_prepared("lc_record_access", a.jti, a.subject, a.client_id, a.family_id, a.expires_at);
    t.commit();
    out.outcome = RotationOutcome::kRotated;
    return out;
  });
  if (!r) return fail(std::move(r.error()));
  if (refused) return fail(std::move(*refused));
  return std::move(*r);
}

PostgresLifecycleStore::StoreResult<std::optional<RefreshTokenRecord>>
PostgresLifecycleStore::find_refresh_token(std::string_view token_digest) {
  return run<std::optional<RefreshTokenRecord>>(
      pool_, "find_refresh_token", kRetry,
      [&](pqxx::connection& c) -> std::optional<RefreshTokenRecord> {
        pqxx::read_transaction t(c);
        const pqxx::result r = t.exec_prepared("lc_find_refresh", str(token_digest));
        if (r.empty()) return std::nullopt;
        return refresh_from(r[0]);
      });
}

PostgresLifecycleStore::StoreResult<Ok> PostgresLifecycleStore::revoke_family(
    std::string_view family_id, int64_t now, std::string_view reason) {
  return run<Ok>(pool_, "revoke_family", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    revoke_family_in(t, family_id, now, reason);
    t.commit();
    return Ok{};
  });
}

PostgresLifecycleStore::StoreResult<Ok> PostgresLifecycleStore::revoke_code_families(
    std::string_view code_digest, int64_t now) {
  return run<Ok>(pool_, "revoke_code_families", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("lc_revoke_code_families", str(code_digest), now);
    t.commit();
    return Ok{};
  });
}

PostgresLifecycleStore::StoreResult<Ok> PostgresLifecycleStore::revoke_access_token(
    std::string_view jti, int64_t expires_at, int64_t now, std::string_view reason) {
  return run<Ok>(pool_, "revoke_access_token", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("lc_revoke_access", str(jti), expires_at, now, str(reason));
    t.commit();
    return Ok{};
  });
}

PostgresLifecycleStore::StoreResult<bool> PostgresLifecycleStore::is_access_token_revoked(
    std::string_view jti) {
  return run<bool>(pool_, "is_access_token_revoked", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one indexed read: no transaction needed
    return !t.exec_prepared("lc_is_revoked", str(jti)).empty();
  });
}

PostgresLifecycleStore::StoreResult<std::vector<ConnectedApp>>
PostgresLifecycleStore::connected_apps(std::string_view subject) {
  if (!looks_like_uuid(subject)) return std::vector<ConnectedApp>{};
  return run<std::vector<ConnectedApp>>(pool_, "connected_apps", kRetry, [&](pqxx::connection& c) {
    pqxx::read_transaction t(c);
    std::vector<ConnectedApp> out;
    for (const auto& r : t.exec_prepared("lc_connected_apps", str(subject))) {
      ConnectedApp a;
      a.client_id = r[0].as<std::string>();
      a.client_name = r[1].as<std::string>();
      a.scopes = from_pg_text_array(r[2]);
      a.granted_at = r[3].as<int64_t>();
      out.push_back(std::move(a));
    }
    return out;
  });
}

PostgresLifecycleStore::StoreResult<bool> PostgresLifecycleStore::disconnect_app(
    std::string_view subject, std::string_view client_id, int64_t now) {
  if (!looks_like_uuid(subject)) return false;
  return run<bool>(pool_, "disconnect_app", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    bool had = !t.exec_prepared("lc_delete_consent", str(subject), str(client_id)).empty();
    had = !t.exec_prepared("lc_delete_user_client_grants", str(subject), str(client_id)).empty() ||
          had;
    t.exec_prepared("lc_revoke_user_client_families", str(subject), str(client_id), now);
    t.exec_prepared("lc_revoke_user_client_tokens", str(subject), str(client_id), now);
    t.commit();
    return had;
  });
}

PostgresLifecycleStore::StoreResult<int64_t> PostgresLifecycleStore::reap_expired(int64_t now,
                                                                                  int64_t batch) {
  return run<int64_t>(pool_, "reap_lifecycle", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    int64_t n = t.exec_prepared("lc_reap_families", now, batch).affected_rows();
    n += t.exec_prepared("lc_reap_issued", now, batch).affected_rows();
    t.commit();
    return n;
  });
}

}  // namespace signet::store
