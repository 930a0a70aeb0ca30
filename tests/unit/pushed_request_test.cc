// Pushed Authorization Requests (RFC 9126): the endpoint's checks
// (protocol/pushed_authorization_endpoint.h) and how /authorize takes a
// request_uri (protocol/pushed_request.h, protocol/authorize.h).
#include <gtest/gtest.h>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/pushed_authorization_endpoint.h"
#include "protocol/pushed_request.h"
#include "protocol_fixtures.h"

namespace signet::protocol::testing {
namespace {

class FixedMicroClock final : public MicroClock {
 public:
  int64_t now_micros() const override { return 0; }
};

class PushedRequestTest : public ::testing::Test {
 protected:
  PushedRequestTest() {
    clients_.add(finance_app());
    clients_.add(mobile_app());
    Client other = finance_app("other-secret");
    other.client_id = "other-app";
    clients_.add(other);
  }

  // POST /par as finance-app (client_secret_basic) with these parameters.
  Result<PushedRequestUri, OAuthError> push(Params body,
                                            const std::string& secret = "finance-secret",
                                            const std::string& client_id = "finance-app") {
    body.erase("client_id");
    TokenRequest request{std::move(body), "Basic " + base64_encode(client_id + ":" + secret)};
    return endpoint_.handle(request);
  }

  // The request as /authorize sees it: client_id and request_uri only, unless more is added.
  Result<AuthorizeRequest, AuthorizeFailure> authorize(
      const std::string& request_uri, Params extra = {},
      const std::string& client_id = "finance-app") {
    extra["client_id"] = client_id;
    extra["request_uri"] = request_uri;
    return validate_authorize_request(extra, context_);
  }

  std::string pushed_uri(Params body = authorize_query()) {
    auto r = push(std::move(body));
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().code + ": " + r.error().description);
    return r ? r->request_uri : std::string();
  }

  FakeClock clock_;
  FixedMicroClock micros_;
  MemoryClientStore clients_;
  MemoryPushedRequestStore pushed_;
  MemoryCodeStore codes_{pushed_};
  AuthorizeContext context_{clients_, pushed_, clock_};
  ClientRateLimit rate_{0, 0, micros_};  // off
  TestClientAuthentication auth_{clients_, clock_};
  PushedAuthorizationEndpoint endpoint_{auth_.authenticator, auth_.dpop, context_, 90, rate_};
};

void expect_refused_without_redirect(const Result<AuthorizeRequest, AuthorizeFailure>& r,
                                     const std::string& code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, code);
  EXPECT_FALSE(r.error().error.redirectable);
  EXPECT_TRUE(r.error().redirect_uri.empty());
}

TEST_F(PushedRequestTest, PushAnswersAnUnguessableUrnAndItsLifetime) {
  auto first = push(authorize_query());
  auto second = push(authorize_query());
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->request_uri.rfind(kRequestUriPrefix, 0), 0u) << first->request_uri;
  // 32 random bytes, base64url: 43 characters after the prefix.
  EXPECT_EQ(first->request_uri.size(), kRequestUriPrefix.size() + 43);
  EXPECT_NE(first->request_uri, second->request_uri);
  EXPECT_EQ(first->expires_in, 90);
  EXPECT_EQ(pushed_.size(), 2u);
}

TEST_F(PushedRequestTest, LifetimeIsKeptBetween30And599Seconds) {
  for (auto [asked, kept] :
       {std::pair<int64_t, int64_t>{1, 30}, {600, 599}, {3600, 599}, {120, 120}}) {
    PushedAuthorizationEndpoint endpoint(auth_.authenticator, auth_.dpop, context_, asked, rate_);
    Params body = authorize_query();
    body.erase("client_id");
    auto r = endpoint.handle({body, "Basic " + base64_encode("finance-app:finance-secret")});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->expires_in, kept) << asked;
  }
}

