// PostgreSQL implementation of the token lifecycle store (sql/0003): refresh
// token families with rotation under a row lock, the issued-access-token record,
// revocation and connected apps. Shares PostgresStore's connection pool, which
// prepares statements() on every connection.
#pragma once

#include <string_view>
#include <vector>

#include "protocol/lifecycle_store.h"
#include "store/database.h"
#include "store/postgres_store.h"

namespace signet::store {

class PostgresLifecycleStore final : public protocol::TokenLifecycleStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresLifecycleStore(PostgresStore& store) : pool_(store.pool()) {}
  static std::vector<Statement> statements();

  StoreResult<Ok> create_family(const protocol::NewRefreshFamily& family,
                                const protocol::NewRefreshToken& first,
                                const protocol::IssuedTokenRecord& access_token) override;
  Result<protocol::Rotation, protocol::OAuthError> rotate(
      std::string_view token_digest, int64_t now,
      const protocol::RotationDecision& decide) override;
  StoreResult<std::optional<protocol::RefreshTokenRecord>> find_refresh_token(
      std::string_view token_digest) override;
  StoreResult<Ok> revoke_family(std::string_view family_id, int64_t now,
                                std::string_view reason) override;
  StoreResult<Ok> revoke_code_families(std::string_view code_digest, int64_t now) override;
  StoreResult<Ok> revoke_access_token(std::string_view jti, int64_t expires_at, int64_t now,
                                      std::string_view reason) override;
  StoreResult<bool> is_access_token_revoked(std::string_view jti) override;
  StoreResult<std::vector<protocol::ConnectedApp>> connected_apps(
      std::string_view subject) override;
  StoreResult<bool> disconnect_app(std::string_view subject, std::string_view client_id,
                                   int64_t now) override;

  // Deletes families past their absolute expiry (their tokens cascade) and
  // issued-access-token rows past expiry, at most `batch` of each.
  StoreResult<int64_t> reap_expired(int64_t now, int64_t batch = 10000);

 private:
  // Rotation under row locks (SELECT ... FOR UPDATE), for every outcome.
  Result<protocol::Rotation, protocol::OAuthError> rotate_locked(
      std::string_view token_digest, int64_t now, const protocol::RotationDecision& decide);
  ConnectionPool& pool_;
};

}  // namespace signet::store
