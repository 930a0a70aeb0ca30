// The revocation feed's cursor on a real PostgreSQL (sql/0016): a transaction
// that started first but commits last is still handed out (the cursor never
// passes a running transaction); pages follow one another without loss; and a
// deleted client or user lists its grants' access tokens as revoked.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/postgres_revocation_feed.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using testing::admin_exec;
using testing::test_conninfo;

class RevocationFeedStoreTest : public ::testing::Test {
 protected:
  RevocationFeedStoreTest() : store_(test_conninfo(), 2), feed_(store_.pool()) {}

  // Reads the whole feed from `cursor` (pages of `limit`), returning the jtis
  // seen and leaving `cursor` where the next read starts.
  std::set<std::string> read_all(std::string& cursor, int64_t limit = 1000) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
      auto page = feed_.revocations_after(cursor, now_, limit);
      EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().detail);
      if (!page.ok()) break;
      for (const auto& e : page->entries) seen.insert(e.jti);
      cursor = page->cursor;
      if (page->complete) break;
    }
    return seen;
  }

  static std::string insert_sql(const std::string& jti, int64_t exp) {
    return "INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason) VALUES ('" + jti +
           "', 1, " + std::to_string(exp) + ", 'test')";
  }

  PostgresStore store_;
  PostgresRevocationFeed feed_;
  int64_t now_ = SystemClock().now();
};

TEST_F(RevocationFeedStoreTest, LaterStartedTransactionCommittingFirstDoesNotSkipTheEarlierOne) {
  std::string cursor;
  read_all(cursor);  // the feed's head
  const std::string early = "early-" + random_token(8);
  const std::string late = "late-" + random_token(8);

  pqxx::connection c1(test_conninfo());
  pqxx::connection c2(test_conninfo());
  pqxx::work t1(c1);
  t1.exec(insert_sql(early, now_ + 600));  // takes the lower xid, stays open
  {
    pqxx::work t2(c2);
    t2.exec(insert_sql(late, now_ + 600));  // higher xid, committed first
    t2.commit();
  }
  // A follower reading now must not move past the open transaction: with a
  // plain sequence it would hand out `late` and never come back for `early`.
  std::set<std::string> first = read_all(cursor);
  EXPECT_FALSE(first.contains(early));
  EXPECT_FALSE(first.contains(late));  // held back until the earlier one ends

  t1.commit();
  std::set<std::string> second = read_all(cursor);
  EXPECT_TRUE(second.contains(early));
  EXPECT_TRUE(second.contains(late));
  // And nothing comes twice.
  EXPECT_TRUE(read_all(cursor).empty());
}

TEST_F(RevocationFeedStoreTest, PagesWithinOneTransactionLoseNothingAndSkipExpired) {
  std::string cursor;
  read_all(cursor);
  const std::string prefix = "page-" + random_token(6) + "-";
  std::string sql = "BEGIN;";
  for (int i = 0; i < 7; ++i) sql += insert_sql(prefix + std::to_string(i), now_ + 600) + ";";
  sql += insert_sql(prefix + "expired", now_ - 1) + "; COMMIT;";
  admin_exec(sql);  // one transaction: seven rows share one xid
  std::set<std::string> seen = read_all(cursor, 3);
  EXPECT_EQ(seen.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(seen.contains(prefix + std::to_string(i)));
  EXPECT_FALSE(seen.contains(prefix + "expired"));
}

TEST_F(RevocationFeedStoreTest, MalformedCursorIsInvalidRequest) {
  for (const char* bad : {"x", "12:", "-1", "1;DROP", "99999999999999999999999"}) {
    auto page = feed_.revocations_after(bad, now_, 10);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.error().code, "invalid_request") << bad;
  }
}

TEST_F(RevocationFeedStoreTest, DeletedClientAndUserRevokeTheirGrantsAccessTokens) {
  std::string cursor;
  read_all(cursor);
  auto user = store_.create_user("feed-" + random_token(6), "$argon2id$fake", "T", "t@x.test");
  ASSERT_TRUE(user.ok());
  protocol::Client c;
  c.client_id = "feed-" + random_token(8);
  c.client_name = "Feed app";
  c.secret_digest = sha256_b64url("secret");
  c.redirect_uris = {"https://app.test/cb"};
  c.scopes = {"read:accounts"};
  c.grant_types = {"authorization_code"};
  ASSERT_TRUE(store_.create_client(c).ok());
  auto other_user = store_.create_user("feed-" + random_token(6), "$argon2id$fake", "T", "t@x");
  ASSERT_TRUE(other_user.ok());
  const std::string by_client = "c-" + random_token(8);
  const std::string by_user = "u-" + random_token(8);
  auto issued = [&](const std::string& jti, const std::string& subject, const std::string& cid) {
    admin_exec("INSERT INTO issued_access_tokens (jti, subject, client_id, expires_at) VALUES ('" +
               jti + "', '" + subject + "', '" + cid + "', " + std::to_string(now_ + 600) + ")");
  };
  issued(by_client, user->subject, c.client_id);
  issued(by_user, other_user->subject, "some-other-client");

  auto deleted = store_.delete_client(c.client_id);
  ASSERT_TRUE(deleted.ok() && *deleted);
  admin_exec("DELETE FROM users WHERE subject = '" + other_user->subject + "'");
  std::set<std::string> seen = read_all(cursor);
  EXPECT_TRUE(seen.contains(by_client));
  EXPECT_TRUE(seen.contains(by_user));
}

}  // namespace
}  // namespace signet::store
