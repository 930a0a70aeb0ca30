// The shared failed sign-in count (sql/0007, store/postgres_login_failures.h)
// on a real PostgreSQL: no failure is lost when replicas record at once, the
// lockout rule is applied in the row's transaction, and old rows are reaped.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/crypto.h"
#include "store/postgres_login_failures.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::LockoutRule;
using testing::test_conninfo;

TEST(LoginFailures, UnknownAccountHasNoFailures) {
  PostgresStore store(test_conninfo(), 2);
  PostgresLoginFailures failures(store);
  auto r = failures.failures(protocol::account_key("nobody-" + random_token(6)));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->failures, 0);
  EXPECT_EQ(r->locked_until, 0);
}

TEST(LoginFailures, ConcurrentFailuresAreAllCounted) {
  // Two pools: two replicas on one database.
  PostgresStore replica_a(test_conninfo(), 4);
  PostgresStore replica_b(test_conninfo(), 4);
  PostgresLoginFailures a(replica_a), b(replica_b);
  const std::string key = protocol::account_key("alice-" + random_token(6));
  const LockoutRule rule{1000, 3600, 900};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = (t % 2 ? a : b).record_failure(key, rule, 1'700'000'000);
        EXPECT_TRUE(r.ok()) << r.error().detail;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto r = a.failures(key);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failures, 40);
}

TEST(LoginFailures, LockoutIsRecordedAndClearedBySuccess) {
  PostgresStore store(test_conninfo(), 2);
  PostgresLoginFailures failures(store);
  const std::string key = protocol::account_key("bob-" + random_token(6));
  const LockoutRule rule{3, 900, 600};
  const int64_t now = 1'700'000'000;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(failures.record_failure(key, rule, now).ok());
  auto third = failures.record_failure(key, rule, now + 1);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->locked_until, now + 601);
  auto read = failures.failures(key);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(rule.wait(*read, now + 1), 600);

  ASSERT_TRUE(failures.clear(key).ok());
  read = failures.failures(key);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(rule.wait(*read, now + 1), 0);
  EXPECT_EQ(read->failures, 0);
}

TEST(LoginFailures, ReaperDeletesOnlyRowsThatNoLongerMatter) {
  PostgresStore store(test_conninfo(), 2);
  PostgresLoginFailures failures(store);
  const LockoutRule rule{2, 100, 1000};
  const std::string old_key = protocol::account_key("old-" + random_token(6));
  const std::string locked_key = protocol::account_key("locked-" + random_token(6));
  ASSERT_TRUE(failures.record_failure(old_key, rule, 1000).ok());  // window ends at 1100
  ASSERT_TRUE(failures.record_failure(locked_key, rule, 1000).ok());
  ASSERT_TRUE(failures.record_failure(locked_key, rule, 1000).ok());  // locked until 2000
  auto reaped = failures.reap_expired(1500);
  ASSERT_TRUE(reaped.ok());
  EXPECT_GE(*reaped, 1);
  EXPECT_EQ(failures.failures(old_key)->failures, 0);
  EXPECT_EQ(failures.failures(locked_key)->locked_until, 2000);
}

}  // namespace
}  // namespace signet::store
