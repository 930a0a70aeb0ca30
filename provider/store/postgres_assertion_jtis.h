// The jti of every client assertion (RFC 7523 §3 item 7, sql/0014), kept until
// the assertion expires so that it is used once across all replicas; the
// reaper deletes expired ones.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/token/client_assertion.h"
#include "store/database.h"

namespace signet::store {

class PostgresAssertionJtis : public protocol::AssertionReplayStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresAssertionJtis(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<bool> use_assertion_jti(std::string_view client_id, std::string_view jti,
                                      int64_t expires_at, int64_t now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
