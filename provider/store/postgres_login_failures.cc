#include "store/postgres_login_failures.h"

#include <string>

#include "store/store_call.h"

namespace signet::store {

using protocol::AccountFailures;

namespace {

AccountFailures from_row(const pqxx::row& r) {
  return AccountFailures{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>()};
}

}  // namespace

std::vector<Statement> PostgresLoginFailures::statements() {
  return {
      {"login_failures",
       "SELECT failures, window_start, locked_until FROM login_failures "
       "WHERE account_digest = $1"},
      // Creates the row if needed and locks it; returns the current values.
      {"lock_login_failures",
       "INSERT INTO login_failures (account_digest) VALUES ($1) "
       "ON CONFLICT (account_digest) DO UPDATE SET account_digest = EXCLUDED.account_digest "
       "RETURNING failures, window_start, locked_until"},
      {"update_login_failures",
       "UPDATE login_failures SET failures = $2, window_start = $3, locked_until = $4, "
       "expires_at = $5 WHERE account_digest = $1"},
      {"clear_login_failures", "DELETE FROM login_failures WHERE account_digest = $1"},
      {"reap_login_failures",
       "DELETE FROM login_failures WHERE account_digest IN (SELECT account_digest FROM "
       "login_failures WHERE expires_at < $1 LIMIT $2)"},
  };
}

PostgresLoginFailures::StoreResult<AccountFailures> PostgresLoginFailures::failures(
    std::string_view account_key) {
  return run<AccountFailures>(pool_, "login_failures", kRetry, [&](pqxx::connection& c) {
    pqxx::read_transaction t(c);
    const pqxx::result r = t.exec_prepared("login_failures", std::string(account_key));
    return r.empty() ? AccountFailures{} : from_row(r[0]);
  });
}

PostgresLoginFailures::StoreResult<AccountFailures> PostgresLoginFailures::record_failure(
    std::string_view account_key, const protocol::LockoutRule& rule, int64_t now) {
  // Not retried on a lost link: a commit in doubt must not count twice.
  return run<AccountFailures>(pool_, "record_login_failure", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const std::string key(account_key);
    const pqxx::result r = t.exec_prepared("lock_login_failures", key);
    const AccountFailures next = rule.after_failure(from_row(r[0]), now);
    t.exec_prepared("update_login_failures", key, next.failures, next.window_start,
                    next.locked_until, rule.expires_at(next));
    t.commit();
    return next;
  });
}

PostgresLoginFailures::StoreResult<Ok> PostgresLoginFailures::clear(std::string_view account_key) {
  return run<Ok>(pool_, "clear_login_failures", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("clear_login_failures", std::string(account_key));
    t.commit();
    return Ok{};
  });
}

PostgresLoginFailures::StoreResult<int64_t> PostgresLoginFailures::reap_expired(int64_t now,
                                                                                int64_t batch) {
  return run<int64_t>(pool_, "reap_login_failures", kRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    const pqxx::result r = t.exec_prepared("reap_login_failures", now, batch);
    t.commit();
    return static_cast<int64_t>(r.affected_rows());
  });
}

}  // namespace signet::store
