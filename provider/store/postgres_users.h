// Resource owners (sql/0001, 0004) in PostgreSQL: the protocol's lookups and the
// admin operations of `signet user …`. All the SQL of the users table is here.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresUsers : public protocol::UserStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresUsers(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<std::optional<protocol::User>> find_user_by_username(
      std::string_view username) override;
  StoreResult<std::optional<protocol::User>> find_user_by_subject(
      std::string_view subject) override;

  // A new user with a fresh subject (uuid). An existing username fails with
  // description "user already exists" (status 409).
  StoreResult<protocol::User> create_user(std::string_view username, std::string_view password_hash,
                                          std::string_view name, std::string_view email);
  // OpenID Connect email_verified (sql/0004).
  StoreResult<Ok> set_email_verified(std::string_view subject, bool verified);

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
