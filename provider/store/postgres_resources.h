// The resource-server registry (RFC 8707 resource indicators, sql/0005) in
// PostgreSQL: audiences, their scopes and the clients that may ask for them.
// Shares PostgresStore's connection pool. All the SQL of resource_servers and
// resource_server_clients is here.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "protocol/resource_indicator.h"
#include "store/postgres_store.h"

namespace signet::store {

class PostgresResourceStore final : public protocol::ResourceStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;
  explicit PostgresResourceStore(PostgresStore& store) : pool_(store.pool()) {}
  static std::vector<Statement> statements();

  StoreResult<std::optional<protocol::ResourceServer>> find_resource(
      std::string_view audience) override;
  // An existing audience fails with "resource already exists" (409), a client id
  // that names no client with "no such client" (400).
  StoreResult<Ok> add(const protocol::ResourceServer& resource);
  // Replaces the name, scopes and clients of an existing registration (one
  // transaction). False when there is no such audience.
  StoreResult<bool> update(const protocol::ResourceServer& resource);
  // Every resource server, by audience.
  StoreResult<std::vector<protocol::ResourceServer>> list();

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
