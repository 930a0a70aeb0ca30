// signet::resource and DPoP (RFC 9449 §7): a DPoP-bound access token is accepted
// only with one fresh proof, for this request and token, by the key the token is
// bound to. Tokens and proofs are made by hand with jose; each refusal test
// changes one thing from the passing control request.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "jose/dpop.h"
#include "jose/dpop_nonce.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/dpop_replay_cache.h"
#include "resource/resource_server.h"

namespace signet::resource {
namespace {

using jose::Alg;
using jose::DpopNonces;
using jose::PrivateKey;
using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kJwksUrl[] = "https://issuer.example/jwks";
constexpr char kUrl[] = "https://api.bank.example/accounts";
constexpr char kAlgs[] = "algs=\"ES256 PS256 EdDSA\"";
const std::string kSecret(32, 's');

class DpopResourceTest : public ::testing::Test {
 protected:
  DpopResourceTest()
      : issuer_key_(PrivateKey::generate(Alg::ES256).value()),
        client_key_(PrivateKey::generate(Alg::ES256).value()) {
    options_.issuer = kIssuer;
    options_.audience = "bank-api";
    options_.jwks_uri = kJwksUrl;
    options_.public_base_url = "https://api.bank.example";
  }

  std::unique_ptr<TokenVerifier> verifier() {
    json jwks = {{"keys", {issuer_key_.public_jwk()}}};
    return std::make_unique<TokenVerifier>(
        options_, [jwks](const std::string&) -> Result<std::string> { return jwks.dump(); },
        clock_);
  }

  // An RFC 9068 token bound to `key` (cnf.jkt, RFC 9449 §6.1), or a bearer token.
  std::string token(const PrivateKey* bound_to, const std::string& scope = "read:accounts") {
    int64_t now = clock_->now();
    json claims = {{"iss", kIssuer},    {"sub", "alice"},
                   {"aud", "bank-api"}, {"client_id", "app"},
                   {"scope", scope},    {"iat", now},
                   {"exp", now + 600},  {"jti", "t-" + std::to_string(++serial_)}};
    if (bound_to) claims["cnf"] = {{"jkt", *jose::jwk_thumbprint(bound_to->public_jwk())}};
    return jose::sign_compact(issuer_key_, {{"typ", "at+jwt"}}, claims);
  }

  std::string proof(const std::string& access_token, std::string_view method = "GET",
                    std::string_view url = kUrl, std::optional<int64_t> iat = std::nullopt,
                    std::optional<std::string_view> nonce = std::nullopt,
                    const PrivateKey* key = nullptr) {
    return jose::make_dpop_proof(key ? *key : client_key_, method, url, iat.value_or(clock_->now()),
                                 "p-" + std::to_string(++serial_), nonce, access_token);
  }

  // A request as the Pistache guard builds it; `proofs` are the DPoP header values.
  Result<AccessToken, AuthError> call(TokenVerifier& v, const std::string& authorization,
                                      std::vector<std::string> proofs,
                                      std::string_view method = "GET",
                                      std::string_view scope = "read:accounts") {
    held_ = std::move(proofs);
    ProtectedRequest r;
    r.method = method;
    r.url = kUrl;
    r.authorization = authorization;
    for (const auto& p : held_) r.dpop.push_back(p);
    return v.authorize(r, scope);
  }

  PrivateKey issuer_key_;
  PrivateKey client_key_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  VerifierOptions options_;
  std::vector<std::string> held_;
  int serial_ = 0;
};

void expect_refused(const Result<AccessToken, AuthError>& r, AuthErrorKind kind,
                    const std::string& www_authenticate) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, kind);
  EXPECT_EQ(r.error().status(), 401);
  EXPECT_EQ(r.error().www_authenticate(), www_authenticate);
}

TEST_F(DpopResourceTest, BoundTokenWithAGoodProofPasses) {
  auto v = verifier();
  std::string t = token(&client_key_);
  auto r = call(*v, "DPoP " + t, {proof(t)});
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->jkt, client_key_.kid());
  // The scheme is case-insensitive (RFC 9110 §11.1); the query is not part of htu.
  ProtectedRequest q;
  std::string p = proof(t);
  std::string lower_case = "dpop " + t;
  q.method = "GET";
  q.url = "https://api.bank.example/accounts?from=2024-01-01";
  q.authorization = lower_case;
  q.dpop = {p};
  EXPECT_TRUE(v->authorize(q, "read:accounts").ok());
}

