// Authorization codes (RFC 6749 §4.1.2, sql/0001, 0003, 0005, 0012) in
// PostgreSQL: stored by digest, redeemed once under a row lock, and a replay
// revokes the access token the first redemption issued. All the SQL of the
// authorization_codes table is here (except the reaper's delete).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresCodes : public protocol::AuthorizationCodeStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresCodes(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<Ok> save_code(const protocol::AuthorizationCode& code) override;
  StoreResult<std::optional<protocol::AuthorizationCode>> find_code(
      std::string_view code_digest) override;
  StoreResult<protocol::Redemption> redeem_code(std::string_view code_digest, int64_t now,
                                                std::string_view jti,
                                                int64_t token_expires_at) override;
  StoreResult<Ok> revoke_code_tokens(std::string_view code_digest, int64_t now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
