// The resource-server library: TokenVerifier::verify on a verified-token cache hit
// (a client reusing its token) and on a miss (signature + claims + cache insert),
// with the JWKS served by an injected HttpGet and a FakeClock, as in
// tests/unit/resource_test.cc.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/resource_server.h"
#include "resource/revocation_feed.h"

namespace {

using nlohmann::json;
using signet::jose::Alg;
using signet::jose::PrivateKey;
using signet::resource::TokenVerifier;

constexpr char kIssuer[] = "http://127.0.0.1:8080";
constexpr char kJwksUrl[] = "http://127.0.0.1:8080/jwks";
// More distinct tokens than the verifier's cache holds (4096), so cycling through
// them never meets a cached one.
constexpr size_t kDistinctTokens = 8192;

struct Fixture {
  std::shared_ptr<signet::FakeClock> clock = std::make_shared<signet::FakeClock>();
  PrivateKey key;
  std::string jwks;
  std::vector<std::string> tokens;

  explicit Fixture(Alg alg) : key(PrivateKey::generate(alg).value()) {
    jwks = json{{"keys", json::array({key.public_jwk()})}}.dump();
    tokens.reserve(kDistinctTokens);
    int64_t now = clock->now();
    for (size_t i = 0; i < kDistinctTokens; ++i) {
      json claims = {{"iss", kIssuer},
                     {"sub", "3f1c2a9e-6f0b-4f55-9d0e-8a1b2c3d4e5f"},
                     {"aud", "bank-api"},
                     {"client_id", "Hk3v9QeT2mXr7LpZ0aBcDw"},
                     {"scope", "read:accounts read:transactions"},
                     {"iat", now},
                     {"exp", now + 600},
                     {"jti", "jti-" + std::to_string(i)}};
      tokens.push_back(signet::jose::sign_compact(key, {{"typ", "at+jwt"}}, claims));
    }
  }

  std::unique_ptr<TokenVerifier> verifier() const {
    signet::resource::VerifierOptions options;
    options.issuer = kIssuer;
    options.audience = "bank-api";
    options.jwks_uri = kJwksUrl;
    std::string body = jwks;
    auto get = [body](const std::string& url) -> signet::Result<std::string> {
      if (url == kJwksUrl) return body;
      return signet::fail("http_failed", "404");
    };
    auto v = std::make_unique<TokenVerifier>(options, get, clock);
    v->refresh_keys();
    return v;
  }
};

Fixture& fixture(Alg alg) {
  static Fixture es256(Alg::ES256);
  static Fixture rs256(Alg::RS256);
  return alg == Alg::ES256 ? es256 : rs256;
}

void verify_cache_hit(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  auto v = f.verifier();
  const std::string& token = f.tokens.front();
  if (!v->verify(token).ok()) state.SkipWithError("verify failed");
  for (auto _ : state) {
    auto at = v->verify(token);
    if (!at.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(at);
  }
}

void verify_cache_miss(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  auto v = f.verifier();
  size_t i = 0;
  for (auto _ : state) {
    auto at = v->verify(f.tokens[i]);
    if (!at.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(at);
    i = (i + 1) % f.tokens.size();
  }
}

// The revocation feed's cost on a protected request (issue target: at most 5%):
// authorize() on a verified-token cache hit, the cheapest request and so the one
// the lookup weighs most on, without a feed and with one holding 10,000 revoked
// tokens (a bank's busy hour).
void authorize_cache_hit(benchmark::State& state, bool with_feed) {
  Fixture& f = fixture(Alg::ES256);
  auto v = f.verifier();
  if (with_feed) {
    json entries = json::array();
    for (int i = 0; i < 10000; ++i) {
      entries.push_back({{"jti", "revoked-" + std::to_string(i)}, {"exp", f.clock->now() + 600}});
    }
    const std::string page = json{{"cursor", "1"}, {"entries", entries}, {"complete", true}}.dump();
    signet::resource::RevocationFeedOptions options;
    options.url = std::string(kIssuer) + "/revocations";
    options.resource = "bank-api";
    options.client_id = "bank-api";
    options.client_secret = "secret";
    options.critical_scopes = {"write:payments"};
    auto feed = std::make_shared<signet::resource::RevocationFeed>(
        options,
        [page](const std::string&, const std::string&,
               const std::string&) -> signet::Result<std::string> { return page; },
        f.clock);
    if (!feed->poll_once() || feed->size() != 10000) state.SkipWithError("feed not synced");
    v->follow_revocations(feed);
  }
  const std::string header = "Bearer " + f.tokens.front();
  if (!v->authorize(header, "read:accounts").ok()) state.SkipWithError("authorize failed");
  for (auto _ : state) {
    auto at = v->authorize(header, "read:accounts");
    if (!at.ok()) state.SkipWithError("authorize failed");
    benchmark::DoNotOptimize(at);
  }
}

}  // namespace

BENCHMARK_CAPTURE(authorize_cache_hit, no_feed, false)
    ->Name("ES256/resource_authorize_cache_hit_without_feed");
BENCHMARK_CAPTURE(authorize_cache_hit, feed, true)
    ->Name("ES256/resource_authorize_cache_hit_with_feed_10k");
BENCHMARK_CAPTURE(verify_cache_hit, ES256, Alg::ES256)->Name("ES256/resource_verify_cache_hit");
BENCHMARK_CAPTURE(verify_cache_miss, ES256, Alg::ES256)->Name("ES256/resource_verify_cache_miss");
BENCHMARK_CAPTURE(verify_cache_hit, RS256, Alg::RS256)->Name("RS256/resource_verify_cache_hit");
BENCHMARK_CAPTURE(verify_cache_miss, RS256, Alg::RS256)->Name("RS256/resource_verify_cache_miss");

BENCHMARK_MAIN();
