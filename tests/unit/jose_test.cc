// jose: keys, JWK, compact JWS and sealing. Every rejection test names the defence it
// guards; removing that defence makes the test fail.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/base64url.h"
#include "common/crypto.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "jose/key_ring.h"
#include "jose/seal.h"

namespace signet::jose {
namespace {

using nlohmann::json;

PrivateKey gen(Alg alg) {
  auto k = PrivateKey::generate(alg);
  EXPECT_TRUE(k.ok());
  return std::move(k).value();
}

const PrivateKey& es_key() {
  static const PrivateKey k = gen(Alg::ES256);
  return k;
}
const PrivateKey& rs_key() {
  static const PrivateKey k = gen(Alg::RS256);
  return k;
}

// The public PEM of a private key, as an attacker would find it published.
std::string public_pem(const PrivateKey& key) {
  std::string priv = key.to_pem();
  BIO* in = BIO_new_mem_buf(priv.data(), static_cast<int>(priv.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, pkey);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(out);
  EVP_PKEY_free(pkey);
  BIO_free(in);
  return pem;
}

struct Lookup {
  std::vector<PublicKey> keys;
  KeyLookup fn() const {
    return [this](std::string_view kid) -> const PublicKey* {
      for (const auto& k : keys) {
        if (k.kid() == kid) return &k;
      }
      return nullptr;
    };
  }
};

Lookup lookup_of(std::initializer_list<const PrivateKey*> keys) {
  Lookup l;
  for (auto* k : keys) l.keys.push_back(PublicKey::from_private(*k));
  return l;
}

std::string b64(const json& j) { return base64url_encode(j.dump()); }

// A token assembled by hand, as an attacker would.
std::string forge(const json& header, const json& payload, std::string_view signature) {
  return b64(header) + "." + b64(payload) + "." + base64url_encode(signature);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

const json kClaims = {{"sub", "alice"}, {"iss", "https://issuer.example"}};

// ------------------------------------------------------------------ keys

TEST(JoseKey, AlgNames) {
  EXPECT_EQ(alg_from_name("ES256"), Alg::ES256);
  EXPECT_EQ(alg_from_name("RS256"), Alg::RS256);
  for (const char* bad : {"none", "HS256", "es256", "ES384", "PS256", "EdDSA", ""}) {
    EXPECT_FALSE(alg_from_name(bad).has_value()) << bad;
  }
  EXPECT_EQ(alg_name(Alg::ES256), "ES256");
  EXPECT_EQ(alg_name(Alg::RS256), "RS256");
}

TEST(JoseKey, SignatureShapes) {
  EXPECT_EQ(es_key().sign("input").size(), 64u);   // raw r||s, RFC 7518 §3.4
  EXPECT_EQ(rs_key().sign("input").size(), 256u);  // 2048-bit modulus
}

TEST(JoseKey, PemRoundTripKeepsKid) {
  for (const PrivateKey* k : {&es_key(), &rs_key()}) {
    std::string pem = k->to_pem();
    EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);  // PKCS#8
    auto back = PrivateKey::from_pem(k->alg(), pem);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->kid(), k->kid());
    EXPECT_TRUE(PublicKey::from_private(*k).verify("x", back->sign("x")));
  }
}

TEST(JoseKey, PemOfWrongTypeRefused) {
  EXPECT_FALSE(PrivateKey::from_pem(Alg::RS256, es_key().to_pem()).ok());
  EXPECT_FALSE(PrivateKey::from_pem(Alg::ES256, rs_key().to_pem()).ok());
  EXPECT_FALSE(PrivateKey::from_pem(Alg::ES256, "not a pem").ok());
  EXPECT_FALSE(PrivateKey::from_pem(Alg::ES256, public_pem(es_key())).ok());
}

TEST(JoseKey, SmallRsaPemRefused) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(out, small, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(out);
  EVP_PKEY_free(small);
  EXPECT_FALSE(PrivateKey::from_pem(Alg::RS256, pem).ok());
}

// RFC 7638 §3.1: the worked example's thumbprint.
TEST(JoseJwk, ThumbprintMatchesRfc7638Example) {
  json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
       "kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"}};
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->kid(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key->alg(), Alg::RS256);
}

