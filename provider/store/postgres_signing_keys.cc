#include "store/postgres_signing_keys.h"

#include <utility>

#include "store/store_call.h"

namespace signet::store {

using protocol::OAuthError;

namespace {

// pg_advisory_xact_lock(class, hashtext(alg)): one algorithm's active key changes.
constexpr int kSigningKeyLockClass = 0x5369676E;  // "Sign"
// pg_advisory_xact_lock(class, 0): a replica is promoting or revoking.
constexpr int kPromotionLockClass = 0x526F7461;  // "Rota"

const char* const kKeyColumns =
    "kid, alg, state, public_jwk::text, sealed_private, created_at, activated_at, retired_at";

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

}  // namespace

std::vector<Statement> PostgresSigningKeys::statements() {
  const std::string cols = kKeyColumns;
  return {
      {"list_signing_keys", "SELECT " + cols + " FROM signing_keys ORDER BY created_at, kid"},
      {"lock_signing_keys", "SELECT pg_advisory_xact_lock($1, hashtext($2))"},
      {"active_signing_key",
       "SELECT " + cols + " FROM signing_keys WHERE alg = $1 AND state = 'active'"},
      {"insert_active_key",
       "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, created_at, "
       "activated_at) VALUES ($1, $2, 'active', $3::jsonb, $4, $5, $5) "
       "ON CONFLICT (alg) WHERE state = 'active' DO NOTHING"},
      {"insert_next_key",
       "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, created_at) "
       "VALUES ($1, $2, 'next', $3::jsonb, $4, $5)"},
      // rotation
      {"try_lock_key_promotion", "SELECT pg_try_advisory_xact_lock($1, 0)"},
      {"lock_key_promotion", "SELECT pg_advisory_xact_lock($1, 0)"},
      {"due_next_keys",
       "SELECT DISTINCT ON (alg) alg, kid FROM signing_keys WHERE state = 'next' "
       "AND created_at <= $1 ORDER BY alg, created_at DESC, kid"},
      {"next_key_by_kid", "SELECT alg, kid FROM signing_keys WHERE state = 'next' AND kid = $1"},
      {"retire_active_key",
       "UPDATE signing_keys SET state = 'retired', retired_at = $2 "
       "WHERE alg = $1 AND state = 'active' RETURNING kid"},
      {"activate_key",
       "UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = $1"},
      // Older next keys of this algorithm never signed anything.
      {"drop_older_next_keys",
       "DELETE FROM signing_keys s WHERE s.alg = $1 AND s.state = 'next' AND "
       "s.created_at <= (SELECT created_at FROM signing_keys WHERE kid = $2)"},
      {"delete_expired_keys",
       "DELETE FROM signing_keys WHERE state = 'retired' AND retired_at + "
       "greatest($2::bigint, (SELECT coalesce(max(access_token_ttl), 0) FROM clients)) "
       "+ $3::bigint < $1::bigint RETURNING kid"},
      // revocation
      {"signing_key_state", "SELECT alg, state FROM signing_keys WHERE kid = $1"},
      {"delete_signing_key", "DELETE FROM signing_keys WHERE kid = $1"},
      {"activate_newest_next_key",
       "UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = "
       "(SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'next' "
       "ORDER BY created_at DESC, kid LIMIT 1) RETURNING kid"},
      {"insert_replacement_key",
       "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, "
       "created_at, activated_at) VALUES ($1, $2, 'active', $3::jsonb, $4, $5, $5)"},
  };
}

PostgresSigningKeys::StoreResult<std::vector<StoredSigningKey>>
PostgresSigningKeys::list_signing_keys() {
  return run<std::vector<StoredSigningKey>>(
      pool_, "list_signing_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        std::vector<StoredSigningKey> out;
        for (const auto& row : t.exec_prepared("list_signing_keys")) out.push_back(key_from(row));
        return out;
      });
}

