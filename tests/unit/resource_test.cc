// signet::resource: access-token verification against a JWKS served by a fake
// HttpGet, with a FakeClock. Each rejection test guards one check.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "common/base64url.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/bearer.h"
#include "resource/resource_server.h"

namespace signet::resource {
namespace {

using jose::Alg;
using jose::PrivateKey;
using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kMetadataUrl[] = "https://issuer.example/.well-known/oauth-authorization-server";
constexpr char kJwksUrl[] = "https://issuer.example/jwks";

// A fake issuer: serves metadata and a JWKS, and counts requests.
struct FakeIssuer {
  std::mutex mu;
  json jwks = {{"keys", json::array()}};
  json metadata = {{"issuer", kIssuer}, {"jwks_uri", kJwksUrl}};
  std::map<std::string, int> hits;
  bool down = false;

  void publish(const PrivateKey& k) {
    std::lock_guard lock(mu);
    jwks["keys"].push_back(k.public_jwk());
  }
  int count(const std::string& url) {
    std::lock_guard lock(mu);
    return hits[url];
  }
  HttpGet getter() {
    return [this](const std::string& url) -> Result<std::string> {
      std::lock_guard lock(mu);
      ++hits[url];
      if (down) return fail("http_failed", "down");
      if (url == kMetadataUrl) return metadata.dump();
      if (url == kJwksUrl) return jwks.dump();
      return fail("http_failed", "404");
    };
  }
};

class ResourceTest : public ::testing::Test {
 protected:
  ResourceTest() : key_(PrivateKey::generate(Alg::ES256).value()) {
    issuer_.publish(key_);
    clock_ = std::make_shared<FakeClock>();
    options_.issuer = kIssuer;
    options_.audience = "bank-api";
    options_.min_refetch_interval_seconds = 30;
    options_.leeway_seconds = 30;
  }

  std::unique_ptr<TokenVerifier> verifier() {
    return std::make_unique<TokenVerifier>(options_, issuer_.getter(), clock_);
  }

  json claims() const {
    int64_t now = clock_->now();
    return {{"iss", kIssuer},
            {"sub", "alice"},
            {"aud", "bank-api"},
            {"client_id", "finance-app"},
            {"scope", "read:accounts read:transactions"},
            {"iat", now},
            {"exp", now + 600},
            {"jti", "jti-1"}};
  }

  std::string token(const json& c, const json& header = {{"typ", "at+jwt"}}) const {
    return jose::sign_compact(key_, header, c);
  }
  std::string token() const { return token(claims()); }

  template <class F>
  std::string token_with(F&& edit) const {
    json c = claims();
    edit(c);
    return token(c);
  }

  static std::string bearer(const std::string& t) { return "Bearer " + t; }