TEST(JoseJwk, ExportImportRoundTrip) {
  for (const PrivateKey* k : {&es_key(), &rs_key()}) {
    json jwk = k->public_jwk();
    EXPECT_EQ(jwk["kid"], k->kid());
    EXPECT_EQ(jwk["alg"], alg_name(k->alg()));
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_FALSE(jwk.contains("d"));
    if (k->alg() == Alg::ES256) {
      EXPECT_EQ(jwk["crv"], "P-256");
      EXPECT_EQ(base64url_decode(jwk["x"].get<std::string>())->size(), 32u);
      EXPECT_EQ(base64url_decode(jwk["y"].get<std::string>())->size(), 32u);
    }
    auto pub = PublicKey::from_jwk(jwk);
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    EXPECT_EQ(pub->kid(), k->kid());
    EXPECT_EQ(pub->alg(), k->alg());
    EXPECT_TRUE(pub->verify("data", k->sign("data")));
    EXPECT_FALSE(pub->verify("datb", k->sign("data")));
    // Without "kid", the kid is the thumbprint, which is what we publish.
    jwk.erase("kid");
    auto again = PublicKey::from_jwk(jwk);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->kid(), k->kid());
  }
}

TEST(JoseJwk, RejectsBadJwks) {
  json ec = es_key().public_jwk();
  json rs = rs_key().public_jwk();
  auto with = [](json j, const char* k, json v) {
    j[k] = std::move(v);
    return j;
  };
  EXPECT_FALSE(PublicKey::from_jwk(json::array()).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "alg", "RS256")).ok());  // alg disagrees with kty
  EXPECT_FALSE(PublicKey::from_jwk(with(rs, "alg", "ES256")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(rs, "alg", "HS256")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "crv", "P-384")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "kty", "oct")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "use", "enc")).ok());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "d", "AAAA")).ok());  // private material
  // x shortened by one byte (not the full coordinate length).
  std::string x = *base64url_decode(ec["x"].get<std::string>());
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "x", base64url_encode(x.substr(1)))).ok());
  // A point off the curve: flip a bit of y.
  std::string y = *base64url_decode(ec["y"].get<std::string>());
  y[31] = static_cast<char>(y[31] ^ 1);
  EXPECT_FALSE(PublicKey::from_jwk(with(ec, "y", base64url_encode(y))).ok());
  // Padding / non-base64url in a member.
  EXPECT_FALSE(PublicKey::from_jwk(with(rs, "e", "AQAB=")).ok());
}

TEST(JoseJwk, RejectsRsaBelow2048Bits) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(small, "n", &n), 1);
  std::string nb(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
  BN_free(n);
  EVP_PKEY_free(small);
  json jwk = {{"kty", "RSA"}, {"n", base64url_encode(nb)}, {"e", "AQAB"}};
  auto r = PublicKey::from_jwk(jwk);
  EXPECT_FALSE(r.ok());
}

// ------------------------------------------------------------------ JWS

TEST(JoseJws, RoundTripEs256AndRs256) {
  Lookup l = lookup_of({&es_key(), &rs_key()});
  for (const PrivateKey* k : {&es_key(), &rs_key()}) {
    std::string t = sign_compact(*k, {{"typ", "at+jwt"}}, kClaims);
    auto v = verify_compact(t, l.fn());
    ASSERT_TRUE(v.ok()) << v.error().code;
    EXPECT_EQ(v->header["alg"], alg_name(k->alg()));
    EXPECT_EQ(v->header["kid"], k->kid());
    EXPECT_EQ(v->header["typ"], "at+jwt");
    EXPECT_EQ(v->payload, kClaims);
  }
}

TEST(JoseJws, HeaderCannotOverrideAlgOrKid) {
  Lookup l = lookup_of({&es_key()});
  std::string t = sign_compact(es_key(), {{"alg", "none"}, {"kid", "evil"}}, kClaims);
  auto v = verify_compact(t, l.fn());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->header["alg"], "ES256");
}

TEST(JoseJws, TamperedPayloadRefused) {
  Lookup l = lookup_of({&es_key()});
  std::string t = sign_compact(es_key(), json::object(), kClaims);
  size_t d1 = t.find('.'), d2 = t.rfind('.');
  std::string forged = t.substr(0, d1 + 1) + b64({{"sub", "mallory"}, {"iss", "x"}}) + t.substr(d2);
  EXPECT_EQ(verify_compact(forged, l.fn()).error().code, "bad_signature");
}

TEST(JoseJws, RejectsAlgNone) {
  Lookup l = lookup_of({&es_key()});
  for (const char* sig : {"", "x"}) {
    std::string t = forge({{"alg", "none"}, {"kid", es_key().kid()}}, kClaims, sig);
    auto v = verify_compact(t, l.fn());
    ASSERT_FALSE(v.ok());
  }
  std::string t = forge({{"alg", "none"}, {"kid", es_key().kid()}}, kClaims, "x");
  EXPECT_EQ(verify_compact(t, l.fn()).error().code, "unsupported_alg");
  // "none" with an empty signature part ("a.b.") is malformed before anything else.
  EXPECT_EQ(verify_compact(b64({{"alg", "none"}}) + "." + b64(kClaims) + ".", l.fn()).error().code,
            "malformed");
}