TEST_F(DpopResourceTest, BoundTokenPresentedAsBearerIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  // RFC 9449 §7.2: invalid_token, and the DPoP challenge says how to present it.
  expect_refused(
      call(*v, "Bearer " + t, {proof(t)}), AuthErrorKind::kInvalidToken,
      "Bearer realm=\"bank-api\", error=\"invalid_token\", error_description=\"the "
      "token is DPoP-bound: present it with the DPoP scheme\", DPoP realm=\"bank-api\", " +
          std::string(kAlgs));
  // The Bearer-only entry point refuses it too.
  auto old = v->authorize(std::optional<std::string_view>("Bearer " + t), "read:accounts");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().kind, AuthErrorKind::kInvalidToken);
}

TEST_F(DpopResourceTest, BoundTokenWithoutAProofIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  expect_refused(call(*v, "DPoP " + t, {}), AuthErrorKind::kInvalidDpopProof,
                 "DPoP realm=\"bank-api\", error=\"invalid_dpop_proof\", error_description=\"DPoP "
                 "proof required\", " +
                     std::string(kAlgs));
}

TEST_F(DpopResourceTest, TwoProofsAreRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  auto two = call(*v, "DPoP " + t, {proof(t), proof(t)});
  expect_refused(
      two, AuthErrorKind::kInvalidDpopProof,
      "DPoP realm=\"bank-api\", error=\"invalid_dpop_proof\", error_description=\"exactly "
      "one DPoP proof required\", " +
          std::string(kAlgs));
  // Two lines folded into one by a proxy (RFC 9110 §5.3).
  auto folded = call(*v, "DPoP " + t, {proof(t) + ", " + proof(t)});
  ASSERT_FALSE(folded.ok());
  EXPECT_EQ(folded.error().kind, AuthErrorKind::kInvalidDpopProof);
}

TEST_F(DpopResourceTest, ProofByAnotherKeyIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  PrivateKey thief = PrivateKey::generate(Alg::ES256).value();
  // RFC 9449 §7.1: a valid proof, but not by the key the token is bound to.
  expect_refused(
      call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, std::nullopt, &thief)}),
      AuthErrorKind::kInvalidToken,
      "DPoP realm=\"bank-api\", error=\"invalid_token\", error_description=\"invalid DPoP "
      "key binding\", " +
          std::string(kAlgs));
}

TEST_F(DpopResourceTest, ProofForAnotherTokenIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  std::string other = token(&client_key_);
  auto r = call(*v, "DPoP " + t, {proof(other)});
  expect_refused(
      r, AuthErrorKind::kInvalidDpopProof,
      "DPoP realm=\"bank-api\", error=\"invalid_dpop_proof\", error_description=\"invalid "
      "DPoP proof: wrong_ath\", " +
          std::string(kAlgs));
}

TEST_F(DpopResourceTest, ProofForAnotherMethodOrUrlIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  auto method = call(*v, "DPoP " + t, {proof(t, "POST")});
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.error().kind, AuthErrorKind::kInvalidDpopProof);
  EXPECT_EQ(method.error().description, "invalid DPoP proof: wrong_method");
  for (const char* url : {"https://api.bank.example/payments", "https://evil.example/accounts",
                          "http://api.bank.example/accounts"}) {
    auto r = call(*v, "DPoP " + t, {proof(t, "GET", url)});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().description, "invalid DPoP proof: wrong_url") << url;
  }
}

TEST_F(DpopResourceTest, OldOrFutureProofIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  int64_t now = clock_->now();
  auto old = call(*v, "DPoP " + t, {proof(t, "GET", kUrl, now - 61)});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().description, "invalid DPoP proof: iat_too_old");
  auto future = call(*v, "DPoP " + t, {proof(t, "GET", kUrl, now + 6)});
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().description, "invalid DPoP proof: iat_in_future");
  EXPECT_TRUE(call(*v, "DPoP " + t, {proof(t, "GET", kUrl, now - 60)}).ok());  // the edge
}

TEST_F(DpopResourceTest, ReplayedProofIsRefused) {
  auto v = verifier();
  std::string t = token(&client_key_);
  std::string p = proof(t);
  ASSERT_TRUE(call(*v, "DPoP " + t, {p}).ok());
  clock_->advance(30);
  expect_refused(call(*v, "DPoP " + t, {p}), AuthErrorKind::kInvalidDpopProof,
                 "DPoP realm=\"bank-api\", error=\"invalid_dpop_proof\", error_description=\"DPoP "
                 "proof replayed\", " +
                     std::string(kAlgs));
  // Once out of the iat window the proof is refused as old: the cache may forget it.
  clock_->advance(31);
  auto later = call(*v, "DPoP " + t, {p});
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().description, "invalid DPoP proof: iat_too_old");
}

