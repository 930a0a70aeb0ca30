#include "store/admin_stores.h"

#include <map>
#include <utility>

namespace signet::store {
namespace {

// The same lock class as PostgresStore's first-key bootstrap (per algorithm), and
// one key of its own for "a replica is promoting".
constexpr int kSigningKeyLockClass = 0x5369676E;  // "Sign"
constexpr int kPromotionLockClass = 0x526F7461;   // "Rota"

constexpr bool kRetry = true;
constexpr bool kNoRetry = false;

std::string str(std::string_view s) { return std::string(s); }

protocol::OAuthError conflict(std::string description, std::string detail) {
  protocol::OAuthError e =
      protocol::OAuthError::invalid_request(std::move(description), std::move(detail));
  e.status = 409;
  return e;
}

// The columns resource_from() reads: a registration with its clients.
constexpr const char* kResourceColumns =
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
  t.exec_params("DELETE FROM resource_server_clients WHERE audience = $1", resource.audience);
  t.exec_params(
      "INSERT INTO resource_server_clients (audience, client_id) "
      "SELECT $1, id FROM unnest($2::text[]) AS u(id) ON CONFLICT DO NOTHING",
      resource.audience, to_pg_text_array(resource.client_ids));
}

}  // namespace

// --- signing keys -------------------------------------------------------------------

PostgresKeyStore::StoreResult<Ok> PostgresKeyStore::insert_next(const StoredSigningKey& key) {
  return pool_.run<Ok>("insert_next_key", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_params(
        "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, created_at) "
        "VALUES ($1, $2, 'next', $3::jsonb, $4, $5)",
        key.kid, key.alg, key.public_jwk, key.sealed_private, key.created_at);
    t.commit();
    return Ok{};
  });
}

PostgresKeyStore::StoreResult<std::vector<Promotion>> PostgresKeyStore::promote_due(
    int64_t now, int64_t publish_delay, const std::string& force_kid) {
  return pool_.run<std::vector<Promotion>>(
      "promote_signing_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::work t(c);
        std::vector<Promotion> out;
        if (force_kid.empty()) {
          // Only one replica promotes; the others find the work done next time.
          const bool locked =
              t.exec_params("SELECT pg_try_advisory_xact_lock($1, 0)", kPromotionLockClass)[0][0]
                  .as<bool>();
          if (!locked) return out;
        } else {
          t.exec_params("SELECT pg_advisory_xact_lock($1, 0)", kPromotionLockClass);
        }
        // The newest due "next" key of each algorithm.
        const pqxx::result due =
            force_kid.empty()
                ? t.exec_params(
                      "SELECT DISTINCT ON (alg) alg, kid FROM signing_keys WHERE state = 'next' "
                      "AND created_at <= $1 ORDER BY alg, created_at DESC, kid",
                      now - publish_delay)
                : t.exec_params(
                      "SELECT alg, kid FROM signing_keys WHERE state = 'next' AND kid = $1",
                      force_kid);
        for (const auto& row : due) {
          Promotion p;
          p.alg = row[0].as<std::string>();
          p.activated_kid = row[1].as<std::string>();
          t.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kSigningKeyLockClass,
                        p.alg);
          for (const auto& r :
               t.exec_params("UPDATE signing_keys SET state = 'retired', retired_at = $2 "
                             "WHERE alg = $1 AND state = 'active' RETURNING kid",
                             p.alg, now)) {
            p.retired_kids.push_back(r[0].as<std::string>());
          }
          t.exec_params(
              "UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = $1",
              p.activated_kid, now);
          // Older next keys of this algorithm never signed anything: drop them.
          t.exec_params(
              "DELETE FROM signing_keys s WHERE s.alg = $1 AND s.state = 'next' AND "
              "s.created_at <= (SELECT created_at FROM signing_keys WHERE kid = $2)",
              p.alg, p.activated_kid);
          out.push_back(std::move(p));
        }
        t.commit();
        return out;
      });
}

PostgresKeyStore::StoreResult<std::vector<std::string>> PostgresKeyStore::delete_expired(
    int64_t now, int64_t default_token_ttl, int64_t margin) {
  return pool_.run<std::vector<std::string>>(
      "delete_expired_keys", kRetry, [&](pqxx::connection& c) {
        pqxx::work t(c);
        std::vector<std::string> out;
        for (const auto& r : t.exec_params(
                 "DELETE FROM signing_keys WHERE state = 'retired' AND retired_at + "
                 "greatest($2::bigint, (SELECT coalesce(max(access_token_ttl), 0) FROM clients)) "
                 "+ $3::bigint < $1::bigint RETURNING kid",
                 now, default_token_ttl, margin)) {
          out.push_back(r[0].as<std::string>());
        }
        t.commit();
        return out;
      });
}