// Algorithm confusion (cpp-jwt #102): an HS256 token MACed with the public key as
// the secret, in both PEM and JWK form, must be refused.
TEST(JoseJws, RejectsHs256MacedWithPublicKey) {
  Lookup l = lookup_of({&es_key(), &rs_key()});
  for (const PrivateKey* k : {&rs_key(), &es_key()}) {
    for (const std::string& secret : {public_pem(*k), k->public_jwk().dump()}) {
      json header = {{"alg", "HS256"}, {"kid", k->kid()}, {"typ", "JWT"}};
      std::string input = b64(header) + "." + b64(kClaims);
      std::string t = input + "." + base64url_encode(hmac_sha256(secret, input));
      auto v = verify_compact(t, l.fn());
      ASSERT_FALSE(v.ok());
      EXPECT_EQ(v.error().code, "unsupported_alg");
    }
  }
}

TEST(JoseJws, RejectsUnknownAlgNames) {
  Lookup l = lookup_of({&es_key()});
  std::string sig = es_key().sign("irrelevant");
  for (json alg : {json("es256"), json("ES256 "), json("HS512"), json("PS384"), json("EdDSA "),
                   json("Ed25519"), json("ES384"), json(""), json(256), json(nullptr),
                   json::array({"ES256"})}) {
    std::string t = forge({{"alg", alg}, {"kid", es_key().kid()}}, kClaims, sig);
    auto v = verify_compact(t, l.fn());
    ASSERT_FALSE(v.ok()) << alg.dump();
    EXPECT_EQ(v.error().code, "unsupported_alg") << alg.dump();
  }
  std::string no_alg = forge({{"kid", es_key().kid()}}, kClaims, sig);
  EXPECT_EQ(verify_compact(no_alg, l.fn()).error().code, "unsupported_alg");
}

// The key's pinned alg wins over the header: an RS256 token pointing at the EC key's
// kid (or ES256 at the RSA key) is refused before any signature check.
TEST(JoseJws, RejectsAlgDifferentFromPinnedAlg) {
  Lookup l = lookup_of({&es_key(), &rs_key()});
  json h1 = {{"alg", "RS256"}, {"kid", es_key().kid()}};
  std::string in1 = b64(h1) + "." + b64(kClaims);
  std::string t1 = in1 + "." + base64url_encode(rs_key().sign(in1));
  EXPECT_EQ(verify_compact(t1, l.fn()).error().code, "alg_mismatch");
  json h2 = {{"alg", "ES256"}, {"kid", rs_key().kid()}};
  std::string in2 = b64(h2) + "." + b64(kClaims);
  std::string t2 = in2 + "." + base64url_encode(es_key().sign(in2));
  EXPECT_EQ(verify_compact(t2, l.fn()).error().code, "alg_mismatch");
  // PS256 and EdDSA are known names now, but a key pinned to another alg refuses them.
  for (const char* alg : {"PS256", "EdDSA"}) {
    for (const PrivateKey* k : {&es_key(), &rs_key()}) {
      json h = {{"alg", alg}, {"kid", k->kid()}};
      std::string in = b64(h) + "." + b64(kClaims);
      std::string t = in + "." + base64url_encode(k->sign(in));
      EXPECT_EQ(verify_compact(t, l.fn()).error().code, "alg_mismatch") << alg;
    }
  }
}

TEST(JoseJws, RejectsUnknownOrMissingKid) {
  Lookup l = lookup_of({&es_key()});
  PrivateKey other = gen(Alg::ES256);
  EXPECT_EQ(verify_compact(sign_compact(other, {}, kClaims), l.fn()).error().code, "unknown_key");
  std::string in = b64({{"alg", "ES256"}}) + "." + b64(kClaims);
  EXPECT_EQ(verify_compact(in + "." + base64url_encode(es_key().sign(in)), l.fn()).error().code,
            "unknown_key");
  EXPECT_EQ(verify_compact(sign_compact(es_key(), {}, kClaims), KeyLookup{}).error().code,
            "unknown_key");
}

