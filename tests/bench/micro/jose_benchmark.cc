// JWS sign and verify: raw OpenSSL (the straightforward EVP_DigestSign /
// EVP_DigestVerify with a pre-loaded EVP_PKEY) against Signet's jose layer on the
// same key, then whole compact JWS of a realistic RFC 9068 access token.
// Target (issue #3): jose PrivateKey::sign / PublicKey::verify within 10% of raw.
#include <benchmark/benchmark.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "jose/jws.h"
#include "jose/key.h"

namespace {

using nlohmann::json;
using signet::jose::Alg;
using signet::jose::PrivateKey;
using signet::jose::PublicKey;

[[noreturn]] void die(const char* what) {
  std::cerr << "jose_benchmark: " << what << "\n";
  std::abort();
}

// One key per algorithm for the whole run, shared by the raw and the jose side.
struct Fixture {
  PrivateKey key;
  PublicKey pub;
  EVP_PKEY* raw = nullptr;  // the same key, parsed once from its PEM
  std::string input;        // a realistic JWS signing input
  std::string der_sig;      // raw OpenSSL's signature (DER for ES256)
  std::string jose_sig;     // jose's (r||s for ES256)
  json header;
  json claims;
  std::string token;

  explicit Fixture(Alg alg)
      : key(PrivateKey::generate(alg).value()), pub(PublicKey::from_private(key)) {
    std::string pem = key.to_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    raw = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!raw) die("cannot load the PEM");
    header = {{"typ", "at+jwt"}};
    claims = {{"iss", "http://127.0.0.1:8080"},
              {"sub", "3f1c2a9e-6f0b-4f55-9d0e-8a1b2c3d4e5f"},
              {"aud", "bank-api"},
              {"client_id", "Hk3v9QeT2mXr7LpZ0aBcDw"},
              {"scope", "read:accounts read:transactions"},
              {"iat", 1'764'403'200},
              {"exp", 1'764'403'800},
              {"jti", "q8Xk2Vb6R1nT4mZp9LsYwA"}};
    token = signet::jose::sign_compact(key, header, claims);
    input = token.substr(0, token.rfind('.'));
    jose_sig = key.sign(input);
    der_sig = raw_sign();
    if (jose_sig.empty() || der_sig.empty()) die("signing failed");
    if (!raw_verify(der_sig) || !pub.verify(input, jose_sig)) die("verification failed");
  }
  ~Fixture() { EVP_PKEY_free(raw); }

  // The baseline: what a careful caller writes against OpenSSL 3 directly.
  std::string raw_sign() const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::string sig(static_cast<size_t>(EVP_PKEY_get_size(raw)), '\0');
    size_t len = sig.size();
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, raw) != 1 ||
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      len = 0;
    }
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }
  bool raw_verify(const std::string& sig) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, raw) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
};

Fixture& fixture(Alg alg) {
  static Fixture es256(Alg::ES256);
  static Fixture rs256(Alg::RS256);
  return alg == Alg::ES256 ? es256 : rs256;
}

void raw_sign(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    std::string sig = f.raw_sign();
    if (sig.empty()) state.SkipWithError("raw sign failed");
    benchmark::DoNotOptimize(sig);
  }
}

void jose_sign(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    std::string sig = f.key.sign(f.input);
    if (sig.empty()) state.SkipWithError("jose sign failed");
    benchmark::DoNotOptimize(sig);
  }
}

void raw_verify(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    bool ok = f.raw_verify(f.der_sig);
    if (!ok) state.SkipWithError("raw verify failed");
    benchmark::DoNotOptimize(ok);
  }
}

void jose_verify(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    bool ok = f.pub.verify(f.input, f.jose_sig);
    if (!ok) state.SkipWithError("jose verify failed");
    benchmark::DoNotOptimize(ok);
  }
}

void jose_sign_compact(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    std::string token = signet::jose::sign_compact(f.key, f.header, f.claims);
    benchmark::DoNotOptimize(token);
  }
}

void jose_verify_compact(benchmark::State& state, Alg alg) {
  Fixture& f = fixture(alg);
  const PublicKey* pub = &f.pub;
  const std::string kid = f.pub.kid();
  signet::jose::KeyLookup lookup = [&](std::string_view k) -> const PublicKey* {
    return k == kid ? pub : nullptr;
  };
  for (auto _ : state) {
    auto v = signet::jose::verify_compact(f.token, lookup);
    if (!v.ok()) state.SkipWithError("verify_compact failed");
    benchmark::DoNotOptimize(v);
  }
}

}  // namespace

// Names: <alg>/<side>_<operation>; tests/bench/micro/run pairs raw_* with jose_*.
BENCHMARK_CAPTURE(raw_sign, ES256, Alg::ES256)->Name("ES256/raw_sign");
BENCHMARK_CAPTURE(jose_sign, ES256, Alg::ES256)->Name("ES256/jose_sign");
BENCHMARK_CAPTURE(raw_verify, ES256, Alg::ES256)->Name("ES256/raw_verify");
BENCHMARK_CAPTURE(jose_verify, ES256, Alg::ES256)->Name("ES256/jose_verify");
BENCHMARK_CAPTURE(jose_sign_compact, ES256, Alg::ES256)->Name("ES256/jose_sign_compact");
BENCHMARK_CAPTURE(jose_verify_compact, ES256, Alg::ES256)->Name("ES256/jose_verify_compact");
BENCHMARK_CAPTURE(raw_sign, RS256, Alg::RS256)->Name("RS256/raw_sign");
BENCHMARK_CAPTURE(jose_sign, RS256, Alg::RS256)->Name("RS256/jose_sign");
BENCHMARK_CAPTURE(raw_verify, RS256, Alg::RS256)->Name("RS256/raw_verify");
BENCHMARK_CAPTURE(jose_verify, RS256, Alg::RS256)->Name("RS256/jose_verify");
BENCHMARK_CAPTURE(jose_sign_compact, RS256, Alg::RS256)->Name("RS256/jose_sign_compact");
BENCHMARK_CAPTURE(jose_verify_compact, RS256, Alg::RS256)->Name("RS256/jose_verify_compact");

BENCHMARK_MAIN();
