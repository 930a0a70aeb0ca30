// Grants (sql/0018, FAPI Grant Management) in PostgreSQL. Codes write them in
// their own transaction (postgres_codes.cc); here they are read and ended.
// Deleting a grant ends its tokens through the grants_end_tokens_on_delete
// trigger, in the deleting transaction.
#pragma once

#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresGrants : public protocol::GrantStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresGrants(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<std::optional<protocol::Grant>> find_grant(std::string_view grant_id) override;
  StoreResult<bool> delete_grant(std::string_view grant_id, std::string_view client_id,
                                 std::string_view subject) override;
  StoreResult<std::vector<protocol::Grant>> grants_of(std::string_view subject) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
