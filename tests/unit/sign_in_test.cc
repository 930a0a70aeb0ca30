// Sign-in and consent (provider/interaction/sign_in.h, consent.h): each rule
// with the threat it answers. The password verifier counts its runs instead
// of spending Argon2's time, so that the timing rule is checked by count.
#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/form.h"
#include "interaction/browser_session.h"
#include "interaction/consent.h"
#include "interaction/password.h"
#include "interaction/sign_in.h"
#include "memory_stores.h"
#include "protocol/prompt.h"
#include "protocol/throttle.h"
#include "protocol_fixtures.h"

namespace signet::interaction {
namespace {

using namespace signet::protocol;
using namespace signet::protocol::testing;

constexpr const char* kPassword = "alice's long passphrase";
constexpr const char* kAddress = "192.0.2.10";

// A stored "hash" is "hash:" + the password; every call counts as one run of
// the slow function.
class CountingVerifier final : public PasswordVerifier {
 public:
  bool verify(std::string_view password, std::string_view phc) const override {
    ++runs;
    return phc == "hash:" + std::string(password);
  }
  void spend_one_verification(std::string_view) const override { ++runs; }
  mutable int runs = 0;
};

User alice() {
  User u;
  u.subject = "subject-of-alice";
  u.username = "alice";
  u.password_hash = std::string("hash:") + kPassword;
  return u;
}

class SignInTest : public ::testing::Test {
 protected:
  SignInTest() {
    clients_.add(finance_app());
    users_.add(alice());
  }

  SignIn sign_in() {
    return SignIn({master_key_, 3600}, users_, sessions_, authorize_, &throttle_, verifier_, audit_,
                  clock_);
  }

  // A form posted from the sign-in page this browser was shown.
  SignInAttempt form(const std::string& username, const std::string& password,
                     const std::string& return_to = kAccountAppsReturnTo) {
    SignInAttempt a;
    a.username = username;
    a.password = password;
    a.return_to = return_to;
    a.login_csrf_cookie = csrf_cookie_;
    a.csrf_token = login_csrf_token(master_key_, csrf_cookie_);
    a.client_address = kAddress;
    a.request_id = "req-2";
    return a;
  }

  static std::string finance_request() {
    Params q = authorize_query();
    return encode_form({q.begin(), q.end()});
  }

