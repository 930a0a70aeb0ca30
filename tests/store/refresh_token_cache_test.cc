// The refresh-token cache of introspection on a real PostgreSQL: a record is
// served from memory once read; a revocation made anywhere (here: plain SQL,
// as another replica or an operator would) reaches it through LISTEN/NOTIFY
// (sql/0009); the changes made through the cache drop what they change at once.
// Also the rotation itself under races: one statement when the token is unused,
// the locked path otherwise.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/client_cache.h"
#include "store/postgres_refresh_tokens.h"
#include "store/postgres_store.h"
#include "store/refresh_token_cache.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::Client;
using testing::admin_exec;
using testing::eventually;
using testing::test_conninfo;

// Starts at the real time: the deletion trigger compares expiry with now().
class FixedClock final : public Clock {
 public:
  int64_t now() const override { return t; }
  int64_t t = SystemClock().now();
};

class RefreshTokenCacheTest : public ::testing::Test {
 protected:
  RefreshTokenCacheTest()
      : store_(test_conninfo(), 2),
        db_(store_),
        cache_(db_, clock_, 10),
        listener_(
            test_conninfo(), "signet_revocations",
            [this](const std::string& payload) { cache_.on_notification(payload); },
            [this] { cache_.invalidate_all(); }) {}

  // A family with one live token; returns {family_id, token digest}.
  std::pair<std::string, std::string> make_family(std::string* subject_out = nullptr,
                                                  std::string* client_out = nullptr) {
    auto u = store_.create_user("user-" + random_token(6), "$argon2id$fake", "Test", "t@x.test");
    EXPECT_TRUE(u.ok());
    Client c;
    c.client_id = random_token(16);
    c.client_name = "Test app";
    c.secret_digest = sha256_b64url("secret");
    c.redirect_uris = {"https://app.test/cb"};
    c.scopes = {"read:accounts"};
    c.grant_types = {"authorization_code", "refresh_token"};
    EXPECT_TRUE(store_.create_client(c).ok());
    protocol::NewRefreshFamily f{
        random_token(16), c.client_id,     u->subject, {"read:accounts"}, "", "",
        clock_.t,         clock_.t + 86400};
    protocol::NewRefreshToken t{
        sha256_b64url(random_token()), f.family_id, {"read:accounts"}, clock_.t, clock_.t + 3600};
    protocol::IssuedTokenRecord a{random_token(16), u->subject, c.client_id, f.family_id,
                                  clock_.t + 600};
    EXPECT_TRUE(cache_.create_family(f, t, a).ok());
    if (subject_out) *subject_out = u->subject;
    if (client_out) *client_out = c.client_id;
    return {f.family_id, t.token_digest};
  }

  bool cached_live(const std::string& digest) {
    auto r = cache_.find_refresh_token(digest);
    return r.ok() && r->has_value() && !(*r)->used_at && !(*r)->family_revoked_at;
  }

  FixedClock clock_;
  PostgresStore store_;
  PostgresLifecycleStore db_;
  CachedRefreshTokens cache_;
  ChangeListener listener_;
};

TEST_F(RefreshTokenCacheTest, ServesARecordFromMemoryOnceRead) {
  auto [family, digest] = make_family();
  ASSERT_TRUE(cached_live(digest));
  // A change that is not announced (as a rotation on another replica) is not
  // seen until the entry's time is up: the answer came from memory.
  admin_exec("UPDATE refresh_tokens SET used_at = 1 WHERE token_digest = '" + digest + "'");
  EXPECT_TRUE(cached_live(digest));
  clock_.t += 11;
  EXPECT_FALSE(cached_live(digest)) << "the entry outlived its 10 s";
}

TEST_F(RefreshTokenCacheTest, SizeZeroKeepsNothing) {
  CachedRefreshTokens off(db_, clock_, 10, 0);
  auto [family, digest] = make_family();
  auto first = off.find_refresh_token(digest);
  ASSERT_TRUE(first.ok() && first->has_value());
  admin_exec("UPDATE refresh_tokens SET used_at = 1 WHERE token_digest = '" + digest + "'");
  auto second = off.find_refresh_token(digest);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_TRUE((*second)->used_at.has_value()) << "served from memory with the cache off";
  EXPECT_EQ(off.size(), 0u);
}

