// The token endpoint's rules (provider/protocol/token/), each test
// named after the rule or threat it proves. Issued tokens are verified with the
// jose layer and every claim is checked.
#include <gtest/gtest.h>

#include <memory>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jose/jws.h"
#include "jose/key_ring.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/token/pkce.h"
#include "protocol/token/token_endpoint.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

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

class TokenEndpointTest : public ::testing::Test {
 protected:
  TokenEndpointTest() {
    keys_.add(test_key(), jose::KeyState::kActive);
    clients_.add(finance_app());
    clients_.add(mobile_app());
    clients_.add(reporting_service());
  }

  // Runs the authorization endpoint for real and returns a fresh code.
  std::string mint_code(Params query = authorize_query(), int64_t lifetime = 60,
                        const std::string& subject = "alice") {
    auto req = validate_with_clients(query, clients_);
    EXPECT_TRUE(req.ok());
    if (!req) return {};
    auto code = issue_authorization_code(*req, subject, clock_.now(), codes_, clock_, lifetime);
    EXPECT_TRUE(code.ok());
    return code.ok() ? *code : std::string{};
  }

  // A code request authenticated with client_secret_basic.
  TokenRequest code_request(const std::string& code, const std::string& verifier = kVerifier) {
    TokenRequest r;
    r.form = {{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", kRedirect},
              {"code_verifier", verifier}};
    r.authorization = basic("finance-app", "finance-secret");
    return r;
  }

  Result<TokenResponse, OAuthError> post(const TokenRequest& r) {
    WiredTokenEndpoint endpoint(clients_, codes_, keys_, clock_);
    return endpoint.handle(r);
  }

  // Verifies the signature with the ring's public keys and returns header and claims.
  jose::VerifiedJws verify(const std::string& token) {
    auto v = jose::verify_compact(token,
                                  [this](std::string_view kid) { return keys_.find_public(kid); });
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().code);
    return v.ok() ? v.value() : jose::VerifiedJws{};
  }

  void expect_error(const Result<TokenResponse, OAuthError>& r, const std::string& code,
                    int status = 400) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().detail;
    EXPECT_EQ(r.error().status, status);
    EXPECT_FALSE(r.error().redirectable);
  }

  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  jose::KeyRing keys_;
};

// --- the authorization_code grant ---

TEST_F(TokenEndpointTest, CodeGrantIssuesRfc9068AccessToken) {
  const int64_t now = clock_.now();
  auto r = post(code_request(mint_code()));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->token_type, "Bearer");
  EXPECT_EQ(r->expires_in, 600);
  EXPECT_EQ(r->scope, "read:accounts read:transactions");

  auto jws = verify(r->access_token);
  EXPECT_EQ(jws.header["typ"], "at+jwt");
  EXPECT_EQ(jws.header["alg"], "ES256");
  EXPECT_EQ(jws.header["kid"], test_key().kid());
  const auto& c = jws.payload;
  EXPECT_EQ(c["iss"], kIssuer);
  EXPECT_EQ(c["sub"], "alice");
  EXPECT_EQ(c["aud"], kAudience);
  EXPECT_EQ(c["client_id"], "finance-app");
  EXPECT_EQ(c["scope"], "read:accounts read:transactions");
  EXPECT_EQ(c["iat"], now);
  EXPECT_EQ(c["exp"], now + 600);
  ASSERT_TRUE(c["jti"].is_string());
  EXPECT_GE(c["jti"].get<std::string>().size(), 22u);  // 128 random bits
}

TEST_F(TokenEndpointTest, RedeemedCodeRecordsTheIssuedTokenId) {
  std::string code = mint_code();
  auto r = post(code_request(code));
  ASSERT_TRUE(r.ok());
  auto jti = verify(r->access_token).payload["jti"].get<std::string>();
  EXPECT_EQ(codes_.issued_jtis(sha256_b64url(code)), std::vector<std::string>{jti});
  auto stored = codes_.find_code(sha256_b64url(code));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->used_at, clock_.now());
}

