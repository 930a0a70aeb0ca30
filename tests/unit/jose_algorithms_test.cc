// jose: the verification algorithms beyond Signet's own (PS256, RFC 7518 §3.5; EdDSA
// with Ed25519, RFC 8037), pinning a JWK to one of them, and RFC 7638 thumbprints.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/base64url.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "jose/key_import_cache.h"
#include "jose_test_keys.h"

namespace signet::jose {
namespace {

using nlohmann::json;

using testing::key_of;

std::string b64(const json& j) { return base64url_encode(j.dump()); }

// An RSA-PSS signature made with OpenSSL directly, with a chosen salt length.
std::string pss_sign(const PrivateKey& key, std::string_view input, int salt_len) {
  std::string pem = key.to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string sig(512, '\0');
  size_t len = sig.size();
  bool ok = EVP_DigestSignInit(md, &pctx, EVP_sha256(), nullptr, pkey) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len) == 1 &&
            EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  EXPECT_TRUE(ok);
  sig.resize(ok ? len : 0);
  return sig;
}

// ------------------------------------------------------------------ names

TEST(JoseAlgorithms, VerificationNamesAreExact) {
  EXPECT_EQ(verification_alg_from_name("ES256"), Alg::ES256);
  EXPECT_EQ(verification_alg_from_name("RS256"), Alg::RS256);
  EXPECT_EQ(verification_alg_from_name("PS256"), Alg::PS256);
  EXPECT_EQ(verification_alg_from_name("EdDSA"), Alg::EdDSA);
  for (const char* bad : {"none", "HS256", "ps256", "EDDSA", "Ed25519", "PS384", "PS256 ", ""}) {
    EXPECT_FALSE(verification_alg_from_name(bad).has_value()) << bad;
  }
  EXPECT_EQ(alg_name(Alg::PS256), "PS256");
  EXPECT_EQ(alg_name(Alg::EdDSA), "EdDSA");
}

// Signet's own signing configuration keeps its two algorithms.
TEST(JoseAlgorithms, SigningNamesStayEs256AndRs256) {
  EXPECT_EQ(alg_from_name("ES256"), Alg::ES256);
  EXPECT_EQ(alg_from_name("RS256"), Alg::RS256);
  EXPECT_FALSE(alg_from_name("PS256").has_value());
  EXPECT_FALSE(alg_from_name("EdDSA").has_value());
}

TEST(JoseAlgorithms, AlgSet) {
  AlgSet set{Alg::ES256, Alg::EdDSA};
  EXPECT_TRUE(set.contains(Alg::ES256));
  EXPECT_TRUE(set.contains(Alg::EdDSA));
  EXPECT_FALSE(set.contains(Alg::RS256));
  set.insert(Alg::RS256);
  set.erase(Alg::ES256);
  EXPECT_TRUE(set.contains(Alg::RS256));
  EXPECT_FALSE(set.contains(Alg::ES256));
  EXPECT_FALSE(AlgSet{}.contains(Alg::PS256));
}

// ------------------------------------------------------------------ PS256

TEST(JosePs256, SignVerifyRoundTrip) {
  const PrivateKey& k = key_of(Alg::PS256);
  std::string s1 = k.sign("input");
  std::string s2 = k.sign("input");
  EXPECT_EQ(s1.size(), 256u);
  EXPECT_NE(s1, s2);  // a random salt: PSS, not PKCS#1 v1.5
  PublicKey pub = PublicKey::from_private(k);
  EXPECT_TRUE(pub.verify("input", s1));
  EXPECT_TRUE(pub.verify("input", s2));
  EXPECT_FALSE(pub.verify("inpuT", s1));

  json jwk = k.public_jwk();
  EXPECT_EQ(jwk["alg"], "PS256");
  EXPECT_EQ(jwk["kty"], "RSA");
  auto parsed = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->alg(), Alg::PS256);
  EXPECT_EQ(parsed->kid(), k.kid());
  EXPECT_TRUE(parsed->verify("input", s1));

  auto back = PrivateKey::from_pem(Alg::PS256, k.to_pem());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kid(), k.kid());
  EXPECT_TRUE(pub.verify("x", back->sign("x")));
}

// OpenSSL's own RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt verifies;
// any other salt length is refused (RFC 7518 §3.5 fixes it to the hash size).
TEST(JosePs256, InteroperatesAndPinsSaltLength) {
  const PrivateKey& k = key_of(Alg::PS256);
  PublicKey pub = PublicKey::from_private(k);
  EXPECT_TRUE(pub.verify("data", pss_sign(k, "data", 32)));
  EXPECT_FALSE(pub.verify("data", pss_sign(k, "data", 20)));
  EXPECT_FALSE(pub.verify("data", pss_sign(k, "data", 0)));
  EXPECT_FALSE(pub.verify("data", pss_sign(k, "data", RSA_PSS_SALTLEN_MAX)));
}

