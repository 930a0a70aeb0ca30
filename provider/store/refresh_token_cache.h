// Introspection (RFC 7662) of a refresh token reads its record by digest; a
// resource server or client may ask about the same token many times. This
// decorator of the lifecycle store keeps those records in memory so that a
// repeated question is answered on the I/O thread without PostgreSQL.
//
// Staleness, and what bounds it:
// - Every change this process makes (rotation, revocation, a withdrawn consent,
//   a replayed code) drops the family's entries before the call returns.
// - A revocation made anywhere (another replica, the CLI, SQL by hand) reaches
//   every replica through PostgreSQL (LISTEN signet_revocations, sent by a
//   trigger in the revoking transaction, sql/0009).
// - A rotation made by another replica is not announced (a NOTIFY serialises
//   the commits of every rotation): there the rotated token may still be shown
//   active for at most `ttl_seconds`. It can never be used: /token always
//   rotates against the database, and presenting it revokes the family.
// - Expiry is computed from the record at every answer.
#pragma once

#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "protocol/lifecycle_store.h"

namespace signet::store {

class CachedRefreshTokens final : public protocol::TokenLifecycleStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  CachedRefreshTokens(protocol::TokenLifecycleStore& inner, const Clock& clock,
                      int64_t ttl_seconds = 30, size_t max_entries = 100000);

  StoreResult<std::optional<protocol::RefreshTokenRecord>> find_refresh_token(
      std::string_view token_digest) override;

  // max_entries 0: nothing is kept (every question reads the database).
  // The writes go to the database, then drop what they changed.
  StoreResult<Ok> create_family(const protocol::NewRefreshFamily& family,
                                const protocol::NewRefreshToken& first,
                                const protocol::IssuedTokenRecord& access_token) override;
  Result<protocol::Rotation, protocol::OAuthError> rotate(
      std::string_view token_digest, int64_t now,
      const protocol::RotationDecision& decide) override;
  StoreResult<Ok> revoke_family(std::string_view family_id, int64_t now,
                                std::string_view reason) override;
  StoreResult<Ok> revoke_code_families(std::string_view code_digest, int64_t now) override;
  StoreResult<bool> disconnect_app(std::string_view subject, std::string_view client_id,
                                   int64_t now) override;

  // Not cached: passed through.
  StoreResult<Ok> revoke_access_token(std::string_view jti, int64_t expires_at, int64_t now,
                                      std::string_view reason) override;
  StoreResult<bool> is_access_token_revoked(std::string_view jti) override;
  StoreResult<std::vector<protocol::ConnectedApp>> connected_apps(
      std::string_view subject) override;

  // A notification on signet_revocations: "family:<id>" drops that family,
  // anything else drops everything.
  void on_notification(const std::string& payload);
  void invalidate_family(const std::string& family_id);
  void invalidate_all();

  size_t size() const;

 private:
  struct Entry {
    protocol::RefreshTokenRecord record;  // unknown digests are not kept
    int64_t cached_until;
  };
  using Entries = std::unordered_map<std::string, Entry>;  // by token digest
  // With mu_ held exclusively.
  void evict_some();
  Entries::iterator drop(Entries::iterator it);
  protocol::TokenLifecycleStore& inner_;
  const Clock& clock_;
  const int64_t ttl_;
  const size_t max_entries_;
  mutable std::shared_mutex mu_;
  Entries entries_;
  std::unordered_map<std::string, std::vector<std::string>> families_;  // family -> digests
  // Bumped by every invalidation: a read from the database that raced with one
  // is answered but not kept.
  std::atomic<uint64_t> generation_{0};
};

}  // namespace signet::store