TEST_F(TokenEndpointTest, ReplayedCodeRevokesIssuedTokens) {
  std::string code = mint_code();
  auto first = post(code_request(code));
  ASSERT_TRUE(first.ok());
  auto jti = verify(first->access_token).payload["jti"].get<std::string>();
  EXPECT_FALSE(codes_.is_revoked(jti));

  clock_.advance(5);
  auto second = post(code_request(code));
  expect_error(second, "invalid_grant");
  EXPECT_TRUE(codes_.is_revoked(jti));
  EXPECT_EQ(codes_.issued_jtis(sha256_b64url(code)).size(), 1u);
}

TEST_F(TokenEndpointTest, ReplayAfterExpiryStillRevokes) {
  std::string code = mint_code();
  auto first = post(code_request(code));
  ASSERT_TRUE(first.ok());
  auto jti = verify(first->access_token).payload["jti"].get<std::string>();
  clock_.advance(3600);
  expect_error(post(code_request(code)), "invalid_grant");
  EXPECT_TRUE(codes_.is_revoked(jti));
}

TEST_F(TokenEndpointTest, LosingAConcurrentRedemptionIsInvalidGrant) {
  std::string code = mint_code();
  // Another request redeems the code between our find_code and redeem_code.
  codes_.before_redeem = [this](MemoryCodeStore& store, std::string_view digest) {
    store.mark_used(digest, clock_.now());
  };
  auto r = post(code_request(code));
  expect_error(r, "invalid_grant");
  EXPECT_TRUE(codes_.issued_jtis(sha256_b64url(code)).empty());
}

TEST_F(TokenEndpointTest, UnknownCodeIsInvalidGrant) {
  expect_error(post(code_request(random_token(32))), "invalid_grant");
}

TEST_F(TokenEndpointTest, CodeExpiresAfterSixtySeconds) {
  // Configured for ten minutes; the server caps it at 60 s (RFC 9700 §4.1.1).
  std::string fresh = mint_code(authorize_query(), 600);
  std::string stale = mint_code(authorize_query(), 600);
  clock_.advance(59);
  EXPECT_TRUE(post(code_request(fresh)).ok());
  clock_.advance(1);
  expect_error(post(code_request(stale)), "invalid_grant");
}

TEST_F(TokenEndpointTest, CodeExpiresAtItsConfiguredLifetime) {
  std::string code = mint_code(authorize_query(), 10);
  clock_.advance(10);
  expect_error(post(code_request(code)), "invalid_grant");
}

TEST_F(TokenEndpointTest, ExpiredCodeIsNotConsumed) {
  std::string code = mint_code();
  clock_.advance(60);
  expect_error(post(code_request(code)), "invalid_grant");
  EXPECT_TRUE(codes_.issued_jtis(sha256_b64url(code)).empty());
}

TEST_F(TokenEndpointTest, WrongVerifierIsInvalidGrant) {
  std::string code = mint_code();
  expect_error(post(code_request(code, std::string(43, 'a'))), "invalid_grant");
  // The code survives a wrong guess by someone who lacks the verifier, and
  // the real client can still redeem it.
  EXPECT_TRUE(post(code_request(code)).ok());
}

TEST_F(TokenEndpointTest, ChallengeItselfIsNotAVerifier) {
  // A plain-style downgrade: presenting the challenge as the verifier.
  expect_error(post(code_request(mint_code(), kChallenge)), "invalid_grant");
}

TEST_F(TokenEndpointTest, VerifierShorterThan43CharactersIsRefused) {
  std::string short_verifier(42, 'v');
  auto q = authorize_query();
  q["code_challenge"] = sha256_b64url(short_verifier);
  expect_error(post(code_request(mint_code(q), short_verifier)), "invalid_grant");
}

TEST_F(TokenEndpointTest, VerifierLongerThan128CharactersIsRefused) {
  std::string long_verifier(129, 'v');
  auto q = authorize_query();
  q["code_challenge"] = sha256_b64url(long_verifier);
  expect_error(post(code_request(mint_code(q), long_verifier)), "invalid_grant");
}

TEST_F(TokenEndpointTest, VerifierOutsideUnreservedAlphabetIsRefused) {
  std::string odd_verifier = std::string(42, 'v') + "+";
  auto q = authorize_query();
  q["code_challenge"] = sha256_b64url(odd_verifier);
  expect_error(post(code_request(mint_code(q), odd_verifier)), "invalid_grant");
}

