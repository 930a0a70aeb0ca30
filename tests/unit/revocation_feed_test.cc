// The revocation feed follower (resource/revocation_feed.h) with an injected
// HttpPost and FakeClock, and TokenVerifier consulting it: a token revoked after
// a sync is refused (from the verified-token cache too), entries are pruned at
// expiry, the cap is a hard bound, and critical scopes fail closed while the
// feed is stale, only them, until it recovers.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/resource_server.h"
#include "resource/revocation_feed.h"

namespace signet::resource {
namespace {

using jose::Alg;
using jose::PrivateKey;
using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kJwksUrl[] = "https://issuer.example/jwks";
constexpr char kFeedUrl[] = "https://issuer.example/revocations";

// Signet's feed, in memory: entries in order, a cursor that is their index.
struct FakeFeed {
  std::mutex mu;
  std::vector<std::pair<std::string, int64_t>> entries;
  bool down = false;
  size_t page_size = 100;
  std::vector<std::string> bodies;  // every request body
  std::vector<std::string> authorizations;

  void revoke(const std::string& jti, int64_t exp) {
    std::lock_guard lock(mu);
    entries.emplace_back(jti, exp);
  }
  HttpPost poster() {
    return [this](const std::string& url, const std::string& body,
                  const std::string& authorization) -> Result<std::string> {
      std::lock_guard lock(mu);
      bodies.push_back(body);
      authorizations.push_back(authorization);
      if (down || url != kFeedUrl) return fail("http_failed", "down");
      size_t from = 0;
      if (auto at = body.find("after="); at != std::string::npos) {
        std::string c = body.substr(at + 6);
        c = c.substr(0, c.find('&'));
        if (!c.empty()) from = std::stoul(c);
      }
      json out = {{"entries", json::array()}};
      size_t i = from;
      for (; i < entries.size() && i < from + page_size; ++i) {
        out["entries"].push_back({{"jti", entries[i].first}, {"exp", entries[i].second}});
      }
      out["cursor"] = std::to_string(i);
      out["complete"] = i >= entries.size();
      return out.dump();
    };
  }
};

class RevocationFeedTest : public ::testing::Test {
 protected:
  RevocationFeedTest() : key_(PrivateKey::generate(Alg::ES256).value()) {
    clock_ = std::make_shared<FakeClock>();
    voptions_.issuer = kIssuer;
    voptions_.audience = "bank-api";
    voptions_.jwks_uri = kJwksUrl;
    foptions_.url = kFeedUrl;
    foptions_.resource = "bank-api";
    foptions_.client_id = "bank api";
    foptions_.client_secret = "s3cret";
    foptions_.fail_closed_after_seconds = 30;
    foptions_.critical_scopes = {"write:payments"};
    foptions_.expiry_leeway_seconds = 30;
  }

  std::shared_ptr<RevocationFeed> feed() {
    return std::make_shared<RevocationFeed>(foptions_, feed_.poster(), clock_);
  }
  std::unique_ptr<TokenVerifier> verifier() {
    json jwks = {{"keys", json::array({key_.public_jwk()})}};
    return std::make_unique<TokenVerifier>(
        voptions_,
        [jwks](const std::string& url) -> Result<std::string> {
          if (url == kJwksUrl) return jwks.dump();
          return fail("http_failed", "404");
        },
        clock_);
  }
  std::string token(const std::string& jti) const {
    const int64_t now = clock_->now();
    json c = {{"iss", kIssuer},
              {"sub", "alice"},
              {"aud", "bank-api"},
              {"client_id", "finance-app"},
              {"scope", "read:accounts write:payments"},
              {"iat", now},
              {"exp", now + 600},
              {"jti", jti}};
    return "Bearer " + jose::sign_compact(key_, {{"typ", "at+jwt"}}, c);
  }

