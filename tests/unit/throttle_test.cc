// Throttling (provider/protocol/throttle.h): account lockout, the per-address
// failure limit, the per-client token bucket, the token endpoint's use of it,
// and the settings. Time is a fake clock throughout.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/form.h"
#include "config/config.h"
#include "jose/key_ring.h"
#include "memory_stores.h"
#include "protocol/throttle.h"
#include "protocol/token/client_authentication.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

class FakeMicroClock final : public MicroClock {
 public:
  int64_t now_micros() const override { return t; }
  void advance_ms(int64_t ms) { t += ms * 1000; }
  int64_t t = 1'000'000'000;
};

// The shared store, in memory: one map guarded like the PostgreSQL row lock.
class MemoryAccountFailures final : public AccountFailureStore {
 public:
  StoreResult<AccountFailures> failures(std::string_view key) override {
    if (unavailable) return fail(OAuthError::temporarily_unavailable("test"));
    auto it = rows.find(std::string(key));
    return it == rows.end() ? AccountFailures{} : it->second;
  }
  StoreResult<AccountFailures> record_failure(std::string_view key, const LockoutRule& rule,
                                              int64_t now) override {
    if (unavailable) return fail(OAuthError::temporarily_unavailable("test"));
    auto& row = rows[std::string(key)];
    row = rule.after_failure(row, now);
    return row;
  }
  StoreResult<Ok> clear(std::string_view key) override {
    rows.erase(std::string(key));
    return Ok{};
  }
  std::map<std::string, AccountFailures> rows;
  bool unavailable = false;
};

// --- LockoutRule -------------------------------------------------------------

TEST(LockoutRule, LocksAfterMaxFailuresWithinTheWindow) {
  LockoutRule rule{3, 900, 600};
  AccountFailures s;
  const int64_t t = 1000;
  s = rule.after_failure(s, t);
  s = rule.after_failure(s, t + 10);
  EXPECT_EQ(rule.wait(s, t + 10), 0);
  s = rule.after_failure(s, t + 20);
  EXPECT_EQ(rule.wait(s, t + 20), 600);
  EXPECT_EQ(rule.wait(s, t + 619), 1);
  EXPECT_EQ(rule.wait(s, t + 620), 0);  // fixed lockout: over after `lockout` seconds
}

TEST(LockoutRule, FailuresOutsideTheWindowStartANewCount) {
  LockoutRule rule{3, 900, 600};
  AccountFailures s;
  s = rule.after_failure(s, 1000);
  s = rule.after_failure(s, 1100);
  s = rule.after_failure(s, 1000 + 900);  // the window of the first failure is over
  EXPECT_EQ(rule.wait(s, 1900), 0);
  EXPECT_EQ(s.failures, 1);
}

TEST(LockoutRule, CountStartsAgainAfterALockout) {
  LockoutRule rule{2, 900, 60};
  AccountFailures s;
  s = rule.after_failure(s, 0 + 1000);
  s = rule.after_failure(s, 1001);
  EXPECT_GT(rule.wait(s, 1001), 0);
  // One failure after the lockout does not lock again at once.
  s = rule.after_failure(s, 1070);
  EXPECT_EQ(rule.wait(s, 1070), 0);
  s = rule.after_failure(s, 1071);
  EXPECT_EQ(rule.wait(s, 1071), 60);
}

TEST(LockoutRule, ZeroMaxFailuresNeverLocks) {
  LockoutRule rule{0, 900, 600};
  AccountFailures s;
  for (int i = 0; i < 100; ++i) s = rule.after_failure(s, 1000 + i);
  EXPECT_EQ(rule.wait(s, 1100), 0);
}

TEST(LockoutRule, ExpiresWhenWindowAndLockoutAreOver) {
  LockoutRule rule{1, 900, 600};
  auto s = rule.after_failure({}, 1000);
  EXPECT_EQ(rule.expires_at(s), 1000 + 900);
  LockoutRule long_lock{1, 60, 3600};
  s = long_lock.after_failure({}, 1000);
  EXPECT_EQ(long_lock.expires_at(s), 1000 + 3600);
}

TEST(AccountKey, IsADigestNotTheUsername) {
  EXPECT_EQ(account_key("alice"), account_key("alice"));
  EXPECT_NE(account_key("alice"), account_key("Alice"));
  EXPECT_EQ(account_key("alice").find("alice"), std::string::npos);
}

// --- LoginThrottle -----------------------------------------------------------

class LoginThrottleTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  MemoryAccountFailures store_;
  LoginThrottle throttle_{LockoutRule{3, 900, 900}, &store_, 10, clock_};

  void fail_times(const std::string& user, int n, const std::string& address = "10.0.0.1") {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(throttle_.after_failure(user, address).ok());
  }
};

TEST_F(LoginThrottleTest, FailureThatReachesTheLimitIsRefusedAndSoIsTheNextAttempt) {
  fail_times("alice", 2);
  auto third = throttle_.after_failure("alice", "10.0.0.1");
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(third->has_value());
  EXPECT_STREQ((*third)->limit, "account");
  EXPECT_EQ((*third)->retry_after, 900);

  clock_.advance(100);
  auto next = throttle_.before_attempt("alice", "10.0.0.2");  // another address: same account
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_STREQ((*next)->limit, "account");
  EXPECT_EQ((*next)->retry_after, 800);
}

TEST_F(LoginThrottleTest, OtherAccountsAreNotAffected) {
  fail_times("alice", 3);
  auto bob = throttle_.before_attempt("bob", "10.0.0.1");
  ASSERT_TRUE(bob.ok());
  EXPECT_FALSE(bob->has_value());
}

TEST_F(LoginThrottleTest, UnknownAndKnownUsernamesAreCountedAlike) {
  // The throttle never looks at whether the user exists: same key, same rule.
  fail_times("no-such-user", 2);
  fail_times("alice", 2);
  EXPECT_EQ(store_.rows.at(account_key("no-such-user")).failures,
            store_.rows.at(account_key("alice")).failures);
  EXPECT_EQ(store_.rows.count("alice"), 0u);  // never stored in clear
}