TEST_F(TokenEndpointTest, VerifierAtBothLengthLimitsIsAccepted) {
  for (size_t n : {43u, 128u}) {
    std::string v(n, '~');
    auto q = authorize_query();
    q["code_challenge"] = sha256_b64url(v);
    EXPECT_TRUE(post(code_request(mint_code(q), v)).ok()) << n;
  }
}

TEST_F(TokenEndpointTest, MissingVerifierIsInvalidRequest) {
  auto r = code_request(mint_code());
  r.form.erase("code_verifier");
  expect_error(post(r), "invalid_request");
}

TEST_F(TokenEndpointTest, CodeBoundToItsClient) {
  Client thief = finance_app("thief-secret");
  thief.client_id = "thief";
  clients_.add(thief);
  auto r = code_request(mint_code());
  r.authorization = basic("thief", "thief-secret");
  expect_error(post(r), "invalid_grant");
}

// A used code that reaches another client (a log, a referrer) is refused without
// revoking anything: only the owner's own replay revokes (RFC 6749 §4.1.3 first).
TEST_F(TokenEndpointTest, UsedCodeOfAnotherClientRevokesNothing) {
  Client stranger = finance_app("stranger-secret");
  stranger.client_id = "stranger";
  clients_.add(stranger);
  std::string code = mint_code();
  auto first = post(code_request(code));
  ASSERT_TRUE(first.ok());
  auto jti = verify(first->access_token).payload["jti"].get<std::string>();

  auto r = code_request(code);
  r.authorization = basic("stranger", "stranger-secret");
  expect_error(post(r), "invalid_grant");
  EXPECT_FALSE(codes_.is_revoked(jti)) << "a stranger revoked the owner's token";

  expect_error(post(code_request(code)), "invalid_grant");
  EXPECT_TRUE(codes_.is_revoked(jti)) << "the owner's own replay still revokes";
}

TEST_F(TokenEndpointTest, RedirectUriMustMatchTheAuthorizationRequest) {
  std::string code = mint_code();
  for (std::string other : {"https://finance.example/other", "https://finance.example/callback/",
                            "https://finance.example/callback?x=1"}) {
    auto r = code_request(code);
    r.form["redirect_uri"] = other;
    expect_error(post(r), "invalid_grant");
  }
}

TEST_F(TokenEndpointTest, MissingRedirectUriIsInvalidRequest) {
  auto r = code_request(mint_code());
  r.form.erase("redirect_uri");
  expect_error(post(r), "invalid_request");
}

TEST_F(TokenEndpointTest, MissingCodeIsInvalidRequest) {
  auto r = code_request("");
  r.form.erase("code");
  expect_error(post(r), "invalid_request");
}

TEST_F(TokenEndpointTest, CodeFailuresShareOneDescription) {
  std::string used = mint_code();
  ASSERT_TRUE(post(code_request(used)).ok());
  auto replayed = post(code_request(used));
  auto unknown = post(code_request(random_token(32)));
  auto wrong_verifier = post(code_request(mint_code(), std::string(43, 'a')));
  ASSERT_FALSE(replayed.ok() || unknown.ok() || wrong_verifier.ok());
  EXPECT_EQ(replayed.error().description, unknown.error().description);
  EXPECT_EQ(unknown.error().description, wrong_verifier.error().description);
  EXPECT_NE(replayed.error().detail, unknown.error().detail);
}

TEST_F(TokenEndpointTest, ClientWithoutCodeGrantCannotRedeem) {
  Client c = finance_app();
  std::string code = mint_code();
  c.grant_types = {"client_credentials"};
  clients_.add(c);
  expect_error(post(code_request(code)), "unauthorized_client");
}

TEST_F(TokenEndpointTest, PublicClientRedeemsWithClientIdAndVerifier) {
  auto q = authorize_query();
  q["client_id"] = "mobile-app";
  q["redirect_uri"] = "com.example.mobile:/callback";
  q["scope"] = "read:accounts";
  TokenRequest r;
  r.form = {{"grant_type", "authorization_code"},
            {"client_id", "mobile-app"},
            {"code", mint_code(q, 60, "bob")},
            {"redirect_uri", "com.example.mobile:/callback"},
            {"code_verifier", kVerifier}};
  auto t = post(r);
  ASSERT_TRUE(t.ok()) << t.error().detail;
  auto c = verify(t->access_token).payload;
  EXPECT_EQ(c["sub"], "bob");
  EXPECT_EQ(c["client_id"], "mobile-app");
  EXPECT_EQ(c["scope"], "read:accounts");
}

