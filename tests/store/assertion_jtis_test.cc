// Client-assertion jtis (RFC 7523 §3 item 7) in PostgreSQL: used once until the
// assertion expires, decided by one statement even when replicas race.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class AssertionJtiStoreTest : public ::testing::Test {
 protected:
  AssertionJtiStoreTest() : store_(testing::test_conninfo(), 4) {}
  bool use(const std::string& client, const std::string& jti, int64_t exp, int64_t now = kNow) {
    auto r = store_.use_assertion_jti(client, jti, exp, now);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() && *r;
  }
  PostgresStore store_;
  const std::string jti_ = "jti-" + random_token(8);
};

TEST_F(AssertionJtiStoreTest, AJtiIsUsedOncePerClientUntilItExpires) {
  EXPECT_TRUE(use("a", jti_, kNow + 60));
  EXPECT_FALSE(use("a", jti_, kNow + 60)) << "replay";
  EXPECT_TRUE(use("b", jti_, kNow + 60)) << "another client's jti space";
  EXPECT_FALSE(use("a", jti_, kNow + 90, kNow + 59)) << "still live";
  EXPECT_TRUE(use("a", jti_, kNow + 200, kNow + 60)) << "expired: the row is taken over";
}

TEST_F(AssertionJtiStoreTest, ConcurrentUsesOfOneJtiSucceedOnce) {
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = store_.use_assertion_jti("racer", jti_, kNow + 60, kNow);
      if (r.ok() && *r) ++fresh;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 1);
}

TEST_F(AssertionJtiStoreTest, TheReaperDeletesExpiredJtis) {
  EXPECT_TRUE(use("reaped", jti_, kNow - 1));
  auto r = store_.reap_expired(kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->assertion_jtis, 1);
}

}  // namespace
}  // namespace signet::store
