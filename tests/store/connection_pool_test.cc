// The connection pool shared by the store and bank-api (store/database.h) against
// a real PostgreSQL: it never opens more than its size, a connection broken while
// in use is never handed out again, a full pool answers "unavailable" after its
// acquire timeout, and a statement that does not prepare fails the connection.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/database.h"
#include "test_database.h"

namespace signet::store {
namespace {

using testing::test_conninfo;

int backend_pid(pqxx::connection& c) {
  pqxx::nontransaction t(c);
  return t.exec1("SELECT pg_backend_pid()")[0].as<int>();
}

void terminate_backend(int pid) {
  pqxx::connection admin(test_conninfo());
  pqxx::nontransaction t(admin);
  t.exec_params("SELECT pg_terminate_backend($1)", pid);
}

TEST(ConnectionPool, NeverOpensMoreThanItsSize) {
  ConnectionPool pool(test_conninfo(), 2, {});
  std::atomic<int> in_use{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto r = pool.execute<int>("bounded", true, [&](pqxx::connection& c) {
        const int now = ++in_use;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        const int pid = backend_pid(c);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --in_use;
        return pid;
      });
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_LE(pool.open_connections(), 2u);
  EXPECT_GE(pool.open_connections(), 1u);
}

TEST(ConnectionPool, ConnectionBrokenMidUseIsNotReturned) {
  ConnectionPool pool(test_conninfo(), 1, {});
  auto first = pool.execute<int>("pid", true, backend_pid);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  ASSERT_EQ(pool.open_connections(), 1u);

  // The server ends the connection while it is leased (a restart, a failover).
  auto broken = pool.execute<int>("mid-use", false, [&](pqxx::connection& c) {
    terminate_backend(backend_pid(c));
    return backend_pid(c);  // throws: the link is gone
  });
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().failure, DatabaseFailure::kUnavailable);
  EXPECT_TRUE(broken.error().connection_lost);
  EXPECT_EQ(pool.open_connections(), 0u);

  auto next = pool.execute<int>("pid", true, backend_pid);
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_NE(*next, *first);
}

TEST(ConnectionPool, IdempotentWorkIsRetriedOnAFreshConnection) {
  ConnectionPool pool(test_conninfo(), 1, {});
  int attempts = 0;
  auto r = pool.execute<int>("retried", true, [&](pqxx::connection& c) {
    if (++attempts == 1) terminate_backend(backend_pid(c));
    return backend_pid(c);
  });
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(pool.open_connections(), 1u);
}

TEST(ConnectionPool, FullPoolTimesOutAsUnavailable) {
  PoolOptions options;
  options.acquire_timeout = std::chrono::milliseconds(100);
  ConnectionPool pool(test_conninfo(), 1, {}, options);
  auto held = pool.acquire();
  const auto start = std::chrono::steady_clock::now();
  auto r = pool.execute<int>("waiting", true, backend_pid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().failure, DatabaseFailure::kUnavailable);
  EXPECT_FALSE(r.error().connection_lost);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_EQ(pool.open_connections(), 1u);  // the held one, still fine
}

TEST(ConnectionPool, StatementThatDoesNotPrepareFailsAtOpen) {
  PoolOptions options;
  options.prepare_at_open = true;
  ConnectionPool pool(test_conninfo(), 1, {{"typo", "SELEC 1"}}, options);
  auto r = pool.execute<int>("open", true, backend_pid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().failure, DatabaseFailure::kInternal);
  EXPECT_NE(r.error().detail.find("42601"), std::string::npos);
  EXPECT_EQ(pool.open_connections(), 0u);
}

TEST(ConnectionPool, SessionSetupRunsOnEveryConnection) {
  PoolOptions options;
  options.session_setup = "SET statement_timeout = '7s'";
  ConnectionPool pool(test_conninfo(), 1, {}, options);
  auto r = pool.execute<std::string>("setting", true, [](pqxx::connection& c) {
    pqxx::nontransaction t(c);
    return t.exec1("SHOW statement_timeout")[0].as<std::string>();
  });
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(*r, "7s");
}

}  // namespace
}  // namespace signet::store
