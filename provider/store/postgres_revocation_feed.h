// The revocation feed's reads of revoked_tokens (sql/0016): pages ordered by the
// writing transaction's id, handed out only below the reader's snapshot xmin.
// Shares PostgresStore's connection pool.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/revocation_feed.h"
#include "store/database.h"

namespace signet::store {

class PostgresRevocationFeed final : public protocol::RevocationListStore {
 public:
  explicit PostgresRevocationFeed(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  // The cursor is "<xid>" (every row of lower xids was handed out) or
  // "<xid>:<jti>" (within one transaction's rows, after that jti).
  protocol::StoreResult<protocol::RevocationPage> revocations_after(std::string_view cursor,
                                                                    int64_t now,
                                                                    int64_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