TEST_F(DpopResourceTest, CachedTokenStillNeedsAGoodProofOnEveryRequest) {
  auto v = verifier();
  std::string t = token(&client_key_);
  ASSERT_TRUE(call(*v, "DPoP " + t, {proof(t)}).ok());  // now in the verified-token cache
  auto none = call(*v, "DPoP " + t, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, AuthErrorKind::kInvalidDpopProof);
  auto elsewhere = call(*v, "DPoP " + t, {proof(t, "GET", "https://api.bank.example/other")});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().kind, AuthErrorKind::kInvalidDpopProof);
  PrivateKey thief = PrivateKey::generate(Alg::ES256).value();
  auto stolen = call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, std::nullopt, &thief)});
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().kind, AuthErrorKind::kInvalidToken);
  auto bearer = call(*v, "Bearer " + t, {});
  ASSERT_FALSE(bearer.ok());
  EXPECT_EQ(bearer.error().kind, AuthErrorKind::kInvalidToken);
  EXPECT_TRUE(call(*v, "DPoP " + t, {proof(t)}).ok());
}

TEST_F(DpopResourceTest, UnboundTokenWithTheDpopSchemeIsRefused) {
  auto v = verifier();
  std::string t = token(nullptr);
  expect_refused(call(*v, "DPoP " + t, {proof(t)}), AuthErrorKind::kInvalidToken,
                 "DPoP realm=\"bank-api\", error=\"invalid_token\", error_description=\"the token "
                 "is not DPoP-bound\", " +
                     std::string(kAlgs));
  // The same token as Bearer is fine.
  EXPECT_TRUE(call(*v, "Bearer " + t, {}).ok());
}

TEST_F(DpopResourceTest, TokenBoundToSomethingElseIsRefused) {
  auto v = verifier();
  int64_t now = clock_->now();
  json claims = {{"iss", kIssuer},
                 {"sub", "alice"},
                 {"aud", "bank-api"},
                 {"client_id", "app"},
                 {"iat", now},
                 {"exp", now + 600},
                 {"jti", "mtls"},
                 {"scope", "read:accounts"},
                 {"cnf", {{"x5t#S256", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}}};
  std::string t = jose::sign_compact(issuer_key_, {{"typ", "at+jwt"}}, claims);
  auto r = call(*v, "Bearer " + t, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, AuthErrorKind::kInvalidToken);
  EXPECT_EQ(r.error().description, "unsupported token binding");
}

TEST_F(DpopResourceTest, NoCredentialsGetBothChallenges) {
  auto v = verifier();
  for (const char* h : {"", "Basic YWxpY2U6c2VjcmV0", "DPoPX abc"}) {
    auto r = call(*v, h, {});
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().status(), 401);
    EXPECT_EQ(r.error().www_authenticate(),
              "Bearer realm=\"bank-api\", DPoP realm=\"bank-api\", " + std::string(kAlgs));
    EXPECT_EQ(r.error().body(), json::object());
  }
}

TEST_F(DpopResourceTest, GarbledDpopAuthorizationIs400) {
  auto v = verifier();
  std::string t = token(&client_key_);
  for (const std::string& h : {std::string("DPoP"), std::string("DPoP "), "DPoP " + t + " x",
                               "DPoP\t" + t, "DPoP " + t + ","}) {
    auto r = call(*v, h, {proof(t)});
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().status(), 400) << h;
    EXPECT_EQ(r.error().www_authenticate(),
              "DPoP realm=\"bank-api\", error=\"invalid_request\", error_description=\"malformed "
              "DPoP credentials\", " +
                  std::string(kAlgs));
  }
}

TEST_F(DpopResourceTest, MissingScopeIs403InTheDpopScheme) {
  auto v = verifier();
  std::string t = token(&client_key_);
  auto r = call(*v, "DPoP " + t, {proof(t, "POST")}, "POST", "write:payments");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 403);
  EXPECT_EQ(r.error().www_authenticate(),
            "DPoP realm=\"bank-api\", error=\"insufficient_scope\", error_description=\"the token "
            "lacks the required scope\", scope=\"write:payments\", " +
                std::string(kAlgs));
}

