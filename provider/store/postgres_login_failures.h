// PostgreSQL implementation of the per-account failed sign-in count
// (protocol/throttle.h, sql/0007): one row per account key, updated under a row
// lock so that replicas recording at once never lose a failure. Shares
// PostgresStore's connection pool.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/throttle.h"
#include "store/postgres_store.h"

namespace signet::store {

class PostgresLoginFailures final : public protocol::AccountFailureStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresLoginFailures(PostgresStore& store) : pool_(store.pool()) {}
  static std::vector<Statement> statements();

  StoreResult<protocol::AccountFailures> failures(std::string_view account_key) override;
  StoreResult<protocol::AccountFailures> record_failure(std::string_view account_key,
                                                        const protocol::LockoutRule& rule,
                                                        int64_t now) override;
  StoreResult<Ok> clear(std::string_view account_key) override;

  // Deletes rows past their expiry, at most `batch`; returns how many.
  StoreResult<int64_t> reap_expired(int64_t now, int64_t batch = 10000);

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