TEST_F(LoginThrottleTest, SuccessResetsTheAccountCount) {
  fail_times("alice", 2);
  ASSERT_TRUE(throttle_.after_success("alice").ok());
  fail_times("alice", 2);
  auto r = throttle_.before_attempt("alice", "10.0.0.1");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST_F(LoginThrottleTest, LockoutEndsAfterItsDuration) {
  fail_times("alice", 3);
  clock_.advance(900);
  auto r = throttle_.before_attempt("alice", "10.0.0.1");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST_F(LoginThrottleTest, AnAddressIsLimitedAcrossAccounts) {
  // 10 failures from one address, spread so that no account is locked.
  for (int i = 0; i < 9; ++i) fail_times("user" + std::to_string(i), 1, "192.0.2.7");
  auto tenth = throttle_.after_failure("user9", "192.0.2.7");
  ASSERT_TRUE(tenth.ok());
  ASSERT_TRUE(tenth->has_value());
  EXPECT_STREQ((*tenth)->limit, "address");
  auto r = throttle_.before_attempt("fresh-user", "192.0.2.7");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_STREQ((*r)->limit, "address");
  auto elsewhere = throttle_.before_attempt("fresh-user", "192.0.2.8");
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_FALSE(elsewhere->has_value());
}

TEST_F(LoginThrottleTest, StoreOutageIsAnErrorNotAPass) {
  store_.unavailable = true;
  auto r = throttle_.before_attempt("alice", "10.0.0.1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 503);
}

TEST(LoginThrottle, DisabledLimitsRefuseNothing) {
  FakeClock clock;
  MemoryAccountFailures store;
  LoginThrottle throttle(LockoutRule{0, 900, 900}, &store, 0, clock);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(throttle.after_failure("alice", "10.0.0.1").ok());
  auto r = throttle.before_attempt("alice", "10.0.0.1");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(store.rows.empty());  // nothing written when the lockout is off
}

// --- AddressFailureLimit -----------------------------------------------------

TEST(AddressFailureLimit, RefusesUntilTheWindowEnds) {
  FakeClock clock;
  AddressFailureLimit limit(2, 60, clock);
  EXPECT_EQ(limit.record_failure("a"), 0);
  clock.advance(10);
  EXPECT_EQ(limit.record_failure("a"), 50);
  EXPECT_EQ(limit.wait("a"), 50);
  EXPECT_EQ(limit.wait("b"), 0);
  clock.advance(50);
  EXPECT_EQ(limit.wait("a"), 0);
}

TEST(AddressFailureLimit, MemoryStaysBoundedUnderASprayOfAddresses) {
  FakeClock clock;
  AddressFailureLimit limit(5, 60, clock, /*max_entries_per_shard=*/8);
  for (int i = 0; i < 10000; ++i) limit.record_failure("198.51.100." + std::to_string(i));
  EXPECT_LE(limit.tracked(), ShardedMap<int>::kShards * 9);
  // The address being counted is never the one forgotten.
  for (int i = 0; i < 4; ++i) limit.record_failure("203.0.113.1");
  EXPECT_GT(limit.record_failure("203.0.113.1"), 0);
}

// --- ClientRateLimit ---------------------------------------------------------

TEST(ClientRateLimit, BurstThenRefill) {
  FakeMicroClock clock;
  ClientRateLimit limit(10, 5, clock);  // 10/s, burst 5
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limit.admit("a"), 0) << i;
  EXPECT_EQ(limit.admit("a"), 1);  // empty: 0.1 s to the next token, rounded up to 1 s
  clock.advance_ms(100);
  EXPECT_EQ(limit.admit("a"), 0);
  EXPECT_EQ(limit.admit("a"), 1);
  clock.advance_ms(10'000);  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limit.admit("a"), 0) << i;
  EXPECT_GT(limit.admit("a"), 0);
}

TEST(ClientRateLimit, ClientsHaveSeparateBuckets) {
  FakeMicroClock clock;
  ClientRateLimit limit(1, 2, clock);
  EXPECT_EQ(limit.admit("a"), 0);
  EXPECT_EQ(limit.admit("a"), 0);
  EXPECT_GT(limit.admit("a"), 0);
  EXPECT_EQ(limit.admit("b"), 0);
  EXPECT_EQ(limit.admit("b"), 0);
}

TEST(ClientRateLimit, RetryAfterIsTheTimeToTheNextToken) {
  FakeMicroClock clock;
  ClientRateLimit slow(1, 1, clock);  // one a second
  EXPECT_EQ(slow.admit("a"), 0);
  clock.advance_ms(200);
  EXPECT_EQ(slow.admit("a"), 1);
  ClientRateLimit off(0, 1, clock);
  EXPECT_EQ(off.admit("a"), 0);  // rate 0: off
  EXPECT_EQ(off.admit("a"), 0);
}

TEST(ClientRateLimit, RefundGivesBackOneRequest) {
  FakeMicroClock clock;
  ClientRateLimit limit(1, 1, clock);
  EXPECT_EQ(limit.admit("a"), 0);
  limit.refund("a");
  EXPECT_EQ(limit.admit("a"), 0);
  EXPECT_GT(limit.admit("a"), 0);
}

// --- the token endpoint with a rate limit --------------------------------------

const jose::PrivateKey& test_key() {
  static const jose::PrivateKey key = [] {
    auto k = jose::PrivateKey::generate(jose::Alg::ES256);
    if (!k) std::abort();
    return std::move(k.value());
  }();
  return key;
}

std::string basic(const std::string& id, const std::string& secret) {
  return "Basic " + base64_encode(url_encode(id) + ":" + url_encode(secret));
}

TokenRequest service_request(const std::string& id, const std::string& secret) {
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  r.authorization = basic(id, secret);
  return r;
}

// A code store that cannot answer now (the request must move to a worker).
class WouldBlockCodes final : public AuthorizationCodeStore {
 public:
  StoreResult<Ok> save_code(const AuthorizationCode&) override { return Ok{}; }
  StoreResult<std::optional<AuthorizationCode>> find_code(std::string_view) override {
    return fail(OAuthError::would_block());
  }
  StoreResult<Redemption> redeem_code(std::string_view, int64_t, std::string_view,
                                      int64_t) override {
    return fail(OAuthError::would_block());
  }
  StoreResult<Ok> revoke_code_tokens(std::string_view, int64_t) override { return Ok{}; }
};

class RateLimitedEndpointTest : public ::testing::Test {
 protected:
  RateLimitedEndpointTest() {
    keys_.add(test_key(), jose::KeyState::kActive);
    clients_.add(finance_app());
    clients_.add(reporting_service());
    Client other = reporting_service("other-secret");
    other.client_id = "other-service";
    clients_.add(other);
  }
  std::unique_ptr<WiredTokenEndpoint> endpoint(AuthorizationCodeStore& codes) {
    TokenWiring wiring;
    wiring.rate_limit = &limit_;
    return std::make_unique<WiredTokenEndpoint>(clients_, codes, keys_, clock_, wiring);
  }
  FakeClock clock_;
  FakeMicroClock micros_;
  ClientRateLimit limit_{1, 3, micros_};
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  jose::KeyRing keys_;
};

TEST_F(RateLimitedEndpointTest, ClientOverItsRateGetsSlowDownWhileAnotherIsServed) {
  auto e = endpoint(codes_);
  for (int i = 0; i < 3; ++i) {
    auto r = e->handle(service_request("reporting", "reporting-secret"));
    ASSERT_TRUE(r.ok()) << r.error().detail;
    auto other = e->handle(service_request("other-service", "other-secret"));
    ASSERT_TRUE(other.ok()) << other.error().detail;
  }
  auto over = e->handle(service_request("reporting", "reporting-secret"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "slow_down");
  EXPECT_EQ(over.error().status, 429);
  EXPECT_EQ(over.error().retry_after, 1);
}

TEST_F(RateLimitedEndpointTest, FailedClientAuthenticationTakesNothingFromTheBucket) {
  // Bad secrets for a client_id must not drain the legitimate client's bucket.
  auto e = endpoint(codes_);
  for (int i = 0; i < 10; ++i) {
    auto r = e->handle(service_request("reporting", "wrong"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_client");
  }
  EXPECT_TRUE(e->handle(service_request("reporting", "reporting-secret")).ok());
}

TEST_F(RateLimitedEndpointTest, ARequestRetriedOnAWorkerCountsOnce) {
  WouldBlockCodes blocked;
  auto e = endpoint(blocked);
  TokenRequest code;
  code.form = {{"grant_type", "authorization_code"},
               {"code", "some-code"},
               {"redirect_uri", kRedirect},
               {"code_verifier", kVerifier}};
  code.authorization = basic("finance-app", "finance-secret");
  for (int i = 0; i < 10; ++i) {
    auto r = e->handle(code);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is_would_block());
  }
  EXPECT_EQ(limit_.admit("finance-app"), 0);  // the bucket (burst 3) is still full
}

TEST(SlowDown, Is429WithRetryAfter) {
  auto e = OAuthError::slow_down(7);
  EXPECT_EQ(e.code, "slow_down");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.retry_after, 7);
  EXPECT_TRUE(e.detail.empty());
}

TEST(PresentedClientId, FromBasicOrBody) {
  TokenRequest basic_request = service_request("reporting", "x");
  EXPECT_EQ(presented_client_id(basic_request), "reporting");
  TokenRequest body;
  body.form = {{"client_id", "mobile-app"}};
  EXPECT_EQ(presented_client_id(body), "mobile-app");
  EXPECT_EQ(presented_client_id(TokenRequest{}), "");
}

// --- settings ----------------------------------------------------------------

Result<config::Config> load(std::map<std::string, std::string> env) {
  env.emplace("SIGNET_DATABASE_URL", "host=/tmp dbname=signet");
  return config::load_config([env = std::move(env)](const char* name) -> const char* {
    static thread_local std::string value;
    auto it = env.find(name);
    if (it == env.end()) return nullptr;
    value = it->second;
    return value.c_str();
  });
}

TEST(ThrottleSettings, DefaultsABankWouldExpect) {
  auto c = load({});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->login_max_failures, 5);
  EXPECT_EQ(c->login_lockout_seconds, 900);
  EXPECT_EQ(c->login_failure_window, 900);
  EXPECT_EQ(c->login_max_failures_per_address, 50);
  EXPECT_EQ(c->token_rate_per_client, 1000);
  EXPECT_EQ(c->token_burst_per_client, 2000);
  EXPECT_EQ(c->token_max_auth_failures_per_address, 100);
}

TEST(ThrottleSettings, ZeroTurnsALimitOff) {
  auto c = load({{"SIGNET_LOGIN_MAX_FAILURES", "0"},
                 {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"},
                 {"SIGNET_TOKEN_RATE_PER_CLIENT", "0"},
                 {"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "0"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->login_max_failures, 0);
  EXPECT_EQ(c->token_rate_per_client, 0);
}

TEST(ThrottleSettings, BadValueNamesTheSetting) {
  for (const char* name :
       {"SIGNET_LOGIN_MAX_FAILURES", "SIGNET_LOGIN_LOCKOUT_SECONDS",
        "SIGNET_LOGIN_FAILURE_WINDOW_SECONDS", "SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS",
        "SIGNET_TOKEN_RATE_PER_CLIENT", "SIGNET_TOKEN_BURST_PER_CLIENT",
        "SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS"}) {
    for (const char* value : {"-1", "five", "99999999999"}) {
      auto c = load({{name, value}});
      ASSERT_FALSE(c.ok()) << name << "=" << value;
      EXPECT_EQ(c.error().message.rfind(name, 0), 0u) << c.error().message;
      EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
    }
  }
  EXPECT_FALSE(load({{"SIGNET_LOGIN_LOCKOUT_SECONDS", "0"}}).ok());
  EXPECT_FALSE(load({{"SIGNET_TOKEN_BURST_PER_CLIENT", "0"}}).ok());
}

}  // namespace
}  // namespace signet::protocol::testing