  PrivateKey key_;
  FakeIssuer issuer_;
  std::shared_ptr<FakeClock> clock_;
  VerifierOptions options_;
};

TEST_F(ResourceTest, ValidTokenDiscoversKeysAndVerifies) {
  auto v = verifier();
  auto at = v->verify(token());
  ASSERT_TRUE(at.ok()) << at.error().description;
  EXPECT_EQ(at->subject, "alice");
  EXPECT_EQ(at->client_id, "finance-app");
  EXPECT_EQ(at->jti, "jti-1");
  EXPECT_EQ(at->expires_at, clock_->now() + 600);
  EXPECT_TRUE(at->has_scope("read:accounts"));
  EXPECT_TRUE(at->has_scope("read:transactions"));
  EXPECT_FALSE(at->has_scope("read"));
  EXPECT_FALSE(at->has_scope("write:payments"));
  EXPECT_EQ(issuer_.count(kMetadataUrl), 1);  // RFC 8414 discovery
  EXPECT_EQ(issuer_.count(kJwksUrl), 1);
  // Keys are cached: no more fetches.
  EXPECT_TRUE(v->verify(token_with([](json& c) { c["jti"] = "2"; })).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 1);
}

TEST_F(ResourceTest, ExplicitJwksUriSkipsDiscovery) {
  options_.jwks_uri = kJwksUrl;
  auto v = verifier();
  EXPECT_TRUE(v->refresh_keys());
  EXPECT_TRUE(v->verify(token()).ok());
  EXPECT_EQ(issuer_.count(kMetadataUrl), 0);
}

TEST_F(ResourceTest, DiscoveryWithIssuerPath) {
  // RFC 8414 §3: well-known goes before the issuer's path component.
  options_.issuer = "https://issuer.example/tenant";
  issuer_.metadata["issuer"] = "https://issuer.example/tenant";
  std::vector<std::string> urls;
  auto get = issuer_.getter();
  TokenVerifier v(
      options_,
      [&](const std::string& url) {
        urls.push_back(url);
        return get(url == "https://issuer.example/.well-known/oauth-authorization-server/tenant"
                       ? kMetadataUrl
                       : url);
      },
      clock_);
  EXPECT_TRUE(v.refresh_keys());
  ASSERT_FALSE(urls.empty());
  EXPECT_EQ(urls[0], "https://issuer.example/.well-known/oauth-authorization-server/tenant");
}

TEST_F(ResourceTest, MetadataForAnotherIssuerRefused) {
  issuer_.metadata["issuer"] = "https://evil.example";
  auto v = verifier();
  EXPECT_FALSE(v->refresh_keys());
  EXPECT_FALSE(v->verify(token()).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 0);
}

TEST_F(ResourceTest, WrongIssuerRefused) {
  auto v = verifier();
  auto r = v->verify(token_with([](json& c) { c["iss"] = "https://issuer.example/"; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 401);
  EXPECT_EQ(r.error().description, "wrong issuer");
  EXPECT_FALSE(v->verify(token_with([](json& c) { c.erase("iss"); })).ok());
}

TEST_F(ResourceTest, AudienceStringOrArray) {
  auto v = verifier();
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["aud"] = "other-api"; })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c.erase("aud"); })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["aud"] = json::array({"a", "b"}); })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["aud"] = json::array({1, 2}); })).ok());
  EXPECT_TRUE(v->verify(token_with([](json& c) {
                 c["aud"] = json::array({"other", "bank-api"});
               })).ok());
  auto r = v->verify(token_with([](json& c) { c["aud"] = "bank"; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "wrong audience");
}

// RFC 9068 §4: an ID token (typ JWT) or untyped JWT is not an access token.
TEST_F(ResourceTest, TypMustBeAtJwt) {
  auto v = verifier();
  for (const char* typ : {"JWT", "jwt", "at+jwt2", "", "id_token"}) {
    auto r = v->verify(token(claims(), {{"typ", typ}}));
    ASSERT_FALSE(r.ok()) << typ;
    EXPECT_EQ(r.error().description, "wrong token type");
  }
  EXPECT_FALSE(v->verify(token(claims(), json::object())).ok());
  EXPECT_FALSE(v->verify(token(claims(), {{"typ", 1}})).ok());
  for (const char* typ : {"at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"}) {
    json c = claims();
    c["jti"] = typ;
    EXPECT_TRUE(v->verify(token(c, {{"typ", typ}})).ok()) << typ;
  }
}

TEST_F(ResourceTest, ExpiredRefusedWithLeeway) {
  auto v = verifier();
  int64_t now = clock_->now();
  EXPECT_TRUE(v->verify(token_with([&](json& c) { c["exp"] = now - 10; })).ok());  // leeway
  auto r = v->verify(token_with([&](json& c) { c["exp"] = now - 31; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "token expired");
  EXPECT_EQ(r.error().status(), 401);
}

TEST_F(ResourceTest, CachedTokenStillExpires) {
  auto v = verifier();
  std::string t = token();
  ASSERT_TRUE(v->verify(t).ok());
  ASSERT_TRUE(v->verify(t).ok());  // from the cache
  clock_->advance(600 + 30);
  auto r = v->verify(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "token expired");
}

TEST_F(ResourceTest, MissingOrBadExpRefused) {
  auto v = verifier();
  auto r = v->verify(token_with([](json& c) { c.erase("exp"); }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "exp missing");
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["exp"] = "9999999999"; })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["exp"] = nullptr; })).ok());
}