TEST_F(PushedRequestTest, AuthorizeTakesThePushedParametersAndIgnoresTheQuerys) {
  Params body = authorize_query();
  body["state"] = std::string(500, 's');  // long states pass (FAPI 2.0 §5.3.2.2)
  const std::string uri = pushed_uri(body);
  // Whatever else the browser's query says is not the request (RFC 9126 §4).
  auto r = authorize(uri, {{"scope", "write:payments"},
                           {"redirect_uri", "https://evil.example/cb"},
                           {"state", "from-the-query"}});
  ASSERT_TRUE(r.ok()) << r.error().error.description;
  EXPECT_EQ(r->redirect_uri, kRedirect);
  EXPECT_EQ(r->state, std::string(500, 's'));
  EXPECT_EQ(join_scope(r->scopes), "read:accounts read:transactions");
  EXPECT_EQ(r->code_challenge, kChallenge);
  EXPECT_EQ(r->nonce, "n-0S6");
  EXPECT_EQ(r->request_uri, uri);
}

TEST_F(PushedRequestTest, SignetsOwnMarksComeFromTheQuery) {
  const std::string uri = pushed_uri();
  auto r = authorize(uri, {{"signet_login_time", "123"}, {"signet_login_mark", "m"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->params.at("signet_login_time"), "123");
  EXPECT_EQ(r->params.at("signet_login_mark"), "m");
  // ...and a pushed request cannot carry them (a client could otherwise forge them).
  Params body = authorize_query();
  body["signet_login_time"] = "999";
  const std::string forged = pushed_uri(body);
  auto f = authorize(forged);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->params.count("signet_login_time"), 0u);
}

TEST_F(PushedRequestTest, ARequestUriWorksOnlyForTheClientThatPushedIt) {
  const std::string uri = pushed_uri();
  expect_refused_without_redirect(authorize(uri, {}, "other-app"), "invalid_request_uri");
  EXPECT_TRUE(authorize(uri).ok()) << "control: its own client";
}

TEST_F(PushedRequestTest, AnExpiredRequestUriIsRefused) {
  const std::string uri = pushed_uri();
  clock_.advance(89);
  EXPECT_TRUE(authorize(uri).ok()) << "control: within its lifetime";
  clock_.advance(1);
  expect_refused_without_redirect(authorize(uri), "invalid_request_uri");
}

TEST_F(PushedRequestTest, AnUnknownRequestUriIsRefusedWithoutRedirect) {
  expect_refused_without_redirect(authorize(std::string(kRequestUriPrefix) + "not-one-we-minted"),
                                  "invalid_request_uri");
}

// Spent when the authorization completes, not when the page loads: loading the
// sign-in page twice works, issuing a second code does not.
TEST_F(PushedRequestTest, IssuingTheCodeSpendsTheRequestUriOnce) {
  const std::string uri = pushed_uri();
  auto first = authorize(uri);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(authorize(uri).ok()) << "a reload before the authorization completes";
  auto code = issue_authorization_code(*first, "alice", clock_.now(), codes_, clock_, 60);
  ASSERT_TRUE(code.ok()) << code.error().detail;
  EXPECT_EQ(codes_.size(), 1u);
  expect_refused_without_redirect(authorize(uri), "invalid_request_uri");
  // Two consents racing with the same validated request: only one code.
  auto again = issue_authorization_code(*first, "alice", clock_.now(), codes_, clock_, 60);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "invalid_request_uri");
  EXPECT_EQ(codes_.size(), 1u);
}

TEST_F(PushedRequestTest, ARefusedAuthorizationSpendsItToo) {
  const std::string uri = pushed_uri();
  ASSERT_TRUE(pushed_.spend_pushed_request(sha256_b64url(uri), clock_.now()).ok());
  expect_refused_without_redirect(authorize(uri), "invalid_request_uri");
}