TEST(JoseJws, RejectsNonAsciiBytes) {
  Lookup l = lookup_of({&es_key()});
  std::string t = sign_compact(es_key(), {}, kClaims);
  for (size_t pos : {size_t{0}, t.find('.') + 1, t.size() - 1}) {
    for (const char* bad : {"\xc3\xa9", "\x80", "\xff", " ", "=", "+", "/"}) {
      std::string m = t;
      m.insert(pos, bad);
      auto v = verify_compact(m, l.fn());
      ASSERT_FALSE(v.ok());
      EXPECT_EQ(v.error().code, "malformed");
    }
  }
  std::string nul = t;
  nul.insert(nul.size() - 2, 1, '\0');
  EXPECT_EQ(verify_compact(nul, l.fn()).error().code, "malformed");
}

TEST(JoseJws, RejectsOversizedToken) {
  Lookup l = lookup_of({&es_key()});
  json big = kClaims;
  big["pad"] = std::string(9000, 'a');
  std::string t = sign_compact(es_key(), {}, big);
  ASSERT_GT(t.size(), 8192u);
  EXPECT_EQ(verify_compact(t, l.fn()).error().code, "malformed");
  EXPECT_TRUE(verify_compact(t, l.fn(), t.size()).ok());  // the size limit is the only cause
  EXPECT_EQ(verify_compact(t, l.fn(), t.size() - 1).error().code, "malformed");
  EXPECT_EQ(verify_compact("", l.fn()).error().code, "malformed");
}

TEST(JoseJws, RejectsTrailingGarbageAfterSignature) {
  Lookup l = lookup_of({&es_key(), &rs_key()});
  for (const PrivateKey* k : {&es_key(), &rs_key()}) {
    std::string t = sign_compact(*k, {}, kClaims);
    ASSERT_TRUE(verify_compact(t, l.fn()).ok());
    for (const char* tail : {"A", "AA", "AAAA", "AAAAAAAA", ".", ".AAAA", "-_"}) {
      EXPECT_FALSE(verify_compact(t + tail, l.fn()).ok()) << tail;
    }
    // A trailing zero byte appended to the decoded signature.
    size_t d2 = t.rfind('.');
    std::string sig = *base64url_decode(t.substr(d2 + 1));
    EXPECT_FALSE(verify_compact(t.substr(0, d2 + 1) + base64url_encode(sig + '\0'), l.fn()).ok());
  }
}

TEST(JoseJws, RejectsEs256SignatureOfWrongLength) {
  Lookup l = lookup_of({&es_key()});
  std::string t = sign_compact(es_key(), {}, kClaims);
  size_t d2 = t.rfind('.');
  std::string input = t.substr(0, d2);
  std::string sig = *base64url_decode(t.substr(d2 + 1));
  ASSERT_EQ(sig.size(), 64u);
  auto with_sig = [&](const std::string& s) { return input + "." + base64url_encode(s); };
  EXPECT_EQ(verify_compact(with_sig(sig.substr(0, 63)), l.fn()).error().code, "bad_signature");
  EXPECT_EQ(verify_compact(with_sig(sig + '\0'), l.fn()).error().code, "bad_signature");
  EXPECT_EQ(verify_compact(with_sig('\0' + sig), l.fn()).error().code, "bad_signature");
  // A DER signature (what OpenSSL and some libraries produce) is not a JWS ES256 signature.
  EVP_PKEY* pk = nullptr;
  {
    std::string pem = es_key().to_pem();
    BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    pk = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pk), 1);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string der(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  der.resize(len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  EXPECT_EQ(verify_compact(with_sig(der), l.fn()).error().code, "bad_signature");
  EXPECT_TRUE(verify_compact(with_sig(sig), l.fn()).ok());
}

TEST(JoseJws, RejectsCritHeader) {
  Lookup l = lookup_of({&es_key()});
  std::string t = sign_compact(es_key(), {{"crit", {"exp"}}, {"exp", 1}}, kClaims);
  auto v = verify_compact(t, l.fn());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "malformed");
  // Even an empty crit list (itself invalid per RFC 7515 §4.1.11).
  EXPECT_FALSE(
      verify_compact(sign_compact(es_key(), {{"crit", json::array()}}, kClaims), l.fn()).ok());
}

TEST(JoseJws, RejectsMalformedStructure) {
  Lookup l = lookup_of({&es_key()});
  std::string sig = base64url_encode(es_key().sign("x"));
  std::string h = b64({{"alg", "ES256"}, {"kid", es_key().kid()}});
  std::string p = b64(kClaims);
  for (const std::string& t : {
           h + "." + p,                                                 // two parts
           h + "." + p + "." + sig + "." + sig,                         // JWE-like, five parts
           "." + p + "." + sig,                                         // empty header
           h + ".." + sig,                                              // empty payload
           base64url_encode("[1]") + "." + p + "." + sig,               // header not an object
           base64url_encode("{\"alg\":") + "." + p + "." + sig,         // invalid JSON
           h + "." + base64url_encode("\"str\"") + "." + sig,           // payload not an object
           h + "." + base64url_encode("{\"a\":\"\xff\"}") + "." + sig,  // invalid UTF-8 in JSON
           h + "." + p + "A." + sig,                                    // impossible length
           h + "." + p.substr(0, p.size() - 1) + "B" + "." + sig,  // non-canonical bits (maybe)
       }) {
    auto v = verify_compact(t, l.fn());
    EXPECT_FALSE(v.ok()) << t;
  }
}

