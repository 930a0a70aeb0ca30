// Throttling at the HTTP edge (provider/http/throttling.h): what /token answers
// and what the audit trail records for every refusal; and the sign-in handler's
// session rules. In-memory stores, fake clocks.
#include <gtest/gtest.h>

#include <vector>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/form.h"
#include "common/worker_pool.h"
#include "config/config.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "http/throttling.h"
#include "interaction/password.h"
#include "jose/key_ring.h"
#include "jose/key_ring_holder.h"
#include "memory_stores.h"
#include "protocol/throttle.h"
#include "protocol/token/token_endpoint.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::http {
namespace {

using namespace signet::protocol;
using namespace signet::protocol::testing;

class RecordingAudit final : public AuditSink {
 public:
  void record(AuditEvent e) noexcept override { events.push_back(std::move(e)); }
  std::vector<AuditEvent> events;
};

// One user, "alice"; the other stores /token and the login helpers never reach.
class NoUsers final : public UserStore, public ScopeStore, public SessionStore {
 public:
  StoreResult<std::optional<User>> find_user_by_username(std::string_view username) override {
    if (username != "alice") return std::optional<User>();
    static const std::string hash = interaction::hash_password(kAlicePassword);
    User alice;
    alice.subject = "subject-of-alice";
    alice.username = "alice";
    alice.password_hash = hash;
    return std::optional<User>(alice);
  }
  StoreResult<std::optional<User>> find_user_by_subject(std::string_view) override {
    return std::optional<User>();
  }
  StoreResult<std::vector<ScopeDescription>> describe_scopes(
      const std::vector<std::string>&) override {
    return std::vector<ScopeDescription>();
  }
  StoreResult<Ok> create_session(const Session&) override {
    ++sessions_created;
    return Ok{};
  }
  StoreResult<std::optional<Session>> find_session(std::string_view, int64_t) override {
    return std::optional<Session>();
  }
  StoreResult<Ok> delete_session(std::string_view) override {
    if (deletes_fail) return fail(OAuthError::temporarily_unavailable("switched off"));
    return Ok{};
  }
  static constexpr const char* kAlicePassword = "alice's long passphrase";
  bool deletes_fail = false;
  int sessions_created = 0;
};

class MemoryAccountFailures final : public AccountFailureStore {
 public:
  StoreResult<AccountFailures> failures(std::string_view key) override {
    return rows[std::string(key)];
  }
  StoreResult<AccountFailures> record_failure(std::string_view key, const LockoutRule& rule,
                                              int64_t now) override {
    auto& row = rows[std::string(key)];
    row = rule.after_failure(row, now);
    return row;
  }
  StoreResult<Ok> clear(std::string_view key) override {
    rows.erase(std::string(key));
    return Ok{};
  }
  std::map<std::string, AccountFailures> rows;
};

class FixedMicros final : public MicroClock {
 public:
  int64_t now_micros() const override { return 1'000'000; }
};

const jose::PrivateKey& test_key() {
  static const jose::PrivateKey key = [] {
    auto k = jose::PrivateKey::generate(jose::Alg::ES256);
    if (!k) std::abort();
    return std::move(k.value());
  }();
  return key;
}

class ThrottlingHttpTest : public ::testing::Test {
 protected:
  ThrottlingHttpTest() {
    jose::KeyRing ring;
    ring.add(test_key(), jose::KeyState::kActive);
    keys_ = std::make_unique<jose::KeyRingHolder>(std::move(ring));
    clients_.add(reporting_service());
    TokenWiring wiring;
    wiring.rate_limit = &rate_;
    endpoint_ =
        std::make_unique<WiredTokenEndpoint>(clients_, codes_, *keys_->current(), clock_, wiring);
    services_ = std::unique_ptr<Services>(new Services{config_, clients_, none_, none_, codes_,
                                                       consents_, none_, *keys_, clock_, workers_,
                                                       endpoint_->endpoint(), authorize_, par_});
    services_->audit = &audit_;
    services_->throttles = {&login_, &auth_failures_};
  }

  Incoming token_request(const std::string& secret) {
    Incoming in;
    in.path = "/token";
    in.body = "grant_type=client_credentials";
    in.content_type = "application/x-www-form-urlencoded";
    in.authorization = "Basic " + base64_encode("reporting:" + secret);
    in.client_address = "192.0.2.9";
    in.request_id = "req-1";
    return in;
  }