TEST_F(PushedRequestTest, AClientThatMustPushIsRefusedAFrontChannelRequest) {
  Client strict = finance_app();
  strict.require_pushed_authorization_requests = true;
  clients_.add(strict);
  auto r = validate_authorize_request(authorize_query(), context_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, "invalid_request");
  EXPECT_TRUE(r.error().error.redirectable);  // the redirect URI was proven first
  EXPECT_TRUE(authorize(pushed_uri()).ok()) << "control: the same request, pushed";
}

TEST_F(PushedRequestTest, AServerThatRequiresPushingRefusesEveryFrontChannelRequest) {
  AuthorizeContext strict{clients_, pushed_, clock_};
  strict.require_pushed_requests = true;
  auto r = validate_authorize_request(authorize_query(), strict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, "invalid_request");
  EXPECT_TRUE(validate_authorize_request(authorize_query(), context_).ok()) << "control";
}

TEST_F(PushedRequestTest, ThePushEndpointAuthenticatesTheClient) {
  auto r = push(authorize_query(), "wrong-secret");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_client");
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(pushed_.size(), 0u);
  // A public client authenticates with none: its client_id in the body.
  Params body = authorize_query();
  body["client_id"] = "mobile-app";
  body["redirect_uri"] = "com.example.mobile:/callback";
  body["scope"] = "read:accounts";
  auto pub = endpoint_.handle({body, std::nullopt});
  EXPECT_TRUE(pub.ok()) << (pub ? "" : pub.error().description);
}

TEST_F(PushedRequestTest, ABodyClientIdOtherThanTheAuthenticatedOneIsRefused) {
  Params body = authorize_query();
  body["client_id"] = "other-app";
  auto r = endpoint_.handle({body, "Basic " + base64_encode("finance-app:finance-secret")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_request");
  EXPECT_EQ(pushed_.size(), 0u);
}

TEST_F(PushedRequestTest, APushedRequestCannotNameARequestUri) {
  Params body = authorize_query();
  body["request_uri"] = "https://client.example/request.jwt";
  auto r = push(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_request");
  EXPECT_EQ(pushed_.size(), 0u);
}

// The authorization endpoint's rules apply when the request is pushed, and the
// refusal goes to the client as JSON, never through a browser.
TEST_F(PushedRequestTest, AnInvalidRequestIsRefusedAtThePushNotStored) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"code_challenge", "invalid_request"},
      {"response_type", "invalid_request"},
      {"redirect_uri", "invalid_request"},
      {"scope", "invalid_scope"},
  };
  for (const auto& [missing, code] : cases) {
    Params body = authorize_query();
    body.erase(missing);
    auto r = push(body);
    ASSERT_FALSE(r.ok()) << missing;
    EXPECT_EQ(r.error().code, code) << missing;
    EXPECT_FALSE(r.error().redirectable) << missing;
  }
  Params plain = authorize_query();
  plain["code_challenge_method"] = "plain";
  EXPECT_FALSE(push(plain).ok());
  Params unregistered = authorize_query();
  unregistered["redirect_uri"] = "https://evil.example/cb";
  EXPECT_FALSE(push(unregistered).ok());
  EXPECT_EQ(pushed_.size(), 0u);
  EXPECT_TRUE(push(authorize_query()).ok()) << "control";
}

TEST_F(PushedRequestTest, AClientOverItsRateIsSlowedDown) {
  ClientRateLimit one{1, 1, micros_};  // the fixed clock never refills: one request
  PushedAuthorizationEndpoint endpoint(auth_.authenticator, auth_.dpop, context_, 90, one);
  Params body = authorize_query();
  body.erase("client_id");
  const std::string basic = "Basic " + base64_encode("finance-app:finance-secret");
  EXPECT_TRUE(endpoint.handle({body, basic}).ok());
  auto r = endpoint.handle({body, basic});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "slow_down");
  EXPECT_EQ(r.error().status, 429);
}

}  // namespace
}  // namespace signet::protocol::testing