TEST_F(ResourceTest, NbfInTheFutureRefused) {
  auto v = verifier();
  int64_t now = clock_->now();
  auto r = v->verify(token_with([&](json& c) { c["nbf"] = now + 60; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "token not yet valid");
  EXPECT_FALSE(v->verify(token_with([&](json& c) { c["nbf"] = "soon"; })).ok());
  EXPECT_TRUE(v->verify(token_with([&](json& c) { c["nbf"] = now + 10; })).ok());  // leeway
}

TEST_F(ResourceTest, IatRequiredAndNotInTheFuture) {
  auto v = verifier();
  int64_t now = clock_->now();
  EXPECT_FALSE(v->verify(token_with([](json& c) { c.erase("iat"); })).ok());
  EXPECT_FALSE(v->verify(token_with([&](json& c) { c["iat"] = now + 120; })).ok());
  EXPECT_TRUE(v->verify(token_with([&](json& c) { c["iat"] = now + 5; })).ok());
}

TEST_F(ResourceTest, SubClientIdScopeTypes) {
  auto v = verifier();
  EXPECT_FALSE(v->verify(token_with([](json& c) { c.erase("sub"); })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["sub"] = 42; })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c.erase("client_id"); })).ok());
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["scope"] = json::array({"a"}); })).ok());
  auto r = v->verify(token_with([](json& c) { c.erase("scope"); }));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->scopes.empty());
}

// RFC 9396 §9.1: authorization_details and FAPI Grant Management's grant_id
// reach the handler as they are in the token.
TEST_F(ResourceTest, AuthorizationDetailsAndGrantIdExposed) {
  auto v = verifier();
  auto plain = v->verify(token());
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->authorization_details.is_array());
  EXPECT_TRUE(plain->authorization_details.empty());
  EXPECT_EQ(plain->grant_id, "");

  json details =
      json::array({{{"type", "payment_initiation"},
                    {"instructedAmount", {{"currency", "EUR"}, {"amount", "123.50"}}},
                    {"creditorAccount", {{"iban", "DE02100100109307118603"}}}},
                   {{"type", "account_information"}, {"access", {{"accounts", json::array()}}}}});
  auto at = v->verify(token_with([&](json& c) {
    c["jti"] = "with-details";
    c["authorization_details"] = details;
    c["grant_id"] = "grant-42";
  }));
  ASSERT_TRUE(at.ok()) << at.error().description;
  EXPECT_EQ(at->authorization_details, details);
  EXPECT_EQ(at->grant_id, "grant-42");
  // From the cache too.
  auto again = v->verify(token_with([&](json& c) {
    c["jti"] = "with-details";
    c["authorization_details"] = details;
    c["grant_id"] = "grant-42";
  }));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->authorization_details, details);
  EXPECT_EQ(again->grant_id, "grant-42");
}

// A claim the API cannot read safely makes the token unusable, never "no details".
TEST_F(ResourceTest, MalformedAuthorizationDetailsOrGrantIdIsInvalidToken) {
  auto v = verifier();
  int n = 0;
  for (const json& bad :
       {json("payment_initiation"), json::object({{"type", "x"}}),
        json::array({"payment_initiation"}), json::array({json::object({{"amount", "1"}})}),
        json::array({json::object({{"type", 7}})}),
        json::array({json::object({{"type", "a"}}), json(nullptr)}), json(nullptr)}) {
    auto r = v->authorize(bearer(token_with([&](json& c) {
                            c["jti"] = "bad-details-" + std::to_string(++n);
                            c["authorization_details"] = bad;
                          })),
                          "");
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().kind, AuthErrorKind::kInvalidToken) << bad.dump();
    EXPECT_EQ(r.error().status(), 401);
    EXPECT_EQ(r.error().description, "authorization_details has the wrong type");
  }
  for (const json& bad : {json(42), json::array({"g"}), json(nullptr)}) {
    auto r = v->verify(token_with([&](json& c) {
      c["jti"] = "bad-grant-" + std::to_string(++n);
      c["grant_id"] = bad;
    }));
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().kind, AuthErrorKind::kInvalidToken);
    EXPECT_EQ(r.error().description, "grant_id has the wrong type");
  }
  // An empty array is no details at all.
  auto empty = v->verify(token_with([](json& c) {
    c["jti"] = "empty-details";
    c["authorization_details"] = json::array();
  }));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->authorization_details.empty());
}

