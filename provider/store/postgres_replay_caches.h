// Replay caches in PostgreSQL, shared by every replica: the jti of each client
// assertion (RFC 7523 §3 item 7, sql/0014) and of each DPoP proof (RFC 9449
// §11.1, sql/0015), each kept until it can no longer be accepted, so that it is
// used once; the reaper deletes expired ones. Unlogged tables: a crash loses
// them and reopens only the few minutes they cover.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/token/client_assertion.h"
#include "protocol/token/dpop_proof.h"
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

class PostgresDpopJtis : public protocol::DpopReplayStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresDpopJtis(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<bool> use_dpop_jti(std::string_view jkt, std::string_view jti, int64_t expires_at,
                                 int64_t now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