// --- client authentication (RFC 6749 §2.3.1) ---

TEST_F(TokenEndpointTest, ClientSecretPostAuthenticates) {
  auto r = code_request(mint_code());
  r.authorization.reset();
  r.form["client_id"] = "finance-app";
  r.form["client_secret"] = "finance-secret";
  EXPECT_TRUE(post(r).ok());
}

TEST_F(TokenEndpointTest, WrongSecretIsInvalidClient) {
  auto r = code_request(mint_code());
  r.authorization = basic("finance-app", "finance-secreT");
  expect_error(post(r), "invalid_client", 401);

  r.authorization.reset();
  r.form["client_id"] = "finance-app";
  r.form["client_secret"] = "wrong";
  expect_error(post(r), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, UnknownClientAndWrongSecretLookAlike) {
  TokenRequest unknown;
  unknown.form = {{"grant_type", "client_credentials"}};
  unknown.authorization = basic("nobody", "reporting-secret");
  TokenRequest wrong = unknown;
  wrong.authorization = basic("reporting", "not-it");
  auto a = post(unknown);
  auto b = post(wrong);
  expect_error(a, "invalid_client", 401);
  expect_error(b, "invalid_client", 401);
  EXPECT_EQ(a.error().description, b.error().description);
  EXPECT_EQ(a.error().description.find("nobody"), std::string::npos);
}

TEST_F(TokenEndpointTest, ConfidentialClientWithoutSecretIsInvalidClient) {
  auto r = code_request(mint_code());
  r.authorization.reset();
  r.form["client_id"] = "finance-app";
  expect_error(post(r), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, PublicClientPresentingASecretIsInvalidClient) {
  TokenRequest r;
  r.form = {{"grant_type", "authorization_code"},
            {"client_id", "mobile-app"},
            {"client_secret", ""},
            {"code", "x"},
            {"redirect_uri", "com.example.mobile:/callback"},
            {"code_verifier", kVerifier}};
  expect_error(post(r), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, PublicClientCannotAuthenticateWithAStaleSecret) {
  // A client switched to public keeps no usable secret, even if a digest lingers.
  Client c = mobile_app();
  c.secret_digest = sha256_b64url("old-secret");
  clients_.add(c);
  TokenRequest r;
  r.form = {{"grant_type", "authorization_code"},
            {"code", "x"},
            {"redirect_uri", "com.example.mobile:/callback"},
            {"code_verifier", kVerifier}};
  r.authorization = basic("mobile-app", "old-secret");
  expect_error(post(r), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, NoClientAuthenticationIsInvalidClient) {
  auto r = code_request(mint_code());
  r.authorization.reset();
  expect_error(post(r), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, BasicCredentialsArePercentDecoded) {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding,
  // so ':' in the id and '%', '+' in the secret arrive escaped.
  const std::string secret = "p%ss+w:rd/ 100%";
  Client c = reporting_service(secret);
  c.client_id = "svc:eu";
  clients_.add(c);
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  r.authorization = basic("svc:eu", secret);
  ASSERT_NE(*r.authorization, "Basic " + base64_encode("svc:eu:" + secret));
  auto t = post(r);
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_EQ(verify(t->access_token).payload["sub"], "svc:eu");
}

TEST_F(TokenEndpointTest, BasicSplitsOnTheFirstColon) {
  // An unescaped ':' in the secret belongs to the secret.
  Client c = reporting_service("a:b");
  clients_.add(c);
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  r.authorization = "Basic " + base64_encode("reporting:a:b");
  EXPECT_TRUE(post(r).ok());
}

TEST_F(TokenEndpointTest, BasicSchemeIsCaseInsensitive) {
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  r.authorization = "bAsIc " + base64_encode("reporting:reporting-secret");
  EXPECT_TRUE(post(r).ok());
}

TEST_F(TokenEndpointTest, MalformedAuthorizationHeaderIsInvalidClient) {
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  for (std::string h :
       std::vector<std::string>{"Basic !!!notbase64", "Basic " + base64_encode("no-colon"),
                                "Bearer " + base64_encode("reporting:reporting-secret"), "Basic",
                                "Basic " + base64_encode("reporting:%zz")}) {
    r.authorization = h;
    expect_error(post(r), "invalid_client", 401);
  }
}

TEST_F(TokenEndpointTest, BasicAndPostTogetherIsInvalidRequest) {
  auto r = code_request(mint_code());
  r.form["client_id"] = "finance-app";
  r.form["client_secret"] = "finance-secret";
  expect_error(post(r), "invalid_request");
}

TEST_F(TokenEndpointTest, BodyClientIdMustMatchBasicClientId) {
  auto r = code_request(mint_code());
  r.form["client_id"] = "mobile-app";
  expect_error(post(r), "invalid_request");
  r.form["client_id"] = "finance-app";
  EXPECT_TRUE(post(r).ok());
}

TEST_F(TokenEndpointTest, ClientStoreOutageIsTemporarilyUnavailable) {
  std::string code = mint_code();
  clients_.unavailable = true;
  expect_error(post(code_request(code)), "temporarily_unavailable", 503);
}

TEST_F(TokenEndpointTest, CodeStoreOutageIsTemporarilyUnavailable) {
  std::string code = mint_code();
  codes_.unavailable = true;
  expect_error(post(code_request(code)), "temporarily_unavailable", 503);
}

// --- grant_type ---

TEST_F(TokenEndpointTest, MissingGrantTypeIsInvalidRequest) {
  auto r = code_request(mint_code());
  r.form.erase("grant_type");
  expect_error(post(r), "invalid_request");
}

TEST_F(TokenEndpointTest, UnknownGrantTypeIsUnsupported) {
  for (std::string g : {"password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"}) {
    auto r = code_request(mint_code());
    r.form["grant_type"] = g;
    expect_error(post(r), "unsupported_grant_type");
  }
}

// --- the client_credentials grant (RFC 6749 §4.4) ---

TokenRequest service_request(std::optional<std::string> scope = std::nullopt) {
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  if (scope) r.form["scope"] = *scope;
  r.authorization = basic("reporting", "reporting-secret");
  return r;
}

TEST_F(TokenEndpointTest, ClientCredentialsTokenHasTheClientAsSubject) {
  const int64_t now = clock_.now();
  auto r = post(service_request("read:transactions"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->expires_in, 600);
  EXPECT_EQ(r->scope, "read:transactions");
  auto jws = verify(r->access_token);
  EXPECT_EQ(jws.header["typ"], "at+jwt");
  EXPECT_EQ(jws.header["kid"], test_key().kid());
  const auto& c = jws.payload;
  EXPECT_EQ(c["iss"], kIssuer);
  EXPECT_EQ(c["sub"], "reporting");
  EXPECT_EQ(c["aud"], kAudience);
  EXPECT_EQ(c["client_id"], "reporting");
  EXPECT_EQ(c["scope"], "read:transactions");
  EXPECT_EQ(c["iat"], now);
  EXPECT_EQ(c["exp"], now + 600);
  EXPECT_TRUE(c["jti"].is_string());
}

TEST_F(TokenEndpointTest, ResourceThatIsNotAnAbsoluteUriIsInvalidTarget) {
  // RFC 8707 §2: even a value equal to the default audience is refused when it
  // is not an absolute URI (kAudience is such a name), and so is a fragment.
  for (const std::string& bad : {std::string(kAudience), std::string("https://api.example/#x")}) {
    TokenRequest r = service_request("read:transactions");
    r.form["resource"] = bad;
    auto out = post(r);
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.error().code, "invalid_target") << bad;
    EXPECT_EQ(out.error().status, 400) << bad;
  }
}

TEST_F(TokenEndpointTest, ClientCredentialsDefaultsToAllClientScopes) {
  auto r = post(service_request());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scope, "read:accounts read:transactions");
  EXPECT_EQ(verify(r->access_token).payload["scope"], "read:accounts read:transactions");
}

TEST_F(TokenEndpointTest, ClientCredentialsScopeOutsideClientSetIsInvalidScope) {
  expect_error(post(service_request("read:accounts write:payments")), "invalid_scope");
}

TEST_F(TokenEndpointTest, ClientCredentialsMalformedScopeIsInvalidScope) {
  expect_error(post(service_request("read:accounts \"x\"")), "invalid_scope");
}

TEST_F(TokenEndpointTest, PublicClientCannotUseClientCredentials) {
  Client c = mobile_app();
  c.grant_types = {"authorization_code", "client_credentials"};
  clients_.add(c);
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}, {"client_id", "mobile-app"}};
  expect_error(post(r), "unauthorized_client");
}

TEST_F(TokenEndpointTest, ClientWithoutClientCredentialsGrantIsUnauthorized) {
  TokenRequest r;
  r.form = {{"grant_type", "client_credentials"}};
  r.authorization = basic("finance-app", "finance-secret");
  expect_error(post(r), "unauthorized_client");
}

TEST_F(TokenEndpointTest, EachTokenHasItsOwnJti) {
  auto a = post(service_request());
  auto b = post(service_request());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(verify(a->access_token).payload["jti"], verify(b->access_token).payload["jti"]);
}

// --- signing keys ---

TEST_F(TokenEndpointTest, NoActiveKeyIsServerErrorAndLeavesTheCodeUnused) {
  keys_ = jose::KeyRing{};
  keys_.add(test_key(), jose::KeyState::kRetired);
  std::string code = mint_code();
  auto r = post(code_request(code));
  expect_error(r, "server_error", 500);
  EXPECT_EQ(r.error().description.find("key"), std::string::npos);
  auto stored = codes_.find_code(sha256_b64url(code));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->used_at.has_value());
}

TEST_F(TokenEndpointTest, TokenIsSignedByTheActiveKeyNotANextOne) {
  auto next = jose::PrivateKey::generate(jose::Alg::ES256);
  ASSERT_TRUE(next.ok());
  std::string next_kid = next->kid();
  keys_.add(std::move(next.value()), jose::KeyState::kNext);
  auto r = post(service_request());
  ASSERT_TRUE(r.ok());
  auto header = verify(r->access_token).header;
  EXPECT_EQ(header["kid"], test_key().kid());
  EXPECT_NE(header["kid"], next_kid);
}

// --- dispatch: grant_type, client authentication, rate, then the grant ---

// A grant that records what reached it.
class RecordingGrant final : public GrantHandler {
 public:
  explicit RecordingGrant(std::string type) : type_(std::move(type)) {}
  std::string_view grant_type() const override { return type_; }
  Result<TokenResponse, OAuthError> handle(const Client& client, const TokenRequest&) override {
    ++calls;
    seen_client = client.client_id;
    if (would_block) return fail(OAuthError::would_block());
    TokenResponse r;
    r.access_token = "from-" + type_;
    r.client_id = client.client_id;
    return r;
  }
  int calls = 0;
  std::string seen_client;
  bool would_block = false;

 private:
  std::string type_;
};

class StoppedMicros final : public MicroClock {
 public:
  int64_t now_micros() const override { return 1'000'000; }
};

class TokenDispatchTest : public ::testing::Test {
 protected:
  TokenDispatchTest() {
    Client c = reporting_service();
    c.grant_types.push_back(kGrant);
    clients_.add(c);
    clients_.add(finance_app());  // not registered for kGrant
  }

  static TokenRequest request(const std::string& grant_type, const std::string& client_id,
                              const std::string& secret) {
    TokenRequest r;
    r.form = {{"grant_type", grant_type}};
    r.authorization = basic(client_id, secret);
    return r;
  }
  TokenRequest reporting(const std::string& grant_type = kGrant) {
    return request(grant_type, "reporting", "reporting-secret");
  }

  static constexpr const char* kGrant = "urn:example:grant";
  MemoryClientStore clients_;
  FakeClock clock_;
  TestClientAuthentication auth_{clients_, clock_};
  RecordingGrant grant_{kGrant};
  RecordingGrant other_{"urn:example:other"};
  StoppedMicros micros_;
};

TEST_F(TokenDispatchTest, TheRequestGoesToTheHandlerOfItsGrantWithTheAuthenticatedClient) {
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {other_, grant_});
  auto r = endpoint.handle(reporting());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->access_token, "from-urn:example:grant");
  EXPECT_EQ(grant_.calls, 1);
  EXPECT_EQ(grant_.seen_client, "reporting");
  EXPECT_EQ(other_.calls, 0);
}

