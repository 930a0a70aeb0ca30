// Deletes expired rows so that the cost of a request stays flat as tables grow:
// codes whose issued token has also expired, sessions, pushed requests and revoked-token entries
// past their token's expiry. `signet serve` calls it periodically; refresh-token
// families and login failures are reaped by their own stores.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

// Rows deleted by one reap_expired() call.
struct ReapCounts {
  int64_t codes = 0;
  int64_t sessions = 0;
  int64_t pushed_requests = 0;
  int64_t assertion_jtis = 0;
  int64_t dpop_jtis = 0;
  int64_t revoked_tokens = 0;
};

class PostgresReaper {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresReaper(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  // At most `batch` rows of each kind, in one transaction.
  StoreResult<ReapCounts> reap_expired(int64_t now, int64_t batch = 10000);

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