// Full, the cache lets a small part go rather than everything at once (which
// paused the I/O thread and answered the next questions from the database);
// what it keeps still follows revocations.
TEST_F(RefreshTokenCacheTest, AFullCacheEvictsASliceNotEverything) {
  CachedRefreshTokens small(db_, clock_, 10, 128);
  std::vector<std::pair<std::string, std::string>> families;
  for (int i = 0; i < 200; ++i) {
    families.push_back(make_family());
    auto r = small.find_refresh_token(families.back().second);
    ASSERT_TRUE(r.ok() && r->has_value());
    ASSERT_LE(small.size(), 128u);
    if (i >= 128) {
      EXPECT_GE(small.size(), 126u) << "emptied at insert " << i;
    }
  }
  // Every kept entry is still dropped by its family's revocation.
  size_t kept = 0;
  for (const auto& [family, digest] : families) {
    admin_exec("UPDATE refresh_tokens SET used_at = 1 WHERE token_digest = '" + digest + "'");
    small.invalidate_family(family);
    auto r = small.find_refresh_token(digest);
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_TRUE((*r)->used_at.has_value()) << "a stale entry outlived its family's invalidation";
    ++kept;
  }
  EXPECT_EQ(kept, families.size());
}

TEST_F(RefreshTokenCacheTest, ARevocationMadeElsewhereReachesTheCache) {
  auto [family, digest] = make_family();
  ASSERT_TRUE(cached_live(digest));
  admin_exec("UPDATE refresh_token_families SET revoked_at = 1 WHERE family_id = '" + family + "'");
  EXPECT_TRUE(eventually([&] { return !cached_live(digest); }))
      << "revocation not announced to the cache";
}

TEST_F(RefreshTokenCacheTest, ADeletedUserTakesItsCachedTokensAlong) {
  std::string subject;
  auto [family, digest] = make_family(&subject);
  ASSERT_TRUE(cached_live(digest));
  admin_exec("DELETE FROM users WHERE subject = '" + subject + "'");
  EXPECT_TRUE(eventually([&] {
    auto r = cache_.find_refresh_token(digest);
    return r.ok() && !r->has_value();
  })) << "deleted family still served";
}

TEST_F(RefreshTokenCacheTest, ChangesThroughTheCacheAreSeenAtOnce) {
  auto [family, digest] = make_family();
  ASSERT_TRUE(cached_live(digest));
  ASSERT_TRUE(cache_.revoke_family(family, clock_.t, "test").ok());
  EXPECT_FALSE(cached_live(digest));

  std::string subject, client_id;
  auto [family2, digest2] = make_family(&subject, &client_id);
  ASSERT_TRUE(cached_live(digest2));
  ASSERT_TRUE(cache_.disconnect_app(subject, client_id, clock_.t).ok());
  EXPECT_FALSE(cached_live(digest2));

  auto [family3, digest3] = make_family();
  ASSERT_TRUE(cached_live(digest3));
  auto rotated = cache_.rotate(digest3, clock_.t, [&](const protocol::RefreshTokenRecord& p) {
    protocol::RotationPlan plan;
    plan.successor = {sha256_b64url(random_token()), p.family_id, p.scopes, clock_.t,
                      clock_.t + 3600};
    plan.access_token = {random_token(16), p.subject, p.client_id, p.family_id, clock_.t + 600};
    return Result<protocol::RotationPlan, protocol::OAuthError>(plan);
  });
  ASSERT_TRUE(rotated.ok());
  ASSERT_EQ(rotated->outcome, protocol::RotationOutcome::kRotated);
  EXPECT_FALSE(cached_live(digest3)) << "rotated token still served as unused";
}

TEST_F(RefreshTokenCacheTest, ExpiredFamiliesReapedAnnounceNothing) {
  auto [family, digest] = make_family();
  auto [old_family, old_digest] = make_family();
  ASSERT_TRUE(cached_live(digest));
  // Only a family past its expiry goes: no notification, the live entry stays.
  admin_exec("UPDATE refresh_token_families SET expires_at = 1 WHERE family_id = '" + old_family +
             "'");
  admin_exec("UPDATE refresh_tokens SET used_at = 1 WHERE token_digest = '" + digest + "'");
  admin_exec("DELETE FROM refresh_token_families WHERE family_id = '" + old_family + "'");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(cached_live(digest)) << "reaping expired rows emptied the cache";
}

