// Registered clients (RFC 6749 §2, sql/0001, 0004, 0005) in PostgreSQL: the
// protocol's lookup and the admin operations of `signet client …`. All the SQL
// of the clients table is here.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresClients : public protocol::ClientStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresClients(ConnectionPool& pool) : pool_(pool) {}
  // The statements used here, prepared on every pooled connection.
  static std::vector<Statement> statements();

  StoreResult<std::optional<protocol::Client>> find_client(std::string_view client_id) override;

  // Stores a client as given (secret_digest empty iff public). An existing
  // client_id fails with "client already exists" (409).
  StoreResult<Ok> create_client(const protocol::Client& client);
  // Every client, oldest first.
  StoreResult<std::vector<protocol::Client>> list_clients();
  // Replaces the editable metadata of an existing client (name, redirect URIs,
  // scopes, grants, lifetimes, OpenID Connect and authentication fields; its
  // secret only when it moves to or from a secret method). False when there is
  // no such client.
  StoreResult<bool> update_client(const protocol::Client& client);
  // A confidential client's new secret digest. False when there is no such
  // confidential client.
  StoreResult<bool> set_client_secret_digest(std::string_view client_id, std::string_view digest);
  // Deletes the client; its codes and consents go with it (ON DELETE CASCADE).
  StoreResult<bool> delete_client(std::string_view client_id);

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