TEST_F(DpopResourceTest, NonceRequiredWhenEnabledAndTheIssuedOneWorks) {
  options_.dpop.nonce_secret = kSecret;
  options_.dpop.nonce_window_seconds = 60;
  auto v = verifier();
  std::string t = token(&client_key_);
  std::string expected =
      "DPoP realm=\"bank-api\", error=\"use_dpop_nonce\", error_description=\"a fresh DPoP nonce "
      "is required\", " +
      std::string(kAlgs);
  auto missing = call(*v, "DPoP " + t, {proof(t)});
  expect_refused(missing, AuthErrorKind::kUseDpopNonce, expected);
  std::string nonce = missing.error().dpop_nonce;
  EXPECT_EQ(nonce.size(), 43u);
  EXPECT_EQ(nonce, v->dpop_nonce());
  auto wrong = call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, "not-the-nonce")});
  expect_refused(wrong, AuthErrorKind::kUseDpopNonce, expected);
  EXPECT_EQ(wrong.error().dpop_nonce, nonce);

  EXPECT_TRUE(call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, nonce)}).ok());
  // Another replica with the same secret accepts it, without shared state.
  auto replica = verifier();
  EXPECT_TRUE(call(*replica, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, nonce)}).ok());
  // Good in its window and the next; then a new one is needed.
  clock_->advance(60);
  EXPECT_TRUE(call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, nonce)}).ok());
  clock_->advance(60);
  auto stale = call(*v, "DPoP " + t, {proof(t, "GET", kUrl, std::nullopt, nonce)});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, AuthErrorKind::kUseDpopNonce);
  EXPECT_NE(stale.error().dpop_nonce, nonce);
  // Bearer requests need no nonce.
  std::string bearer = token(nullptr);
  EXPECT_TRUE(call(*v, "Bearer " + bearer, {}).ok());
}

TEST(DpopNonces, UnpredictableWithoutTheSecretAndValidForTwoWindows) {
  DpopNonces a(kSecret, 60), b(std::string(32, 't'), 60);
  const int64_t now = 1'700'000'000;
  EXPECT_NE(a.current(now), b.current(now));
  EXPECT_NE(a.current(now), a.current(now + 60));
  EXPECT_TRUE(a.accepts(a.current(now), now));
  EXPECT_FALSE(b.accepts(a.current(now), now));
  EXPECT_TRUE(a.accepts(a.current(now - 60), now));
  EXPECT_FALSE(a.accepts(a.current(now - 120), now));
  EXPECT_FALSE(a.accepts(a.current(now + 60), now));  // not a future window's
  EXPECT_FALSE(a.accepts("", now));
  EXPECT_THROW(DpopNonces(std::string(31, 's'), 60), std::invalid_argument);
}

TEST(DpopReplayCache, RefusesWhenFullRatherThanForgetting) {
  DpopReplayCache cache(2);
  const int64_t now = 1'700'000'000;
  EXPECT_EQ(cache.admit("k", "a", now + 60, now), ReplayVerdict::kFirstUse);
  EXPECT_EQ(cache.admit("k", "b", now + 30, now), ReplayVerdict::kFirstUse);
  EXPECT_EQ(cache.admit("k", "c", now + 60, now), ReplayVerdict::kFull);
  // Still remembered: nothing was dropped to make room.
  EXPECT_EQ(cache.admit("k", "a", now + 60, now), ReplayVerdict::kReplayed);
  EXPECT_EQ(cache.admit("k", "b", now + 60, now + 30), ReplayVerdict::kReplayed);  // inclusive
  // Expired entries make room.
  EXPECT_EQ(cache.admit("k", "c", now + 100, now + 31), ReplayVerdict::kFirstUse);
  EXPECT_EQ(cache.size(), 2u);
  // The same jti from another key is another proof.
  EXPECT_EQ(cache.admit("other", "a", now + 100, now + 61), ReplayVerdict::kFirstUse);
}

TEST_F(DpopResourceTest, FullReplayCacheRefusesNewProofs) {
  options_.dpop.replay_cache_max_entries = 1;
  auto v = verifier();
  std::string t = token(&client_key_);
  ASSERT_TRUE(call(*v, "DPoP " + t, {proof(t)}).ok());
  auto full = call(*v, "DPoP " + t, {proof(t)});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind, AuthErrorKind::kInvalidDpopProof);
  clock_->advance(61);
  EXPECT_TRUE(call(*v, "DPoP " + t, {proof(t)}).ok());
}

// One proof sent on many threads at once is accepted exactly once.
TEST_F(DpopResourceTest, ConcurrentReplaysPassOnce) {
  auto v = verifier();
  std::string t = token(&client_key_);
  std::string p = proof(t);
  std::string authorization = "DPoP " + t;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      ProtectedRequest r;
      r.method = "GET";
      r.url = kUrl;
      r.authorization = authorization;
      r.dpop = {p};
      if (v->authorize(r, "read:accounts").ok()) ++accepted;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 1);
}

}  // namespace
}  // namespace signet::resource