// A plan for rotating `p`, as the refresh grant makes it.
protocol::RotationPlan plan_for(const protocol::RefreshTokenRecord& p, int64_t now) {
  protocol::RotationPlan plan;
  plan.successor = {sha256_b64url(random_token()), p.family_id, p.scopes, now, now + 3600};
  plan.access_token = {random_token(16), p.subject, p.client_id, p.family_id, now + 600};
  return plan;
}

TEST_F(RefreshTokenCacheTest, ConcurrentUsesOfOneTokenRotateItOnce) {
  auto [family, digest] = make_family();
  constexpr int kThreads = 6;
  std::vector<protocol::RotationOutcome> outcomes(kThreads, protocol::RotationOutcome::kUnknown);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = db_.rotate(digest, clock_.t, [&](const protocol::RefreshTokenRecord& p) {
        return Result<protocol::RotationPlan, protocol::OAuthError>(plan_for(p, clock_.t));
      });
      if (r.ok()) outcomes[i] = r->outcome;
    });
  }
  for (auto& t : threads) t.join();
  int rotated = 0;
  for (auto o : outcomes) {
    rotated += o == protocol::RotationOutcome::kRotated;
    EXPECT_NE(o, protocol::RotationOutcome::kUnknown);
  }
  EXPECT_EQ(rotated, 1) << "one token, one successor";
  pqxx::connection c(test_conninfo());
  pqxx::nontransaction t(c);
  EXPECT_EQ(t.exec_params("SELECT count(*) FROM refresh_tokens WHERE family_id = $1", family)[0][0]
                .as<int>(),
            2);
}

// A revocation racing rotations: whichever commits first, no access token of a
// revoked family is left off the revocation list.
TEST_F(RefreshTokenCacheTest, RevocationRacingRotationLeavesNoLiveAccessToken) {
  pqxx::connection c(test_conninfo());
  for (int round = 0; round < 30; ++round) {
    auto [family, digest] = make_family();
    std::thread rotator([&, digest = digest] {
      std::string current = digest;
      for (int i = 0; i < 5; ++i) {
        std::string next;
        auto r = db_.rotate(current, clock_.t, [&](const protocol::RefreshTokenRecord& p) {
          auto plan = plan_for(p, clock_.t);
          next = plan.successor.token_digest;
          return Result<protocol::RotationPlan, protocol::OAuthError>(plan);
        });
        if (!r.ok() || r->outcome != protocol::RotationOutcome::kRotated) return;
        current = next;
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 5)));
    ASSERT_TRUE(db_.revoke_family(family, clock_.t, "test").ok());
    rotator.join();
    pqxx::nontransaction t(c);
    const int unlisted =
        t.exec_params(
             "SELECT count(*) FROM issued_access_tokens a LEFT JOIN revoked_tokens r "
             "ON r.jti = a.jti WHERE a.family_id = $1 AND r.jti IS NULL",
             family)[0][0]
            .as<int>();
    EXPECT_EQ(unlisted, 0) << "round " << round << ": an access token outlived its family";
  }
}

}  // namespace
}  // namespace signet::store