  const std::string master_key_ = std::string(32, 'k');
  const std::string csrf_cookie_ = random_token();
  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryPushedRequestStore pushed_;
  const AuthorizeContext authorize_{clients_, pushed_, clock_, nullptr, kAudience};
  MemoryUserStore users_;
  MemorySessionStore sessions_;
  MemoryAccountFailureStore accounts_;
  RecordingAuditSink audit_;
  CountingVerifier verifier_;
  // Two failures lock an account for 15 minutes; three failures from one
  // address stop it for the window.
  LoginThrottle throttle_{LockoutRule{2, 900, 900}, &accounts_, 3, clock_};
};

TEST_F(SignInTest, CorrectPasswordStartsASessionAndGoesBackToTheAccountPage) {
  SignInOutcome o = sign_in().attempt(form("alice", kPassword));
  ASSERT_EQ(o.result, SignInResult::kSignedIn);
  EXPECT_EQ(o.continue_to, "/account/apps");
  auto session = sessions_.find_session(sha256_b64url(o.session_id), clock_.now());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(session->has_value());
  EXPECT_EQ((*session)->subject, "subject-of-alice");
  EXPECT_EQ((*session)->expires_at, clock_.now() + 3600);
  ASSERT_EQ(audit_.named("login.succeeded").size(), 1u);
  EXPECT_EQ(audit_.named("login.succeeded")[0].detail, nlohmann::json({{"to", "account_apps"}}));
}

// Session fixation (OWASP Session Management Cheat Sheet): an attacker who
// planted a session id in the victim's browser must not share the session the
// victim signs in to. The carried session ends and the new id is another.
TEST_F(SignInTest, SignInEndsTheCarriedSessionAndIssuesANewId) {
  const std::string planted = "a-session-planted-before-sign-in";
  ASSERT_TRUE(sessions_
                  .create_session({sha256_b64url(planted), "subject-of-alice", "csrf", clock_.now(),
                                   clock_.now() + 3600})
                  .ok());
  SignInAttempt a = form("alice", kPassword);
  a.session_cookie = planted;
  SignInOutcome o = sign_in().attempt(a);
  ASSERT_EQ(o.result, SignInResult::kSignedIn);
  EXPECT_NE(o.session_id, planted);
  EXPECT_FALSE(sessions_.contains(sha256_b64url(planted)));
  EXPECT_TRUE(sessions_.contains(sha256_b64url(o.session_id)));
  EXPECT_EQ(sessions_.size(), 1u);
}

// When the carried session cannot be ended, the sign-in fails instead of
// leaving a planted session alive beside the new one.
TEST_F(SignInTest, SignInThatCannotEndTheCarriedSessionFails) {
  SignInAttempt a = form("alice", kPassword);
  a.session_cookie = "a-session-planted-before-sign-in";
  sessions_.unavailable = true;
  SignInOutcome o = sign_in().attempt(a);
  EXPECT_EQ(o.result, SignInResult::kStoreUnavailable);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->status, 503);
  sessions_.unavailable = false;
  EXPECT_EQ(sessions_.size(), 0u);
  EXPECT_TRUE(audit_.named("login.succeeded").empty());
}

// Timing must not reveal who has an account: an unknown username costs one
// verification like a known one, and so does an empty password.
TEST_F(SignInTest, EveryFailedAttemptCostsOnePasswordVerification) {
  EXPECT_EQ(sign_in().attempt(form("nobody", "a guess")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(verifier_.runs, 1);
  EXPECT_EQ(sign_in().attempt(form("alice", "a guess")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(verifier_.runs, 2);
  clock_.advance(901);  // a new throttling window for the address and alice
  EXPECT_EQ(sign_in().attempt(form("alice", "")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(verifier_.runs, 3);
}

// One answer for every bad credential; the audit trail tells them apart, and
// keeps typed text only when it names a user.
TEST_F(SignInTest, BadCredentialsAreAuditedWithoutTheTypedText) {
  const std::string typed = "correct-horse-typed-as-username";
  EXPECT_EQ(sign_in().attempt(form(typed, "x")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(sign_in().attempt(form("alice", "wrong")).result, SignInResult::kBadCredentials);
  auto failed = audit_.named("login.failed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].subject, "");
  EXPECT_EQ(failed[0].detail, nlohmann::json({{"reason", "unknown_user"}}));
  EXPECT_EQ(failed[1].subject, "subject-of-alice");
  EXPECT_EQ(failed[1].detail,
            nlohmann::json({{"reason", "wrong_password"}, {"username", "alice"}}));
}

// Online guessing (RFC 6819 §4.4.3.6): after N failures the account is locked,
// and while it is, even the correct password is refused without a verification.
TEST_F(SignInTest, AccountIsLockedAfterNFailuresEvenForTheRightPassword) {
  EXPECT_EQ(sign_in().attempt(form("alice", "guess-1")).result, SignInResult::kBadCredentials);
  SignInOutcome locked = sign_in().attempt(form("alice", "guess-2"));
  EXPECT_EQ(locked.result, SignInResult::kThrottled);
  EXPECT_EQ(locked.retry_after, 900);

  const int runs = verifier_.runs;
  SignInOutcome refused = sign_in().attempt(form("alice", kPassword));
  EXPECT_EQ(refused.result, SignInResult::kThrottled);
  EXPECT_EQ(refused.retry_after, 900);
  EXPECT_EQ(verifier_.runs, runs);
  EXPECT_EQ(sessions_.size(), 0u);

  clock_.advance(900);
  EXPECT_EQ(sign_in().attempt(form("alice", kPassword)).result, SignInResult::kSignedIn);
}

// A correct password starts the account's count again.
TEST_F(SignInTest, SignInClearsTheAccountsFailures) {
  EXPECT_EQ(sign_in().attempt(form("alice", "guess-1")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(sign_in().attempt(form("alice", kPassword)).result, SignInResult::kSignedIn);
  EXPECT_EQ(sign_in().attempt(form("alice", "guess-2")).result, SignInResult::kBadCredentials);
}

// A guesser spreading attempts over many usernames is stopped by its address.
TEST_F(SignInTest, AddressIsThrottledAcrossUsernames) {
  EXPECT_EQ(sign_in().attempt(form("u1", "x")).result, SignInResult::kBadCredentials);
  EXPECT_EQ(sign_in().attempt(form("u2", "x")).result, SignInResult::kBadCredentials);
  SignInOutcome third = sign_in().attempt(form("u3", "x"));
  EXPECT_EQ(third.result, SignInResult::kThrottled);
  const int runs = verifier_.runs;
  SignInOutcome o = sign_in().attempt(form("alice", kPassword));
  EXPECT_EQ(o.result, SignInResult::kThrottled);
  EXPECT_EQ(verifier_.runs, runs);
  auto throttled = audit_.named("throttled");
  ASSERT_EQ(throttled.size(), 2u);
  EXPECT_EQ(throttled[1].detail, nlohmann::json({{"limit", "address"}, {"username", "alice"}}));

  SignInAttempt elsewhere = form("alice", kPassword);
  elsewhere.client_address = "198.51.100.1";
  EXPECT_EQ(sign_in().attempt(elsewhere).result, SignInResult::kSignedIn);
}

// Locks `username` out (two failures) and asks once more: two throttled events.
void lock_out(SignIn sign_in, const SignInAttempt& wrong) {
  EXPECT_EQ(sign_in.attempt(wrong).result, SignInResult::kBadCredentials);
  SignInOutcome second = sign_in.attempt(wrong);
  EXPECT_EQ(second.result, SignInResult::kThrottled);
  EXPECT_EQ(second.retry_after, 900);
  SignInOutcome next = sign_in.attempt(wrong);
  EXPECT_EQ(next.result, SignInResult::kThrottled);
  EXPECT_EQ(next.retry_after, 900);
}

TEST_F(SignInTest, LoginLockoutIsAuditedWithTheUsersSubjectAndClient) {
  lock_out(sign_in(), form("alice", "wrong", finance_request()));
  auto events = audit_.named("throttled");
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_EQ(e.event, "throttled");
    EXPECT_EQ(e.subject, "subject-of-alice");
    EXPECT_EQ(e.client_id, "finance-app");
    EXPECT_EQ(e.client_address, "192.0.2.10");
    EXPECT_EQ(e.detail, nlohmann::json({{"limit", "account"}, {"username", "alice"}}));
  }
}

// The rule of login.failed: text that names no user may be a password typed
// in the wrong field, so no part of the event holds it.
TEST_F(SignInTest, LoginLockoutOfAnUnknownNameKeepsNoTypedText) {
  const std::string typed = "correct-horse-typed-as-username";
  lock_out(sign_in(), form(typed, "wrong", finance_request()));
  auto events = audit_.named("throttled");
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_EQ(e.event, "throttled");
    EXPECT_EQ(e.subject, "");
    EXPECT_EQ(e.detail, nlohmann::json({{"limit", "account"}}));
    EXPECT_EQ(e.detail.dump().find(typed), std::string::npos);
  }
}

// Login CSRF (RFC 6749 §10.12): a form whose token does not belong to the
// browser's cookie is refused before anything else, including a pair that an
// attacker chose both halves of (cookie=X, csrf_token=X).
TEST_F(SignInTest, FormWithoutThisBrowsersCsrfTokenIsRefused) {
  SignInAttempt wrong = form("alice", kPassword);
  wrong.csrf_token = login_csrf_token(master_key_, random_token());
  SignInAttempt doubled = form("alice", kPassword);
  doubled.login_csrf_cookie = "attacker-chosen";
  doubled.csrf_token = "attacker-chosen";
  SignInAttempt no_cookie = form("alice", kPassword);
  no_cookie.login_csrf_cookie.reset();
  SignInAttempt no_token = form("alice", kPassword);
  no_token.csrf_token.reset();
  for (const auto& a : {wrong, doubled, no_cookie, no_token}) {
    EXPECT_EQ(sign_in().attempt(a).result, SignInResult::kCsrfMismatch);
  }
  EXPECT_EQ(verifier_.runs, 0);
  EXPECT_EQ(sessions_.size(), 0u);
  EXPECT_TRUE(audit_.events.empty());
}

TEST_F(SignInTest, IncompleteFormIsRefused) {
  SignInAttempt a = form("alice", kPassword);
  a.password.reset();
  EXPECT_EQ(sign_in().attempt(a).result, SignInResult::kIncompleteForm);
  EXPECT_EQ(verifier_.runs, 0);
}

// No open redirector (RFC 9700 §4.11.2): return_to leads back to /authorize
// only when it is an authorization request Signet would serve.
TEST_F(SignInTest, ReturnToThatIsNoAuthorizationRequestIsRefused) {
  SignInOutcome elsewhere = sign_in().attempt(form("alice", kPassword, "https://evil.example/"));
  EXPECT_EQ(elsewhere.result, SignInResult::kBadReturnTo);
  ASSERT_TRUE(elsewhere.error);
  EXPECT_FALSE(elsewhere.error->redirectable);

  Params q = authorize_query();
  q["redirect_uri"] = "https://evil.example/callback";
  SignInOutcome unregistered =
      sign_in().attempt(form("alice", kPassword, encode_form({q.begin(), q.end()})));
  EXPECT_EQ(unregistered.result, SignInResult::kBadReturnTo);

  SignInOutcome malformed = sign_in().attempt(form("alice", kPassword, "client_id=%zz"));
  EXPECT_EQ(malformed.result, SignInResult::kBadReturnTo);
  EXPECT_FALSE(malformed.error);

  EXPECT_EQ(verifier_.runs, 0);
  EXPECT_EQ(sessions_.size(), 0u);
}

// The way back is the request rebuilt from its parameters, Signet's own
// parameters taken from the form dropped, and the login mark of the new session.
TEST_F(SignInTest, ReturnToGoesBackToAuthorizeWithTheNewSessionsLoginMark) {
  Params q = authorize_query();
  q[kLoginTimeParam] = "1";
  q[kLoginMarkParam] = "forged";
  SignInOutcome o = sign_in().attempt(form("alice", kPassword, encode_form({q.begin(), q.end()})));
  ASSERT_EQ(o.result, SignInResult::kSignedIn);
  EXPECT_EQ(o.client.client_name, "Finance App");
  EXPECT_EQ(o.client.redirect_uri, kRedirect);
  ASSERT_EQ(o.continue_to.rfind("/authorize?", 0), 0u);
  auto back = parse_form(o.continue_to.substr(std::string("/authorize?").size()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*find_param(*back, "client_id"), "finance-app");
  EXPECT_EQ(*find_param(*back, kLoginTimeParam), std::to_string(clock_.now()));
  EXPECT_EQ(verified_login_time(*back, login_mark_key(master_key_), sha256_b64url(o.session_id),
                                "finance-app", clock_.now()),
            std::optional<int64_t>(clock_.now()));
  EXPECT_EQ(audit_.named("login.succeeded")[0].client_id, "finance-app");
}

// --- Consent -------------------------------------------------------------------

class ConsentTest : public ::testing::Test {
 protected:
  ConsentTest() {
    clients_.add(finance_app());
    EXPECT_TRUE(sessions_
                    .create_session({sha256_b64url(kSessionId), "subject-of-alice", kCsrf,
                                     clock_.now(), clock_.now() + 3600})
                    .ok());
  }

  ConsentOutcome decide(const std::string& decision, const std::string& csrf = kCsrf) {
    Params form = authorize_query();
    form["csrf_token"] = csrf;
    if (!decision.empty()) form["decision"] = decision;
    Consent consent(authorize_, sessions_, consents_, audit_, clock_);
    return consent.decide({form, session_cookie_, kAddress, "req-3"});
  }

  std::vector<std::string> granted() {
    auto g = consents_.granted_scopes("subject-of-alice", "finance-app");
    EXPECT_TRUE(g.ok());
    return g.ok() ? *g : std::vector<std::string>{};
  }

  static constexpr const char* kSessionId = "the-session-id";
  static constexpr const char* kCsrf = "the-sessions-csrf-token";
  std::optional<std::string> session_cookie_ = std::string(kSessionId);
  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryPushedRequestStore pushed_;
  const AuthorizeContext authorize_{clients_, pushed_, clock_, nullptr, kAudience};
  MemorySessionStore sessions_;
  MemoryConsentStore consents_;
  RecordingAuditSink audit_;
};

TEST_F(ConsentTest, AllowGrantsTheScopesAndIsAudited) {
  ConsentOutcome o = decide("allow");
  ASSERT_EQ(o.result, ConsentResult::kGranted);
  EXPECT_EQ(o.session.subject, "subject-of-alice");
  EXPECT_EQ(o.request.client.client_id, "finance-app");
  EXPECT_EQ(granted(), (std::vector<std::string>{"read:accounts", "read:transactions"}));
  ASSERT_EQ(audit_.named("consent.granted").size(), 1u);
  EXPECT_EQ(audit_.named("consent.granted")[0].detail,
            nlohmann::json({{"scopes", {"read:accounts", "read:transactions"}}}));
}

TEST_F(ConsentTest, DenyGrantsNothing) {
  ConsentOutcome o = decide("deny");
  EXPECT_EQ(o.result, ConsentResult::kDenied);
  EXPECT_EQ(o.request.redirect_uri, kRedirect);
  EXPECT_EQ(o.request.state, "xyz-state");
  EXPECT_TRUE(granted().empty());
  EXPECT_TRUE(audit_.events.empty());
}

TEST_F(ConsentTest, NeitherAllowNorDenyGrantsNothing) {
  EXPECT_EQ(decide("").result, ConsentResult::kNoChoice);
  EXPECT_EQ(decide("yes").result, ConsentResult::kNoChoice);
  EXPECT_TRUE(granted().empty());
}

// A cross-site page cannot post an Allow: it does not know the session's token.
TEST_F(ConsentTest, AllowWithoutTheSessionsCsrfTokenIsRefused) {
  EXPECT_EQ(decide("allow", "a-guess").result, ConsentResult::kCsrfMismatch);
  EXPECT_EQ(decide("allow", "").result, ConsentResult::kCsrfMismatch);
  EXPECT_TRUE(granted().empty());
}

TEST_F(ConsentTest, AllowWithoutASessionIsRefused) {
  session_cookie_.reset();
  EXPECT_EQ(decide("allow").result, ConsentResult::kNoSession);
  session_cookie_ = "an-ended-session";
  EXPECT_EQ(decide("allow").result, ConsentResult::kNoSession);
  EXPECT_TRUE(granted().empty());
}

// The request in the hidden fields is checked again: an edited redirect URI
// gets no grant and no redirect.
TEST_F(ConsentTest, AllowOfAnEditedRequestIsRefused) {
  Params form = authorize_query();
  form["redirect_uri"] = "https://evil.example/callback";
  form["csrf_token"] = kCsrf;
  form["decision"] = "allow";
  Consent consent(authorize_, sessions_, consents_, audit_, clock_);
  ConsentOutcome o = consent.decide({form, session_cookie_, kAddress, "req-3"});
  ASSERT_EQ(o.result, ConsentResult::kRefusedRequest);
  ASSERT_TRUE(o.refusal);
  EXPECT_FALSE(o.refusal->error.redirectable);
  EXPECT_TRUE(granted().empty());
}

TEST_F(ConsentTest, StoreOutageIsReported) {
  sessions_.unavailable = true;
  ConsentOutcome o = decide("allow");
  EXPECT_EQ(o.result, ConsentResult::kStoreUnavailable);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->status, 503);
}

}  // namespace
}  // namespace signet::interaction
