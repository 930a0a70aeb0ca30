// In-memory TokenLifecycleStore for unit tests: one mutex, the same outcomes as
// the PostgreSQL store (rotation under the lock, reuse revokes the family).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "protocol/lifecycle_store.h"

namespace signet::protocol::testing {

class MemoryLifecycleStore final : public TokenLifecycleStore {
 public:
  StoreResult<Ok> create_family(const NewRefreshFamily& family, const NewRefreshToken& first,
                                const IssuedTokenRecord& access_token) override;
  Result<Rotation, OAuthError> rotate(std::string_view token_digest, int64_t now,
                                      const RotationDecision& decide) override;
  StoreResult<std::optional<RefreshTokenRecord>> find_refresh_token(
      std::string_view token_digest) override;
  StoreResult<Ok> revoke_family(std::string_view family_id, int64_t now,
                                std::string_view reason) override;
  StoreResult<Ok> revoke_code_families(std::string_view code_digest, int64_t now) override;
  StoreResult<Ok> revoke_access_token(std::string_view jti, int64_t expires_at, int64_t now,
                                      std::string_view reason) override;
  StoreResult<bool> is_access_token_revoked(std::string_view jti) override;
  StoreResult<std::vector<ConnectedApp>> connected_apps(std::string_view subject) override;
  StoreResult<bool> disconnect_app(std::string_view subject, std::string_view client_id,
                                   int64_t now) override;

  // Test inspection.
  bool family_revoked(const std::string& family_id);
  // revoke_family and revoke_code_families fail (temporarily_unavailable).
  bool revocations_fail = false;
  size_t family_count();

 private:
  void revoke_family_locked(const std::string& family_id, int64_t now);
  RefreshTokenRecord record_locked(const std::string& digest);

  std::mutex mu_;
  std::map<std::string, NewRefreshFamily, std::less<>> families_;
  std::map<std::string, std::optional<int64_t>, std::less<>> family_revoked_;
  struct Token {
    NewRefreshToken token;
    std::optional<int64_t> used_at;
  };
  std::map<std::string, Token, std::less<>> tokens_;
  std::map<std::string, IssuedTokenRecord, std::less<>> issued_;
  std::set<std::string, std::less<>> revoked_;
};

}  // namespace signet::protocol::testing
