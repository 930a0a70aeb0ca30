// The scope registry (sql/0001, 0004) in PostgreSQL: descriptions shown on the
// consent page and the list of `signet` admin checks. All the SQL of the scopes
// table is here.
#pragma once

#include <string>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresScopes : public protocol::ScopeStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresScopes(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<std::vector<protocol::ScopeDescription>> describe_scopes(
      const std::vector<std::string>& names) override;
  // Every scope of the registry, by name.
  StoreResult<std::vector<protocol::ScopeDescription>> list_scopes();

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