// For an API that authorizes with no scope and decides afterwards: the same 403
// the library gives, in the token's scheme and with this API's realm.
TEST_F(ResourceTest, InsufficientScopeForAVerifiedToken) {
  auto v = verifier();
  auto at = v->authorize(bearer(token()), "");
  ASSERT_TRUE(at.ok());
  AuthError e = v->insufficient_scope(*at, "write:payments", "amount differs from the consent");
  EXPECT_EQ(e.status(), 403);
  EXPECT_EQ(e.body()["error"], "insufficient_scope");
  EXPECT_EQ(e.body()["error_description"], "amount differs from the consent");
  EXPECT_EQ(
      e.www_authenticate().rfind("Bearer realm=\"bank-api\", error=\"insufficient_scope\"", 0), 0u)
      << e.www_authenticate();
  AccessToken bound = *at;
  bound.jkt = "thumbprint";
  EXPECT_EQ(v->insufficient_scope(bound, "read:accounts").www_authenticate().rfind("DPoP ", 0), 0u);
  // Revocations not followed: nothing to be stale about.
  EXPECT_FALSE(v->unavailable_while_stale());
}

TEST_F(ResourceTest, BadSignatureAndAlgNoneRefused) {
  auto v = verifier();
  std::string t = token();
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  auto r = v->verify(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 401);
  json h = {{"alg", "none"}, {"typ", "at+jwt"}, {"kid", key_.kid()}};
  std::string none = base64url_encode(h.dump()) + "." + base64url_encode(claims().dump()) + ".";
  EXPECT_FALSE(v->verify(none).ok());
  EXPECT_FALSE(v->verify(std::string(9000, 'A')).ok());
}

// An unknown kid refetches the JWKS once; further unknown kids within the interval
// do not hit the issuer again.
TEST_F(ResourceTest, UnknownKidRefetchesOnceThenRateLimits) {
  auto v = verifier();
  ASSERT_TRUE(v->verify(token()).ok());
  ASSERT_EQ(issuer_.count(kJwksUrl), 1);

  // The initial load counts as a fetch too: wait out the interval first.
  clock_->advance(31);
  PrivateKey rotated = PrivateKey::generate(Alg::ES256).value();
  std::string t1 = jose::sign_compact(rotated, {{"typ", "at+jwt"}}, claims());
  auto r = v->verify(t1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().description, "unknown signing key");
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);  // one refetch
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(v->verify(t1).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);  // rate-limited

  // The issuer publishes the new key; after the interval one refetch picks it up.
  issuer_.publish(rotated);
  clock_->advance(10);
  EXPECT_FALSE(v->verify(t1).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);
  clock_->advance(25);
  EXPECT_TRUE(v->verify(t1).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 3);
  EXPECT_TRUE(v->verify(token()).ok());  // the old key is still published
}