// One RSA key, two algorithms: a key pinned to RS256 never accepts a PSS signature
// and a PS256 key never a PKCS#1 v1.5 one.
TEST(JosePs256, Rs256AndPs256DoNotCross) {
  const PrivateKey& ps = key_of(Alg::PS256);
  const PrivateKey& rs = key_of(Alg::RS256);
  json ps_as_rs = ps.public_jwk();
  ps_as_rs.erase("alg");  // an RSA JWK without alg stays RS256
  auto rs_pinned = PublicKey::from_jwk(ps_as_rs);
  ASSERT_TRUE(rs_pinned.ok());
  EXPECT_EQ(rs_pinned->alg(), Alg::RS256);
  EXPECT_FALSE(rs_pinned->verify("data", ps.sign("data")));

  json rs_bare = rs.public_jwk();
  rs_bare.erase("alg");
  auto pinned = PublicKey::from_jwk(rs_bare, Alg::PS256);
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->alg(), Alg::PS256);
  EXPECT_FALSE(pinned->verify("data", rs.sign("data")));
  EXPECT_TRUE(pinned->verify("data", pss_sign(rs, "data", 32)));
}

TEST(JosePs256, CompactJwsRoundTripAndAlgMismatch) {
  const PrivateKey& ps = key_of(Alg::PS256);
  const PrivateKey& rs = key_of(Alg::RS256);
  std::vector<PublicKey> keys{PublicKey::from_private(ps), PublicKey::from_private(rs)};
  KeyLookup find = [&keys](std::string_view kid) -> const PublicKey* {
    for (const auto& k : keys) {
      if (k.kid() == kid) return &k;
    }
    return nullptr;
  };
  std::string t = sign_compact(ps, json::object(), {{"sub", "client"}});
  auto v = verify_compact(t, find);
  ASSERT_TRUE(v.ok()) << v.error().code;
  EXPECT_EQ(v->header["alg"], "PS256");

  // A PS256 header at the RS256 key, and RS256 at the PS256 key: refused by the pin.
  json h1 = {{"alg", "PS256"}, {"kid", rs.kid()}};
  std::string in1 = b64(h1) + "." + b64({{"sub", "x"}});
  EXPECT_EQ(verify_compact(in1 + "." + base64url_encode(pss_sign(rs, in1, 32)), find).error().code,
            "alg_mismatch");
  json h2 = {{"alg", "RS256"}, {"kid", ps.kid()}};
  std::string in2 = b64(h2) + "." + b64({{"sub", "x"}});
  EXPECT_EQ(verify_compact(in2 + "." + base64url_encode(rs.sign(in2)), find).error().code,
            "alg_mismatch");
}

// ------------------------------------------------------------------ EdDSA

TEST(JoseEdDsa, SignVerifyRoundTrip) {
  const PrivateKey& k = key_of(Alg::EdDSA);
  std::string sig = k.sign("input");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_EQ(k.sign("input"), sig);  // Ed25519 is deterministic (RFC 8032 §5.1.6)
  PublicKey pub = PublicKey::from_private(k);
  EXPECT_TRUE(pub.verify("input", sig));
  EXPECT_FALSE(pub.verify("inpuT", sig));
  EXPECT_FALSE(pub.verify("input", sig.substr(0, 63)));
  EXPECT_FALSE(pub.verify("input", sig + "x"));

  json jwk = k.public_jwk();
  EXPECT_EQ(jwk["kty"], "OKP");
  EXPECT_EQ(jwk["crv"], "Ed25519");
  EXPECT_EQ(jwk["alg"], "EdDSA");
  EXPECT_EQ(base64url_decode(jwk["x"].get<std::string>())->size(), 32u);
  auto parsed = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->alg(), Alg::EdDSA);
  EXPECT_EQ(parsed->kid(), k.kid());
  EXPECT_TRUE(parsed->verify("input", sig));

  auto back = PrivateKey::from_pem(Alg::EdDSA, k.to_pem());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kid(), k.kid());
  EXPECT_EQ(back->sign("input"), sig);
  EXPECT_FALSE(PrivateKey::from_pem(Alg::EdDSA, key_of(Alg::ES256).to_pem()).ok());
  EXPECT_FALSE(PrivateKey::from_pem(Alg::ES256, k.to_pem()).ok());
  EXPECT_FALSE(PrivateKey::from_pem(Alg::PS256, k.to_pem()).ok());
}

