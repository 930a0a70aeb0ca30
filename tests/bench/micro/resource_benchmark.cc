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

}  // namespace

BENCHMARK_CAPTURE(verify_cache_hit, ES256, Alg::ES256)->Name("ES256/resource_verify_cache_hit");
BENCHMARK_CAPTURE(verify_cache_miss, ES256, Alg::ES256)->Name("ES256/resource_verify_cache_miss");
BENCHMARK_CAPTURE(verify_cache_hit, RS256, Alg::RS256)->Name("RS256/resource_verify_cache_hit");
BENCHMARK_CAPTURE(verify_cache_miss, RS256, Alg::RS256)->Name("RS256/resource_verify_cache_miss");

BENCHMARK_MAIN();