// A key the issuer withdraws (signet keys revoke) leaves its JWKS: the periodic
// refetch forgets it, and with it the tokens already verified with it.
TEST_F(ResourceTest, WithdrawnKeyIsForgottenAtThePeriodicRefetch) {
  options_.jwks_refresh_interval_seconds = 60;
  auto v = verifier();
  PrivateKey other = PrivateKey::generate(Alg::ES256).value();
  issuer_.publish(other);
  const std::string t = token();
  ASSERT_TRUE(v->verify(t).ok());
  ASSERT_TRUE(v->verify(t).ok());  // now from the verified-token cache
  ASSERT_EQ(issuer_.count(kJwksUrl), 1);
  {
    std::lock_guard lock(issuer_.mu);
    issuer_.jwks["keys"] = json::array({other.public_jwk()});
  }
  clock_->advance(59);
  EXPECT_TRUE(v->verify(t).ok()) << "within the interval the cached keys are used";
  EXPECT_EQ(issuer_.count(kJwksUrl), 1);
  clock_->advance(1);
  auto r = v->verify(t);
  ASSERT_FALSE(r.ok()) << "a cached token of a withdrawn key must be refused";
  EXPECT_EQ(r.error().status(), 401);
  EXPECT_EQ(r.error().description, "unknown signing key");
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);
  EXPECT_FALSE(v->verify(token_with([](json& c) { c["jti"] = "fresh"; })).ok());
  EXPECT_TRUE(v->verify(jose::sign_compact(other, {{"typ", "at+jwt"}}, claims())).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);  // no more fetches until the next interval
}

// A JWKS outage must not lock everyone out: a failed refetch keeps the keys.
TEST_F(ResourceTest, FailedPeriodicRefetchKeepsTheKeys) {
  options_.jwks_refresh_interval_seconds = 5;
  auto v = verifier();
  const std::string t = token();
  ASSERT_TRUE(v->verify(t).ok());
  issuer_.down = true;
  clock_->advance(5);
  EXPECT_TRUE(v->verify(t).ok());
  EXPECT_TRUE(v->verify(token_with([](json& c) { c["jti"] = "fresh"; })).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);  // one attempt, failed
  clock_->advance(4);
  EXPECT_TRUE(v->verify(t).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 2);  // retried only after the interval
  clock_->advance(1);
  EXPECT_TRUE(v->verify(t).ok());
  EXPECT_EQ(issuer_.count(kJwksUrl), 3);
}

TEST_F(ResourceTest, IssuerDownFailsClosed) {
  issuer_.down = true;
  auto v = verifier();
  EXPECT_FALSE(v->refresh_keys());
  auto r = v->verify(token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 401);
}

TEST_F(ResourceTest, UnusableJwksEntriesSkipped) {
  {
    std::lock_guard lock(issuer_.mu);
    issuer_.jwks["keys"].push_back({{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}});
    issuer_.jwks["keys"].push_back("garbage");
  }
  auto v = verifier();
  EXPECT_TRUE(v->verify(token()).ok());
  json h = {{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "hmac"}};
  std::string t = base64url_encode(h.dump()) + "." + base64url_encode(claims().dump()) + ".AAAA";
  EXPECT_FALSE(v->verify(t).ok());
}

TEST_F(ResourceTest, InsufficientScopeIs403WithScope) {
  auto v = verifier();
  auto r = v->authorize(bearer(token()), "write:payments");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, AuthErrorKind::kInsufficientScope);
  EXPECT_EQ(r.error().status(), 403);
  std::string www = r.error().www_authenticate();
  EXPECT_NE(www.find("Bearer realm=\"bank-api\", error=\"insufficient_scope\""), std::string::npos)
      << www;
  EXPECT_NE(www.find("scope=\"write:payments\""), std::string::npos) << www;
  EXPECT_EQ(r.error().body()["error"], "insufficient_scope");
  EXPECT_TRUE(v->authorize(bearer(token()), "read:accounts").ok());
  EXPECT_TRUE(v->authorize(bearer(token()), "").ok());
}