// RFC 8037 Appendix A.1, A.3 and A.4: the example key, its thumbprint and the
// signature of "Example of Ed25519 signing".
TEST(JoseEdDsa, Rfc8037Examples) {
  json jwk = {
      {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  EXPECT_EQ(jwk_thumbprint(jwk), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto sig = base64url_decode(
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(key->verify(input, *sig));
  EXPECT_FALSE(key->verify(input + "x", *sig));
}

TEST(JoseEdDsa, RejectsBadOkpJwks) {
  json ed = key_of(Alg::EdDSA).public_jwk();
  auto with = [](json j, const char* k, json v) {
    j[k] = std::move(v);
    return j;
  };
  EXPECT_TRUE(PublicKey::from_jwk(ed).ok());  // control
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "crv", "X25519")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "crv", "Ed448")).ok());
  std::string x = *base64url_decode(ed["x"].get<std::string>());
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "x", base64url_encode(x.substr(1)))).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "x", base64url_encode(x + "A"))).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "d", base64url_encode(x))).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ed, "alg", "ES256")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(ed, Alg::ES256).ok());
  EXPECT_FALSE(PublicKey::from_jwk(ed, Alg::PS256).ok());
}

// ------------------------------------------------------------------ pinning

TEST(JoseJwkPin, KeyTypeDecidesWhichAlgsFit) {
  json ec = key_of(Alg::ES256).public_jwk();
  json rsa = key_of(Alg::RS256).public_jwk();
  json okp = key_of(Alg::EdDSA).public_jwk();
  EXPECT_TRUE(jwk_fits_alg(ec, Alg::ES256));
  EXPECT_FALSE(jwk_fits_alg(ec, Alg::RS256));
  EXPECT_FALSE(jwk_fits_alg(ec, Alg::PS256));
  EXPECT_FALSE(jwk_fits_alg(ec, Alg::EdDSA));
  EXPECT_TRUE(jwk_fits_alg(rsa, Alg::RS256));
  EXPECT_TRUE(jwk_fits_alg(rsa, Alg::PS256));
  EXPECT_FALSE(jwk_fits_alg(rsa, Alg::ES256));
  EXPECT_FALSE(jwk_fits_alg(rsa, Alg::EdDSA));
  EXPECT_TRUE(jwk_fits_alg(okp, Alg::EdDSA));
  EXPECT_FALSE(jwk_fits_alg(okp, Alg::ES256));
  okp["crv"] = "X25519";
  EXPECT_FALSE(jwk_fits_alg(okp, Alg::EdDSA));
  EXPECT_FALSE(jwk_fits_alg({{"kty", "oct"}, {"k", "AAAA"}}, Alg::ES256));
  EXPECT_FALSE(jwk_fits_alg(json::array(), Alg::ES256));
}

TEST(JoseJwkPin, PinMustFitKeyAndJwkAlg) {
  json rsa = key_of(Alg::RS256).public_jwk();  // alg RS256
  json rsa_bare = rsa;
  rsa_bare.erase("alg");
  json ec = key_of(Alg::ES256).public_jwk();
  EXPECT_EQ(PublicKey::from_jwk(rsa_bare, Alg::PS256)->alg(), Alg::PS256);
  EXPECT_EQ(PublicKey::from_jwk(rsa_bare, Alg::RS256)->alg(), Alg::RS256);
  EXPECT_EQ(PublicKey::from_jwk(rsa, Alg::RS256)->alg(), Alg::RS256);
  EXPECT_FALSE(PublicKey::from_jwk(rsa, Alg::PS256).ok());  // the JWK says RS256
  EXPECT_FALSE(PublicKey::from_jwk(rsa_bare, Alg::ES256).ok());
  EXPECT_FALSE(PublicKey::from_jwk(rsa_bare, Alg::EdDSA).ok());
  EXPECT_EQ(PublicKey::from_jwk(ec, Alg::ES256)->alg(), Alg::ES256);
  EXPECT_FALSE(PublicKey::from_jwk(ec, Alg::PS256).ok());
  EXPECT_FALSE(PublicKey::from_jwk(ec, Alg::RS256).ok());
  json rsa_eddsa = rsa_bare;
  rsa_eddsa["alg"] = "EdDSA";
  EXPECT_FALSE(PublicKey::from_jwk(rsa_eddsa).ok());
  json ec_ps = ec;
  ec_ps["alg"] = "PS256";
  EXPECT_FALSE(PublicKey::from_jwk(ec_ps).ok());
}

