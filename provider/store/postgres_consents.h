// Consent grants (sql/0001) in PostgreSQL: the scopes a person granted a client,
// widened by union on each new grant. Withdrawing a consent (connected apps)
// revokes tokens too and lives with them in postgres_refresh_tokens.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresConsents : public protocol::ConsentStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresConsents(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<std::vector<std::string>> granted_scopes(std::string_view subject,
                                                       std::string_view client_id) override;
  StoreResult<Ok> grant_consent(std::string_view subject, std::string_view client_id,
                                const std::vector<std::string>& scopes, int64_t now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