TEST_F(ResourceTest, MissingAuthorizationIs401WithBareChallenge) {
  auto v = verifier();
  for (std::optional<std::string_view> h :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{""},
        std::optional<std::string_view>{"Basic YWxpY2U6c2VjcmV0"},
        std::optional<std::string_view>{"BearerX abc"}}) {
    auto r = v->authorize(h, "read:accounts");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status(), 401);
    // RFC 6750 §3.1: no error code or other error information.
    EXPECT_EQ(r.error().www_authenticate(), "Bearer realm=\"bank-api\"");
    EXPECT_EQ(r.error().body(), json::object());
  }
}

// RFC 6750 §3.1: a malformed request (Bearer without a token, two tokens, bytes
// outside b64token) is 400 invalid_request, not an invalid token.
TEST_F(ResourceTest, GarbledAuthorizationIs400InvalidRequest) {
  auto v = verifier();
  std::string t = token();
  for (const std::string& h :
       {std::string("Bearer"), std::string("Bearer "), std::string("Bearer   "), "Bearer\t" + t,
        "Bearer " + t + " ", "Bearer " + t + " x", std::string("Bearer a b"), "Bearer " + t + ",",
        "Bearer \xc3\xa9" + t, "Bearer " + t + "\r\n", std::string("Bearer =abc")}) {
    auto r = v->authorize(h, "read:accounts");
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().status(), 400) << h;
    EXPECT_EQ(r.error().www_authenticate().rfind(
                  "Bearer realm=\"bank-api\", error=\"invalid_request\"", 0),
              0u)
        << r.error().www_authenticate();
    EXPECT_EQ(r.error().body()["error"], "invalid_request") << h;
  }
  // A well-formed value with a bad token is 401 invalid_token.
  auto bad = v->authorize(std::string("Bearer not.a.token"), "read:accounts");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status(), 401);
  EXPECT_EQ(bad.error().body()["error"], "invalid_token");
  // The scheme is case-insensitive (RFC 7235 §2.1); 1*SP before the token (RFC 6750 §2.1).
  EXPECT_TRUE(v->authorize("bearer " + t, "read:accounts").ok());
  EXPECT_TRUE(v->authorize("BEARER " + t, "read:accounts").ok());
  EXPECT_TRUE(v->authorize("Bearer  " + t, "read:accounts").ok());
}

TEST(Bearer, Token68Charset) {
  EXPECT_EQ(*parse_bearer("Bearer abc-._~+/=="), "abc-._~+/==");
  EXPECT_FALSE(parse_bearer("Bearer ab=c").ok());
  EXPECT_FALSE(parse_bearer("Bearer a\"b").ok());
  EXPECT_FALSE(parse_bearer("Bearer a b").ok());
}

TEST(AuthErrorFormat, StatusAndHeaderEscaping) {
  AuthError e;
  e.kind = AuthErrorKind::kInvalidRequest;
  e.description = "bad \"quote\" \\ here\n";
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.www_authenticate(),
            "Bearer error=\"invalid_request\", error_description=\"bad ?quote? ? here?\"");
  EXPECT_EQ(e.body()["error"], "invalid_request");
  e.kind = AuthErrorKind::kInvalidToken;
  EXPECT_EQ(e.status(), 401);
  e.realm = "bank \"api\"";
  EXPECT_EQ(e.www_authenticate(),
            "Bearer realm=\"bank ?api?\", error=\"invalid_token\", "
            "error_description=\"bad ?quote? ? here?\"");
  e.credentials_missing = true;
  EXPECT_EQ(e.www_authenticate(), "Bearer realm=\"bank ?api?\"");
}

TEST_F(ResourceTest, ConcurrentVerifyDuringRotation) {
  auto v = verifier();
  PrivateKey k2 = PrivateKey::generate(Alg::ES256).value();
  issuer_.publish(k2);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 100; ++j) {
        json c = claims();
        c["jti"] = std::to_string(i * 1000 + j);
        std::string t = jose::sign_compact(i % 2 ? key_ : k2, {{"typ", "at+jwt"}}, c);
        if (!v->verify(t).ok()) ++failures;
        if (j % 10 == 0) (void)v->refresh_keys();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace signet::resource