TEST_F(TokenDispatchTest, AGrantWithoutAHandlerIsUnsupported) {
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_});
  auto r = endpoint.handle(reporting("urn:example:unknown"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unsupported_grant_type");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(grant_.calls, 0);
}

TEST_F(TokenDispatchTest, WithoutRefreshTokensTheRefreshGrantIsUnsupported) {
  // No lifecycle store in the wiring: the refresh_token grant is not registered.
  MemoryCodeStore codes;
  jose::KeyRing keys;
  FakeClock clock;
  Client c = reporting_service();
  c.grant_types.push_back("refresh_token");
  clients_.add(c);
  WiredTokenEndpoint endpoint(clients_, codes, keys, clock);
  TokenRequest r = reporting("refresh_token");
  r.form["refresh_token"] = "some-token";
  auto out = endpoint.handle(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "unsupported_grant_type");
}

TEST_F(TokenDispatchTest, AnUnsupportedGrantIsRefusedBeforeTheClientIsAuthenticated) {
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_});
  // Neither a wrong secret nor a client store outage is looked at.
  auto wrong = endpoint.handle(request("password", "reporting", "wrong"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "unsupported_grant_type");
  clients_.unavailable = true;
  auto outage = endpoint.handle(reporting("password"));
  ASSERT_FALSE(outage.ok());
  EXPECT_EQ(outage.error().code, "unsupported_grant_type");
  TokenRequest none = reporting();
  none.form.erase("grant_type");
  auto missing = endpoint.handle(none);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "invalid_request");
}