  PrivateKey key_;
  std::shared_ptr<FakeClock> clock_;
  VerifierOptions voptions_;
  RevocationFeedOptions foptions_;
  FakeFeed feed_;
};

TEST_F(RevocationFeedTest, AuthenticatesWithBasicAndNamesItsResource) {
  auto f = feed();
  ASSERT_TRUE(f->poll_once());
  ASSERT_EQ(feed_.bodies.size(), 1u);
  EXPECT_EQ(feed_.bodies[0], "resource=bank-api&after=");
  // RFC 6749 §2.3.1: form-urlencoded before base64 ("bank api" -> "bank%20api").
  EXPECT_EQ(feed_.authorizations[0], "Basic YmFuayUyMGFwaTpzM2NyZXQ=");
}

TEST_F(RevocationFeedTest, TokenRevokedAfterSyncIsRefusedEvenFromTheCache) {
  auto f = feed();
  auto v = verifier();
  v->follow_revocations(f);
  ASSERT_TRUE(f->poll_once());
  const std::string t = token("jti-1");
  ASSERT_TRUE(v->authorize(t, "read:accounts").ok());  // now in the verified-token cache
  ASSERT_TRUE(v->authorize(t, "read:accounts").ok());

  feed_.revoke("jti-1", clock_->now() + 600);
  EXPECT_TRUE(v->authorize(t, "read:accounts").ok());  // not synced yet
  ASSERT_TRUE(f->poll_once());
  auto refused = v->authorize(t, "read:accounts");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, AuthErrorKind::kInvalidToken);
  EXPECT_EQ(refused.error().description, "token revoked");
  EXPECT_FALSE(v->verify(t.substr(7)).ok());
  // Another token is unaffected.
  EXPECT_TRUE(v->authorize(token("jti-2"), "read:accounts").ok());
}

TEST_F(RevocationFeedTest, FollowsTheCursorAcrossPages) {
  feed_.page_size = 2;
  for (int i = 0; i < 5; ++i) feed_.revoke("j" + std::to_string(i), clock_->now() + 600);
  auto f = feed();
  ASSERT_TRUE(f->poll_once());
  EXPECT_EQ(f->size(), 5u);
  EXPECT_TRUE(f->is_revoked("j4"));
  feed_.bodies.clear();
  feed_.revoke("j5", clock_->now() + 600);
  ASSERT_TRUE(f->poll_once());
  ASSERT_EQ(feed_.bodies.size(), 1u);
  EXPECT_EQ(feed_.bodies[0], "resource=bank-api&after=5");  // from where it stopped
  EXPECT_TRUE(f->is_revoked("j5"));
}

TEST_F(RevocationFeedTest, ExpiredEntriesArePrunedAfterTheLeeway) {
  auto f = feed();
  feed_.revoke("short", clock_->now() + 10);
  feed_.revoke("long", clock_->now() + 600);
  ASSERT_TRUE(f->poll_once());
  EXPECT_EQ(f->size(), 2u);
  clock_->advance(10 + 30);  // exp + leeway: the verifier no longer accepts it either
  ASSERT_TRUE(f->poll_once());
  EXPECT_FALSE(f->is_revoked("short"));
  EXPECT_TRUE(f->is_revoked("long"));
  EXPECT_EQ(f->size(), 1u);
  // An entry already expired when it arrives is never kept.
  feed_.revoke("stale", clock_->now() - 31);
  ASSERT_TRUE(f->poll_once());
  EXPECT_EQ(f->size(), 1u);
}

TEST_F(RevocationFeedTest, CapRefusesToGrowAndCountsAsNotSynced) {
  foptions_.max_entries = 2;
  auto f = feed();
  feed_.revoke("a", clock_->now() + 100);
  feed_.revoke("b", clock_->now() + 600);
  ASSERT_TRUE(f->poll_once());
  feed_.revoke("c", clock_->now() + 600);
  EXPECT_FALSE(f->poll_once());  // over the cap: nothing forgotten, nothing added
  EXPECT_TRUE(f->over_capacity());
  EXPECT_TRUE(f->is_revoked("a"));
  EXPECT_TRUE(f->is_revoked("b"));
  EXPECT_FALSE(f->is_revoked("c"));
  clock_->advance(31);
  EXPECT_FALSE(f->is_fresh());  // critical scopes now fail closed
  clock_->advance(100);         // "a" expired: room for "c", read again from the cursor
  EXPECT_TRUE(f->poll_once());
  EXPECT_FALSE(f->over_capacity());
  EXPECT_TRUE(f->is_revoked("c"));
  EXPECT_FALSE(f->is_revoked("a"));
  EXPECT_TRUE(f->is_fresh());
}

TEST_F(RevocationFeedTest, CriticalScopesFailClosedWhileStaleOthersKeepWorking) {
  auto f = feed();
  auto v = verifier();
  v->follow_revocations(f);
  const std::string t = token("jti-1");
  // Before the first sync: not synced, so payments are refused at once.
  auto early = v->authorize(t, "write:payments");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, AuthErrorKind::kTemporarilyUnavailable);
  EXPECT_EQ(early.error().status(), 503);
  EXPECT_EQ(early.error().body()["error"], "temporarily_unavailable");
  EXPECT_FALSE(f->last_sync_age().has_value());
  // A request critical by something else than its scope (a payment under
  // authorization_details) asks the verifier directly.
  auto unscoped = v->unavailable_while_stale();
  ASSERT_TRUE(unscoped.has_value());
  EXPECT_EQ(unscoped->status(), 503);

  ASSERT_TRUE(f->poll_once());
  EXPECT_TRUE(v->authorize(t, "write:payments").ok());
  EXPECT_FALSE(v->unavailable_while_stale());
  feed_.down = true;
  clock_->advance(30);
  EXPECT_FALSE(f->poll_once());
  EXPECT_EQ(f->last_sync_age(), 30);
  EXPECT_TRUE(v->authorize(t, "write:payments").ok());  // within the bound
  clock_->advance(1);
  auto stale = v->authorize(t, "write:payments");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status(), 503);
  EXPECT_TRUE(v->unavailable_while_stale().has_value());
  EXPECT_TRUE(v->authorize(t, "read:accounts").ok());  // not critical: still served
  // Recovery: the next successful sync lifts the refusal.
  feed_.down = false;
  ASSERT_TRUE(f->poll_once());
  EXPECT_TRUE(v->authorize(t, "write:payments").ok());
}

TEST_F(RevocationFeedTest, BackgroundThreadPollsAndStops) {
  foptions_.poll_interval_ms = 10;
  auto f = feed();
  f->start();
  feed_.revoke("late", clock_->now() + 600);
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    seen = f->is_revoked("late");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
  f->stop();
}

TEST_F(RevocationFeedTest, MalformedPageIsAFailedSync) {
  auto f = std::make_shared<RevocationFeed>(
      foptions_,
      [](const std::string&, const std::string&, const std::string&) -> Result<std::string> {
        return std::string(R"({"cursor": 1, "entries": [], "complete": true})");
      },
      clock_);
  EXPECT_FALSE(f->poll_once());
  EXPECT_FALSE(f->last_sync_age().has_value());
}

}  // namespace
}  // namespace signet::resource
