// Sign-in sessions (sql/0001) in PostgreSQL, keyed by the digest of the session
// cookie's value. All the SQL of the sessions table is here (except the reaper's
// delete).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

class PostgresSessions : public protocol::SessionStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresSessions(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<Ok> create_session(const protocol::Session& session) override;
  StoreResult<std::optional<protocol::Session>> find_session(std::string_view id_digest,
                                                             int64_t now) override;
  StoreResult<Ok> delete_session(std::string_view id_digest) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