PostgresKeyStore::StoreResult<std::optional<Revocation>> PostgresKeyStore::revoke(
    const std::string& kid, int64_t now, const std::optional<StoredSigningKey>& replacement) {
  // Not retried: after a COMMIT lost in transit, a retry would find no key and call
  // a revocation that happened unknown.
  auto r = pool_.run<std::optional<Revocation>>(
      "revoke_signing_key", kNoRetry, [&](pqxx::connection& c) -> std::optional<Revocation> {
        pqxx::work t(c);
        // The same locks, in the same order, as promote_due: no promotion runs
        // half-way through a revocation.
        t.exec_params("SELECT pg_advisory_xact_lock($1, 0)", kPromotionLockClass);
        const pqxx::result found =
            t.exec_params("SELECT alg, state FROM signing_keys WHERE kid = $1", kid);
        if (found.empty()) return std::nullopt;
        Revocation out;
        out.alg = found[0][0].as<std::string>();
        out.state = found[0][1].as<std::string>();
        t.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kSigningKeyLockClass,
                      out.alg);
        // Deleted first: at most one active key per algorithm (a unique index).
        t.exec_params("DELETE FROM signing_keys WHERE kid = $1", kid);
        if (out.state == "active") {
          const pqxx::result next = t.exec_params(
              "UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = "
              "(SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'next' "
              "ORDER BY created_at DESC, kid LIMIT 1) RETURNING kid",
              out.alg, now);
          if (!next.empty()) {
            out.activated_kid = next[0][0].as<std::string>();
          } else if (replacement && replacement->alg == out.alg) {
            t.exec_params(
                "INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private, "
                "created_at, activated_at) VALUES ($1, $2, 'active', $3::jsonb, $4, $5, $5)",
                replacement->kid, replacement->alg, replacement->public_jwk,
                replacement->sealed_private, now);
            out.activated_kid = replacement->kid;
          } else {
            return out;  // rolled back: no key would sign in its place
          }
        }
        t.commit();
        return out;
      });
  if (r.ok() && *r && (*r)->state == "active" && (*r)->activated_kid.empty()) {
    return fail(conflict("no " + (*r)->alg + " key can replace the active key " + kid,
                         "revoke without a replacement"));
  }
  return r;
}

// --- clients --------------------------------------------------------------------------

PostgresClientAdmin::StoreResult<bool> PostgresClientAdmin::update(const protocol::Client& client) {
  return pool_.run<bool>("update_client", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const std::string ttl =
        client.access_token_ttl ? std::to_string(*client.access_token_ttl) : std::string{};
    const pqxx::result r = t.exec_params(
        "UPDATE clients SET client_name = $2, redirect_uris = $3::text[], scopes = $4::text[], "
        "grant_types = $5::text[], access_token_ttl = NULLIF($6, '')::integer "
        "WHERE client_id = $1 RETURNING 1",
        client.client_id, client.client_name, to_pg_text_array(client.redirect_uris),
        to_pg_text_array(client.scopes), to_pg_text_array(client.grant_types), ttl);
    t.commit();
    return !r.empty();
  });
}

PostgresClientAdmin::StoreResult<bool> PostgresClientAdmin::set_secret_digest(
    std::string_view client_id, std::string_view digest) {
  return pool_.run<bool>("rotate_client_secret", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r = t.exec_params(
        "UPDATE clients SET secret_digest = $2 WHERE client_id = $1 AND NOT is_public RETURNING 1",
        str(client_id), str(digest));
    t.commit();
    return !r.empty();
  });
}

PostgresClientAdmin::StoreResult<bool> PostgresClientAdmin::remove(std::string_view client_id) {
  return pool_.run<bool>("delete_client", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r =
        t.exec_params("DELETE FROM clients WHERE client_id = $1 RETURNING 1", str(client_id));
    t.commit();
    return !r.empty();
  });
}

// --- resource servers -------------------------------------------------------------------

PostgresResourceStore::StoreResult<std::optional<protocol::ResourceServer>>
PostgresResourceStore::find_resource(std::string_view audience) {
  return pool_.run<std::optional<protocol::ResourceServer>>(
      "find_resource", kRetry, [&](pqxx::connection& c) -> std::optional<protocol::ResourceServer> {
        pqxx::read_transaction t(c);
        const pqxx::result r =
            t.exec_params(std::string(kResourceColumns) + "WHERE r.audience = $1", str(audience));
        if (r.empty()) return std::nullopt;
        return resource_from(r[0]);
      });
}

PostgresResourceStore::StoreResult<Ok> PostgresResourceStore::add(
    const protocol::ResourceServer& resource) {
  bool exists = false;
  bool unknown_client = false;
  auto r = pool_.run<Ok>("add_resource", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      t.exec_params("INSERT INTO resource_servers (audience, name, scopes) VALUES ($1, $2, $3)",
                    resource.audience, resource.name, to_pg_text_array(resource.scopes));
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
    return fail(conflict("resource already exists", "audience " + resource.audience));
  }
  if (r.ok() && unknown_client) {
    return fail(protocol::OAuthError::invalid_request("no such client", resource.audience));
  }
  return r;
}

PostgresResourceStore::StoreResult<bool> PostgresResourceStore::update(
    const protocol::ResourceServer& resource) {
  bool unknown_client = false;
  auto r = pool_.run<bool>("update_resource", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    try {
      const pqxx::result found = t.exec_params(
          "UPDATE resource_servers SET name = $2, scopes = $3::text[] WHERE audience = $1 "
          "RETURNING 1",
          resource.audience, resource.name, to_pg_text_array(resource.scopes));
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
  return pool_.run<std::vector<protocol::ResourceServer>>(
      "list_resources", kRetry, [&](pqxx::connection& c) {
        pqxx::read_transaction t(c);
        std::vector<protocol::ResourceServer> out;
        for (const auto& row : t.exec(std::string(kResourceColumns) + "ORDER BY r.audience")) {
          out.push_back(resource_from(row));
        }
        return out;
      });
}

}  // namespace signet::store