namespace signet::store {
namespace {

// Without rotation (a FAPI 2.0 client): the same token serves every refresh,
// concurrent refreshes all succeed, its expiry slides, and revoking the family
// still lists every access token those refreshes issued, racing or not.
TEST_F(RefreshTokenCacheTest, ATokenKeptWithoutRotationSlidesAndEndsWithItsFamily) {
  auto [family, digest] = make_family();
  constexpr int kThreads = 4;
  std::vector<protocol::RotationOutcome> outcomes(kThreads, protocol::RotationOutcome::kUnknown);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = db_.rotate(digest, clock_.t + 100, [&](const protocol::RefreshTokenRecord& p) {
        auto plan = plan_for(p, clock_.t + 100);
        plan.rotate = false;
        return Result<protocol::RotationPlan, protocol::OAuthError>(plan);
      });
      if (r.ok()) outcomes[i] = r->outcome;
    });
  }
  for (auto& t : threads) t.join();
  for (auto o : outcomes) EXPECT_EQ(o, protocol::RotationOutcome::kRotated);
  auto kept = db_.find_refresh_token(digest);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_FALSE((*kept)->used_at) << "kept, not used";
  EXPECT_EQ((*kept)->expires_at, clock_.t + 100 + 3600) << "the expiry slid";
  pqxx::connection c(test_conninfo());
  {
    pqxx::nontransaction t(c);
    EXPECT_EQ(
        t.exec_params("SELECT count(*) FROM refresh_tokens WHERE family_id = $1", family)[0][0]
            .as<int>(),
        1)
        << "no successor";
    EXPECT_EQ(t.exec_params("SELECT count(*) FROM issued_access_tokens WHERE family_id = $1",
                            family)[0][0]
                  .as<int>(),
              1 + kThreads);
  }
  // Revocation racing kept-token refreshes: no access token is left off the list.
  std::thread refresher([&, digest = digest] {
    for (int i = 0; i < 20; ++i) {
      auto r = db_.rotate(digest, clock_.t, [&](const protocol::RefreshTokenRecord& p) {
        auto plan = plan_for(p, clock_.t);
        plan.rotate = false;
        return Result<protocol::RotationPlan, protocol::OAuthError>(plan);
      });
      if (!r.ok() || r->outcome != protocol::RotationOutcome::kRotated) return;
    }
  });
  ASSERT_TRUE(db_.revoke_family(family, clock_.t, "test").ok());
  refresher.join();
  pqxx::nontransaction t(c);
  EXPECT_EQ(t.exec_params("SELECT count(*) FROM issued_access_tokens a LEFT JOIN revoked_tokens r "
                          "ON r.jti = a.jti WHERE a.family_id = $1 AND r.jti IS NULL",
                          family)[0][0]
                .as<int>(),
            0);
  auto after = db_.rotate(digest, clock_.t, [&](const protocol::RefreshTokenRecord& p) {
    auto plan = plan_for(p, clock_.t);
    plan.rotate = false;
    return Result<protocol::RotationPlan, protocol::OAuthError>(plan);
  });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->outcome, protocol::RotationOutcome::kRevoked);
}

// RFC 9449 §5: the key a public client's family is bound to is stored with it.
TEST_F(RefreshTokenCacheTest, AFamilysDpopKeyIsKept) {
  auto u = store_.create_user("user-" + random_token(6), "$argon2id$fake", "Test", "t@x.test");
  ASSERT_TRUE(u.ok());
  Client c;
  c.client_id = random_token(16);
  c.client_name = "Public app";
  c.is_public = true;
  c.token_endpoint_auth_method = "none";
  c.redirect_uris = {"https://app.test/cb"};
  c.scopes = {"read:accounts"};
  c.grant_types = {"authorization_code", "refresh_token"};
  ASSERT_TRUE(store_.create_client(c).ok());
  protocol::NewRefreshFamily f{
      random_token(16), c.client_id,     u->subject, {"read:accounts"}, "", "",
      clock_.t,         clock_.t + 86400};
  f.dpop_jkt = "thumbprint-of-the-key";
  protocol::NewRefreshToken first{
      sha256_b64url(random_token()), f.family_id, {"read:accounts"}, clock_.t, clock_.t + 3600};
  protocol::IssuedTokenRecord a{random_token(16), u->subject, c.client_id, f.family_id,
                                clock_.t + 600};
  ASSERT_TRUE(db_.create_family(f, first, a).ok());
  auto r = db_.find_refresh_token(first.token_digest);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->dpop_jkt, "thumbprint-of-the-key");
  auto [other_family, other_digest] = make_family();
  auto unbound = db_.find_refresh_token(other_digest);
  ASSERT_TRUE(unbound.ok() && unbound->has_value());
  EXPECT_EQ((*unbound)->dpop_jkt, "") << "control: a family made without a key";
}

}  // namespace
}  // namespace signet::store