PostgresSigningKeys::StoreResult<StoredSigningKey> PostgresSigningKeys::insert_active_key_if_none(
    const StoredSigningKey& key) {
  // Idempotent (inserts only when no key is active): safe to retry.
  auto r = run<std::optional<StoredSigningKey>>(
      pool_, "insert_active_key_if_none", kRetry,
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

PostgresSigningKeys::StoreResult<Ok> PostgresSigningKeys::insert_next_key(
    const StoredSigningKey& key) {
  return run<Ok>(pool_, "insert_next_key", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("insert_next_key", key.kid, key.alg, key.public_jwk, key.sealed_private,
                    key.created_at);
    t.commit();
    return Ok{};
  });
}

PostgresSigningKeys::StoreResult<std::vector<Promotion>> PostgresSigningKeys::promote_due_keys(
    int64_t now, int64_t publish_delay, const std::string& force_kid) {
  return run<std::vector<Promotion>>(
      pool_, "promote_signing_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::work t(c);
        std::vector<Promotion> out;
        if (force_kid.empty()) {
          // Only one replica promotes; the others find the work done next time.
          const bool locked =
              t.exec_prepared("try_lock_key_promotion", kPromotionLockClass)[0][0].as<bool>();
          if (!locked) return out;
        } else {
          t.exec_prepared("lock_key_promotion", kPromotionLockClass);
        }
        // The newest due "next" key of each algorithm.
        const pqxx::result due = force_kid.empty()
                                     ? t.exec_prepared("due_next_keys", now - publish_delay)
                                     : t.exec_prepared("next_key_by_kid", force_kid);
        for (const auto& row : due) {
          Promotion p;
          p.alg = row[0].as<std::string>();
          p.activated_kid = row[1].as<std::string>();
          t.exec_prepared("lock_signing_keys", kSigningKeyLockClass, p.alg);
          for (const auto& r : t.exec_prepared("retire_active_key", p.alg, now)) {
            p.retired_kids.push_back(r[0].as<std::string>());
          }
          t.exec_prepared("activate_key", p.activated_kid, now);
          t.exec_prepared("drop_older_next_keys", p.alg, p.activated_kid);
          out.push_back(std::move(p));
        }
        t.commit();
        return out;
      });
}

PostgresSigningKeys::StoreResult<std::vector<std::string>> PostgresSigningKeys::delete_expired_keys(
    int64_t now, int64_t default_token_ttl, int64_t margin) {
  return run<std::vector<std::string>>(
      pool_, "delete_expired_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::work t(c);
        std::vector<std::string> out;
        for (const auto& r :
             t.exec_prepared("delete_expired_keys", now, default_token_ttl, margin)) {
          out.push_back(r[0].as<std::string>());
        }
        t.commit();
        return out;
      });
}

PostgresSigningKeys::StoreResult<std::optional<Revocation>> PostgresSigningKeys::revoke_key(
    const std::string& kid, int64_t now, const std::optional<StoredSigningKey>& replacement) {
  // Not retried: after a COMMIT lost in transit, a retry would find no key and call
  // a revocation that happened unknown.
  auto r = run<std::optional<Revocation>>(
      pool_, "revoke_signing_key", kNoRetry, [&](pqxx::connection& c) -> std::optional<Revocation> {
        pqxx::work t(c);
        // The same locks, in the same order, as promote_due_keys: no promotion runs
        // half-way through a revocation.
        t.exec_prepared("lock_key_promotion", kPromotionLockClass);
        const pqxx::result found = t.exec_prepared("signing_key_state", kid);
        if (found.empty()) return std::nullopt;
        Revocation out;
        out.alg = found[0][0].as<std::string>();
        out.state = found[0][1].as<std::string>();
        t.exec_prepared("lock_signing_keys", kSigningKeyLockClass, out.alg);
        // Deleted first: at most one active key per algorithm (a unique index).
        t.exec_prepared("delete_signing_key", kid);
        if (out.state == "active") {
          const pqxx::result next = t.exec_prepared("activate_newest_next_key", out.alg, now);
          if (!next.empty()) {
            out.activated_kid = next[0][0].as<std::string>();
          } else if (replacement && replacement->alg == out.alg) {
            t.exec_prepared("insert_replacement_key", replacement->kid, replacement->alg,
                            replacement->public_jwk, replacement->sealed_private, now);
            out.activated_kid = replacement->kid;
          } else {
            return out;  // rolled back: no key would sign in its place
          }
        }
        t.commit();
        return out;
      });
  if (r.ok() && *r && (*r)->state == "active" && (*r)->activated_kid.empty()) {
    return fail(
        protocol::OAuthError::conflict("no " + (*r)->alg + " key can replace the active key " + kid,
                                       "revoke without a replacement"));
  }
  return r;
}

}  // namespace signet::store