  config::Config config_;
  FakeClock clock_;
  FixedMicros micros_;
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  MemoryConsentStore consents_;
  NoUsers none_;
  std::unique_ptr<jose::KeyRingHolder> keys_;
  WorkerPool workers_{1, 1};
  ClientRateLimit rate_{1, 2, micros_};  // the fake time never moves: 2 requests, then none
  MemoryAccountFailures accounts_;
  LoginThrottle login_{LockoutRule{2, 900, 900}, &accounts_, 100, clock_};
  AddressFailureLimit auth_failures_{2, 900, clock_};
  MemoryPushedRequestStore pushed_;
  const AuthorizeContext authorize_{clients_, pushed_, clock_};
  TestClientAuthentication auth_{clients_, clock_};
  PushedAuthorizationEndpoint par_{auth_.authenticator, auth_.dpop, authorize_, 60, rate_};
  std::unique_ptr<WiredTokenEndpoint> endpoint_;
  std::unique_ptr<Services> services_;
  RecordingAudit audit_;
};

TEST_F(ThrottlingHttpTest, ClientOverItsRateIs429SlowDownAndAudited) {
  EXPECT_EQ(handle_token(*services_, token_request("reporting-secret")).status, 200);
  EXPECT_EQ(handle_token(*services_, token_request("reporting-secret")).status, 200);
  Answer a = handle_token(*services_, token_request("reporting-secret"));
  EXPECT_EQ(a.status, 429);
  EXPECT_GT(a.retry_after, 0);
  EXPECT_EQ(nlohmann::json::parse(a.body).value("error", ""), "slow_down");
  // The two tokens issued, then the refusal.
  ASSERT_EQ(audit_.events.size(), 3u);
  EXPECT_EQ(audit_.events[0].event, "token.issued");
  EXPECT_EQ(audit_.events[1].event, "token.issued");
  const AuditEvent& e = audit_.events[2];
  EXPECT_EQ(e.event, "throttled");
  EXPECT_EQ(e.client_id, "reporting");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.client_address, "192.0.2.9");
  EXPECT_EQ(e.detail, nlohmann::json({{"limit", "client"}}));
}

TEST_F(ThrottlingHttpTest, AddressWithFailedClientAuthenticationIsRefusedAndAudited) {
  EXPECT_EQ(handle_token(*services_, token_request("guess-1")).status, 401);
  EXPECT_EQ(handle_token(*services_, token_request("guess-2")).status, 401);
  Answer a = handle_token(*services_, token_request("reporting-secret"));
  EXPECT_EQ(a.status, 429);
  EXPECT_GT(a.retry_after, 0);
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].detail, nlohmann::json({{"limit", "address"}}));
  EXPECT_EQ(audit_.events[0].client_id, "reporting");
  // Another address is served.
  Incoming elsewhere = token_request("reporting-secret");
  elsewhere.client_address = "198.51.100.1";
  EXPECT_EQ(handle_token(*services_, elsewhere).status, 200);
}

// The sign-in lockout and its "throttled" events: sign_in_test.cc.

TEST(TooManyAttempts, SaysHowManyMinutes) {
  EXPECT_EQ(too_many_attempts(900), "Too many sign-in attempts. Try again in 15 minutes.");
  EXPECT_EQ(too_many_attempts(61), "Too many sign-in attempts. Try again in 2 minutes.");
  EXPECT_EQ(too_many_attempts(5), "Too many sign-in attempts. Try again in 1 minute.");
}

// Session fixation: the session a browser carries into a sign-in is ended
// before a new one is made. When it cannot be ended (the store fails), the
// sign-in fails too, instead of leaving a planted session alive beside the new one.
TEST_F(ThrottlingHttpTest, SignInThatCannotEndTheCarriedSessionFails) {
  Incoming page;
  page.path = "/authorize";
  const LoginCsrf csrf = login_csrf(*services_, page);
  Incoming in;
  in.path = "/login";
  in.content_type = "application/x-www-form-urlencoded";
  in.client_address = "192.0.2.10";
  in.cookies[csrf.cookie.name] = csrf.cookie.value;
  in.cookies[session_cookie_name(config_)] = "a-session-planted-before-sign-in";
  in.body = encode_form({{"username", "alice"},
                         {"password", NoUsers::kAlicePassword},
                         {"csrf_token", csrf.form_token},
                         {"return_to", "account/apps"}});

  none_.deletes_fail = true;
  Answer refused = handle_login(*services_, in);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(none_.sessions_created, 0);

  none_.deletes_fail = false;
  Answer signed_in = handle_login(*services_, in);
  EXPECT_EQ(signed_in.status, 303) << signed_in.body;
  EXPECT_EQ(none_.sessions_created, 1);
}

}  // namespace
}  // namespace signet::http