TEST(JoseJwkPin, SymmetricAndPrivateJwksRefused) {
  json oct = {{"kty", "oct"}, {"k", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAwMDA"}};
  EXPECT_TRUE(jwk_has_private_members(oct));
  EXPECT_FALSE(PublicKey::from_jwk(oct).ok());
  EXPECT_FALSE(PublicKey::from_jwk(oct, Alg::ES256).ok());
  json oct_no_k = {{"kty", "oct"}};
  EXPECT_FALSE(PublicKey::from_jwk(oct_no_k).ok());
  json rsa = key_of(Alg::RS256).public_jwk();
  EXPECT_FALSE(jwk_has_private_members(rsa));
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    json j = rsa;
    j[member] = "AQAB";
    EXPECT_TRUE(jwk_has_private_members(j)) << member;
    EXPECT_FALSE(PublicKey::from_jwk(j).ok()) << member;
    EXPECT_FALSE(PublicKey::from_jwk(j, Alg::PS256).ok()) << member;
  }
}

// ------------------------------------------------------------------ thumbprints

TEST(JoseThumbprint, Rfc7638ExampleAndCanonicalMembers) {
  json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
       "kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  const char* expected = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
  EXPECT_EQ(jwk_thumbprint(jwk), expected);  // alg and kid are not part of it
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(key->thumbprint(), expected);                       // the thumbprint, whatever the kid
  EXPECT_EQ(PublicKey::from_jwk(jwk, Alg::PS256).ok(), false);  // the JWK says RS256
  jwk.erase("alg");
  EXPECT_EQ(PublicKey::from_jwk(jwk, Alg::PS256)->thumbprint(), expected);

  for (const PrivateKey* k : {&key_of(Alg::ES256), &key_of(Alg::PS256), &key_of(Alg::EdDSA)}) {
    EXPECT_EQ(jwk_thumbprint(k->public_jwk()), k->kid());
    EXPECT_EQ(PublicKey::from_private(*k).thumbprint(), k->kid());
  }
}

TEST(JoseThumbprint, NeedsKnownKtyAndStringMembers) {
  json ec = key_of(Alg::ES256).public_jwk();
  EXPECT_TRUE(jwk_thumbprint(ec).has_value());
  json no_y = ec;
  no_y.erase("y");
  EXPECT_FALSE(jwk_thumbprint(no_y).has_value());
  json numeric = ec;
  numeric["x"] = 5;
  EXPECT_FALSE(jwk_thumbprint(numeric).has_value());
  EXPECT_FALSE(jwk_thumbprint({{"kty", "oct"}, {"k", "AAAA"}}).has_value());
  EXPECT_FALSE(jwk_thumbprint(json::array()).has_value());
}

// Keys are shared by threads: PSS and Ed25519 contexts are per call.
TEST(JoseAlgorithms, ConcurrentPs256AndEdDsa) {
  const PrivateKey& ps = key_of(Alg::PS256);
  const PrivateKey& ed = key_of(Alg::EdDSA);
  PublicKey ps_pub = PublicKey::from_private(ps);
  PublicKey ed_pub = PublicKey::from_jwk(ed.public_jwk()).value();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 40; ++n) {
        std::string input = "t" + std::to_string(i) + "-" + std::to_string(n);
        if (!ps_pub.verify(input, ps.sign(input))) ++failures;
        if (!ed_pub.verify(input, ed.sign(input))) ++failures;
        if (ed_pub.verify(input + "!", ed.sign(input))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// The import cache gives back the key PublicKey::from_jwk makes, keeps only
// successes, tells pins apart, and stays within its bound.
TEST(KeyImportCache, ImportsOnceAndStaysBounded) {
  KeyImportCache cache(64);
  const nlohmann::json jwk = testing::key_of(Alg::ES256).public_jwk();
  auto first = cache.from_jwk(jwk, Alg::ES256);
  auto again = cache.from_jwk(jwk, Alg::ES256);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->thumbprint(), again->thumbprint());
  EXPECT_EQ(first->thumbprint(), PublicKey::from_jwk(jwk, Alg::ES256)->thumbprint());
  EXPECT_EQ(cache.size(), 1u);

  EXPECT_FALSE(cache.from_jwk(jwk, Alg::PS256).ok()) << "an EC key is not PS256";
  nlohmann::json off_curve = jwk;
  off_curve["y"] = off_curve["x"];
  EXPECT_FALSE(cache.from_jwk(off_curve, Alg::ES256).ok()) << "a point off the curve";
  EXPECT_EQ(cache.size(), 1u) << "refusals are not kept";

  const nlohmann::json ed = testing::key_of(Alg::EdDSA).public_jwk();
  ASSERT_TRUE(cache.from_jwk(ed, Alg::EdDSA).ok());
  EXPECT_EQ(cache.size(), 2u);
  for (int i = 0; i < 500; ++i) {
    nlohmann::json variant = jwk;
    variant["kid"] = "k" + std::to_string(i);  // another JWK text, the same key
    ASSERT_TRUE(cache.from_jwk(variant, Alg::ES256).ok());
  }
  EXPECT_LE(cache.size(), 64u + 16u) << "bounded";
}

}  // namespace
}  // namespace signet::jose