TEST(JoseJws, ConcurrentSignAndVerify) {
  Lookup l = lookup_of({&es_key(), &rs_key()});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const PrivateKey& k = (i % 2) ? es_key() : rs_key();
      for (int j = 0; j < 50; ++j) {
        json claims = {{"n", j}, {"t", i}};
        auto v = verify_compact(sign_compact(k, {}, claims), l.fn());
        if (!v.ok() || v->payload != claims) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ------------------------------------------------------------------ key ring

TEST(JoseKeyRing, ActiveJwksAndLookup) {
  KeyRing ring;
  EXPECT_EQ(ring.active(), nullptr);
  PrivateKey next = gen(Alg::ES256);
  std::string next_kid = next.kid();
  ring.add(std::move(next), KeyState::kNext);
  ring.add(PrivateKey::from_pem(Alg::ES256, es_key().to_pem()).value(), KeyState::kActive);
  ring.add(PrivateKey::from_pem(Alg::RS256, rs_key().to_pem()).value(), KeyState::kRetired);
  EXPECT_EQ(ring.size(), 3u);
  ASSERT_NE(ring.active(), nullptr);
  EXPECT_EQ(ring.active()->kid(), es_key().kid());
  EXPECT_EQ(ring.active(Alg::RS256), nullptr);  // retired keys never sign
  json jwks = ring.jwks();
  ASSERT_EQ(jwks["keys"].size(), 3u);  // next and retired are published too
  for (const auto& k : jwks["keys"]) {
    EXPECT_FALSE(k.contains("d"));
    EXPECT_TRUE(PublicKey::from_jwk(k).ok());
  }
  EXPECT_NE(ring.find_public(next_kid), nullptr);
  EXPECT_EQ(ring.find_public("nope"), nullptr);
  std::string t = sign_compact(*ring.active(), {}, kClaims);
  EXPECT_TRUE(verify_compact(t, [&](std::string_view kid) { return ring.find_public(kid); }).ok());
}

// ------------------------------------------------------------------ seal

TEST(JoseSeal, RoundTrip) {
  std::string mk = random_bytes(32);
  auto s = seal(mk, "secret key pem", "kid-1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->find("secret"), std::string::npos);
  auto u = unseal(mk, *s, "kid-1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u, "secret key pem");
  // Fresh nonce each time.
  EXPECT_NE(*seal(mk, "secret key pem", "kid-1"), *s);
  EXPECT_EQ(*unseal(mk, *seal(mk, "", "a"), "a"), "");
}

TEST(JoseSeal, DetectsTamperWrongKeyAndWrongAad) {
  std::string mk = random_bytes(32);
  std::string s = seal(mk, "secret key pem", "kid-1").value();
  EXPECT_EQ(unseal(mk, s, "kid-2").error().code, "unseal_failed");
  EXPECT_EQ(unseal(mk, s, "").error().code, "unseal_failed");
  EXPECT_EQ(unseal(random_bytes(32), s, "kid-1").error().code, "unseal_failed");
  std::string raw = *base64url_decode(s);
  for (size_t i = 0; i < raw.size(); ++i) {  // nonce, ciphertext and tag are all covered
    std::string t = raw;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    EXPECT_FALSE(unseal(mk, base64url_encode(t), "kid-1").ok()) << i;
  }
  EXPECT_FALSE(unseal(mk, base64url_encode(raw.substr(0, raw.size() - 1)), "kid-1").ok());
  EXPECT_FALSE(unseal(mk, "short", "kid-1").ok());
  EXPECT_FALSE(unseal(mk, s + "!", "kid-1").ok());
}

TEST(JoseSeal, MasterKeyMustBe32Bytes) {
  EXPECT_EQ(seal(std::string(31, 'k'), "x", "a").error().code, "bad_master_key");
  EXPECT_EQ(seal(std::string(33, 'k'), "x", "a").error().code, "bad_master_key");
  EXPECT_EQ(unseal(std::string(16, 'k'), "AAAA", "a").error().code, "bad_master_key");
}

}  // namespace
}  // namespace signet::jose