TEST_F(TokenDispatchTest, AClientThatFailsAuthenticationNeverReachesTheGrant) {
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_});
  auto r = endpoint.handle(request(kGrant, "reporting", "wrong"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_client");
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(grant_.calls, 0);
}

TEST_F(TokenDispatchTest, AGrantTheClientMayNotUseIsUnauthorizedClientBeforeTheHandlerRuns) {
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_});
  auto r = endpoint.handle(request(kGrant, "finance-app", "finance-secret"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized_client");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(grant_.calls, 0);
}

TEST_F(TokenDispatchTest, TheRateLimitIsCheckedBeforeTheHandlerRuns) {
  ClientRateLimit limit(1, 1, micros_);  // the stopped clock never refills: one request
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_}, limit);
  ASSERT_TRUE(endpoint.handle(reporting()).ok());
  auto over = endpoint.handle(reporting());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "slow_down");
  EXPECT_EQ(over.error().status, 429);
  EXPECT_EQ(grant_.calls, 1);
}

TEST_F(TokenDispatchTest, ARateLimitedClientIsRefusedBeforeTheGrantCheck) {
  // The order of the checks: a client over its rate learns nothing about its grants.
  ClientRateLimit limit(1, 1, micros_);
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_}, limit);
  auto first = endpoint.handle(request(kGrant, "finance-app", "finance-secret"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, "unauthorized_client");
  auto second = endpoint.handle(request(kGrant, "finance-app", "finance-secret"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "slow_down");
}

TEST_F(TokenDispatchTest, AHandlerThatMustWaitGivesItsRequestBackToTheBucket) {
  ClientRateLimit limit(1, 1, micros_);
  TokenEndpoint endpoint(auth_.authenticator, auth_.dpop, {grant_}, limit);
  grant_.would_block = true;
  for (int i = 0; i < 3; ++i) {
    auto r = endpoint.handle(reporting());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is_would_block());
  }
  grant_.would_block = false;
  EXPECT_TRUE(endpoint.handle(reporting()).ok());
  EXPECT_EQ(grant_.calls, 4);
}

// --- PKCE and the response ---

TEST(Pkce, MatchesRfc7636AppendixB) {
  EXPECT_TRUE(verify_pkce_s256(kVerifier, kChallenge));
  EXPECT_FALSE(verify_pkce_s256(kVerifier, kVerifier));
  EXPECT_FALSE(verify_pkce_s256("", ""));
}

TEST(TokenResponseJson, HasTheRfc6749Members) {
  TokenResponse r;
  r.access_token = "at";
  r.expires_in = 600;
  r.scope = "read:accounts";
  EXPECT_EQ(r.to_json(), (nlohmann::json{{"access_token", "at"},
                                         {"token_type", "Bearer"},
                                         {"expires_in", 600},
                                         {"scope", "read:accounts"}}));
}

}  // namespace
}  // namespace signet::protocol::testing
