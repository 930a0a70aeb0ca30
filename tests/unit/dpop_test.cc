// DPoP proofs (RFC 9449 §4.3): every refusal names the check it guards, each beside
// a control that passes, so that removing the check makes the test fail.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <string>

#include "common/base64url.h"
#include "common/crypto.h"
#include "jose/dpop.h"
#include "jose/htu.h"
#include "jose/key.h"
#include "jose_test_keys.h"

namespace signet::jose {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000;
constexpr char kUrl[] = "https://as.example/token";
constexpr char kToken[] = "eyJhbGciOiJFUzI1NiJ9.access.token";

using testing::key_of;
const PrivateKey& es() { return key_of(Alg::ES256); }

DpopCheck check() {
  DpopCheck c;
  c.method = "POST";
  c.url = kUrl;
  c.now = kNow;
  return c;
}

std::string b64(const json& j) { return base64url_encode(j.dump()); }

json public_jwk(const PrivateKey& key) {
  json jwk = key.public_jwk();
  for (const char* extra : {"kid", "alg", "use"}) jwk.erase(extra);
  return jwk;
}

json header_of(const PrivateKey& key) {
  return {{"typ", "dpop+jwt"}, {"alg", alg_name(key.alg())}, {"jwk", public_jwk(key)}};
}

json claims() { return {{"jti", "jti-1"}, {"htm", "POST"}, {"htu", kUrl}, {"iat", kNow}}; }

// A proof assembled by hand, as an attacker (or a sloppy client) would.
std::string signed_proof(const PrivateKey& key, const json& header, const json& payload) {
  std::string input = b64(header) + "." + b64(payload);
  return input + "." + base64url_encode(key.sign(input));
}

std::string hmac(std::string_view secret, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The fault, or "accepted".
std::string outcome(std::string_view proof, const DpopCheck& c = check()) {
  auto r = verify_dpop_proof(proof, c);
  return r ? "accepted" : std::string(dpop_fault_name(r.error().fault));
}

std::string with_claim(const char* name, const json& value) {
  json c = claims();
  c[name] = value;
  return signed_proof(es(), header_of(es()), c);
}
std::string without_claim(const char* name) {
  json c = claims();
  c.erase(name);
  return signed_proof(es(), header_of(es()), c);
}
std::string with_header(const char* name, const json& value) {
  json h = header_of(es());
  h[name] = value;
  return signed_proof(es(), h, claims());
}

// ------------------------------------------------------------------ accepted proofs

TEST(Dpop, AcceptsProofOfEachDefaultAlg) {
  for (Alg alg : {Alg::ES256, Alg::PS256, Alg::EdDSA}) {
    const PrivateKey& key = key_of(alg);
    auto r = verify_dpop_proof(make_dpop_proof(key, "POST", kUrl, kNow, "jti-1"), check());
    ASSERT_TRUE(r.ok()) << alg_name(alg) << ": " << dpop_fault_name(r.error().fault);
    EXPECT_EQ(r->jkt, key.kid());  // RFC 7638 thumbprint of the proof's key
    EXPECT_EQ(r->jkt, jwk_thumbprint(key.public_jwk()));
    EXPECT_EQ(r->alg, alg);
    EXPECT_EQ(r->jti, "jti-1");
    EXPECT_EQ(r->iat, kNow);
    EXPECT_EQ(r->htu, kUrl);
    EXPECT_FALSE(r->nonce.has_value());
  }
}

// ------------------------------------------------------------------ size and shape

TEST(Dpop, OversizeProofRefused) {
  std::string big = with_claim("pad", std::string(9000, 'a'));
  EXPECT_EQ(outcome(big), "too_large");
  DpopCheck roomy = check();
  roomy.max_size = 16384;
  EXPECT_EQ(outcome(big, roomy), "accepted");  // control: the same proof, a larger limit
  EXPECT_EQ(outcome(""), "too_large");
  DpopCheck tight = check();
  std::string ok = make_dpop_proof(es(), "POST", kUrl, kNow, "j");
  tight.max_size = ok.size() - 1;
  EXPECT_EQ(outcome(ok, tight), "too_large");
  tight.max_size = ok.size();
  EXPECT_EQ(outcome(ok, tight), "accepted");
}

TEST(Dpop, MalformedProofRefused) {
  std::string ok = make_dpop_proof(es(), "POST", kUrl, kNow, "j");
  EXPECT_EQ(outcome(ok), "accepted");
  EXPECT_EQ(outcome(ok.substr(0, ok.rfind('.'))), "malformed");  // two parts
  EXPECT_EQ(outcome(ok + ".x"), "malformed");                    // four parts
  EXPECT_EQ(outcome("%" + ok), "malformed");                     // outside base64url
  std::string not_object = b64(header_of(es())) + "." + base64url_encode("[1]") + ".c2ln";
  EXPECT_EQ(outcome(not_object), "malformed");
  EXPECT_EQ(outcome(with_header("crit", json::array({"exp"}))), "malformed");
}

// ------------------------------------------------------------------ typ

TEST(Dpop, WrongTypRefused) {
  EXPECT_EQ(outcome(with_header("typ", "dpop+jwt")), "accepted");
  EXPECT_EQ(outcome(with_header("typ", "JWT")), "wrong_type");
  EXPECT_EQ(outcome(with_header("typ", "at+jwt")), "wrong_type");
  EXPECT_EQ(outcome(with_header("typ", "DPOP+JWT")), "wrong_type");
  EXPECT_EQ(outcome(with_header("typ", json::array({"dpop+jwt"}))), "wrong_type");
  json h = header_of(es());
  h.erase("typ");
  EXPECT_EQ(outcome(signed_proof(es(), h, claims())), "wrong_type");
}

// ------------------------------------------------------------------ alg

TEST(Dpop, AlgNoneRefused) {
  json h = header_of(es());
  h["alg"] = "none";
  std::string input = b64(h) + "." + b64(claims());
  EXPECT_EQ(outcome(input + "."), "malformed");  // no signature part at all
  EXPECT_EQ(outcome(input + "." + base64url_encode("x")), "unsupported_alg");
  h.erase("alg");
  EXPECT_EQ(outcome(signed_proof(es(), h, claims())), "unsupported_alg");
}

// Algorithm confusion: an HS256 proof MACed with the key it names (a symmetric jwk)
// or with the EC public key as the secret.
TEST(Dpop, Hs256Refused) {
  json oct_header = {{"typ", "dpop+jwt"},
                     {"alg", "HS256"},
                     {"jwk", {{"kty", "oct"}, {"k", base64url_encode("shared-secret")}}}};
  std::string in1 = b64(oct_header) + "." + b64(claims());
  EXPECT_EQ(outcome(in1 + "." + base64url_encode(hmac("shared-secret", in1))), "unsupported_alg");

  json ec_header = header_of(es());
  ec_header["alg"] = "HS256";
  std::string in2 = b64(ec_header) + "." + b64(claims());
  EXPECT_EQ(outcome(in2 + "." + base64url_encode(hmac(public_jwk(es()).dump(), in2))),
            "unsupported_alg");
  // Control: that EC jwk with ES256 passes.
  EXPECT_EQ(outcome(signed_proof(es(), header_of(es()), claims())), "accepted");
}

TEST(Dpop, Rs256RefusedUnlessAllowed) {
  std::string proof = make_dpop_proof(key_of(Alg::RS256), "POST", kUrl, kNow, "j");
  EXPECT_EQ(outcome(proof), "alg_not_allowed");
  DpopCheck with_rs = check();
  with_rs.algs.insert(Alg::RS256);
  EXPECT_EQ(outcome(proof, with_rs), "accepted");
  // And a default alg taken out of the set is refused the same way.
  DpopCheck no_es = check();
  no_es.algs.erase(Alg::ES256);
  EXPECT_EQ(outcome(make_dpop_proof(es(), "POST", kUrl, kNow, "j"), no_es), "alg_not_allowed");
}

// ------------------------------------------------------------------ jwk

TEST(Dpop, MissingJwkRefused) {
  json h = header_of(es());
  h.erase("jwk");
  EXPECT_EQ(outcome(signed_proof(es(), h, claims())), "missing_jwk");
  EXPECT_EQ(outcome(with_header("jwk", public_jwk(es()).dump())), "missing_jwk");  // a string
  EXPECT_EQ(outcome(with_header("jwk", public_jwk(es()))), "accepted");
}

TEST(Dpop, PrivateKeyInJwkRefused) {
  // The real private scalar, as a careless client would send it.
  json leaked = public_jwk(es());
  leaked["d"] = base64url_encode(std::string(32, '\x07'));
  EXPECT_EQ(outcome(with_header("jwk", leaked)), "private_jwk");
  json sym = public_jwk(es());
  sym["k"] = "c2VjcmV0";
  EXPECT_EQ(outcome(with_header("jwk", sym)), "private_jwk");
  const PrivateKey& ps = key_of(Alg::PS256);
  json rsa = public_jwk(ps);
  rsa["p"] = "AQAB";
  EXPECT_EQ(
      outcome(signed_proof(ps, {{"typ", "dpop+jwt"}, {"alg", "PS256"}, {"jwk", rsa}}, claims())),
      "private_jwk");
  EXPECT_EQ(outcome(with_header("jwk", public_jwk(es()))), "accepted");
}

TEST(Dpop, KeyTypeMustFitAlg) {
  const PrivateKey& ps = key_of(Alg::PS256);
  const PrivateKey& ed = key_of(Alg::EdDSA);
  // PS256 with an EC key, ES256 with an RSA key, EdDSA with an EC key.
  json h1 = header_of(es());
  h1["alg"] = "PS256";
  EXPECT_EQ(outcome(signed_proof(es(), h1, claims())), "key_alg_mismatch");
  json h2 = header_of(ps);
  h2["alg"] = "ES256";
  EXPECT_EQ(outcome(signed_proof(ps, h2, claims())), "key_alg_mismatch");
  json h3 = header_of(es());
  h3["alg"] = "EdDSA";
  EXPECT_EQ(outcome(signed_proof(ed, h3, claims())), "key_alg_mismatch");
  json oct = {{"kty", "oct"}};
  EXPECT_EQ(outcome(with_header("jwk", oct)), "key_alg_mismatch");
  // An RSA jwk saying "alg":"RS256" under a PS256 header: the key is pinned to one.
  json h4 = header_of(ps);
  h4["jwk"]["alg"] = "RS256";
  EXPECT_EQ(outcome(signed_proof(ps, h4, claims())), "bad_jwk");
  EXPECT_EQ(outcome(signed_proof(ps, header_of(ps), claims())), "accepted");
}

TEST(Dpop, BadJwkRefused) {
  json off_curve = public_jwk(es());
  std::string y = *base64url_decode(off_curve["y"].get<std::string>());
  y[31] = static_cast<char>(y[31] ^ 1);
  off_curve["y"] = base64url_encode(y);
  EXPECT_EQ(outcome(with_header("jwk", off_curve)), "bad_jwk");
  json p384 = public_jwk(es());
  p384["crv"] = "P-384";
  EXPECT_EQ(outcome(with_header("jwk", p384)), "bad_jwk");
  EXPECT_EQ(outcome(with_header("jwk", public_jwk(es()))), "accepted");
}

// The jwk must be the signer's: a proof signed by one key carrying another's jwk.
TEST(Dpop, JwkOfAnotherKeyRefused) {
  PrivateKey other = PrivateKey::generate(Alg::ES256).value();
  EXPECT_EQ(outcome(signed_proof(other, header_of(es()), claims())), "bad_signature");
  std::string ok = make_dpop_proof(es(), "POST", kUrl, kNow, "jti-1");
  std::string tampered =
      ok.substr(0, ok.find('.') + 1) + b64(claims()) + "x" + ok.substr(ok.rfind('.'));
  EXPECT_NE(outcome(tampered), "accepted");
  json c = claims();
  c["htu"] = "https://evil.example/token";
  std::string swapped = ok.substr(0, ok.find('.') + 1) + b64(c) + ok.substr(ok.rfind('.'));
  EXPECT_EQ(outcome(swapped), "bad_signature");
  EXPECT_EQ(outcome(signed_proof(other, header_of(other), claims())), "accepted");
}

// ------------------------------------------------------------------ claims

TEST(Dpop, JtiRequired) {
  EXPECT_EQ(outcome(without_claim("jti")), "bad_jti");
  EXPECT_EQ(outcome(with_claim("jti", "")), "bad_jti");
  EXPECT_EQ(outcome(with_claim("jti", 42)), "bad_jti");
  EXPECT_EQ(outcome(with_claim("jti", std::string(257, 'j'))), "bad_jti");
  EXPECT_EQ(outcome(with_claim("jti", std::string(256, 'j'))), "accepted");
}

TEST(Dpop, WrongMethodRefused) {
  EXPECT_EQ(outcome(with_claim("htm", "GET")), "wrong_method");
  EXPECT_EQ(outcome(with_claim("htm", "post")), "wrong_method");  // methods are case-sensitive
  EXPECT_EQ(outcome(without_claim("htm")), "wrong_method");
  EXPECT_EQ(outcome(with_claim("htm", "POST")), "accepted");
  DpopCheck get = check();
  get.method = "GET";
  EXPECT_EQ(outcome(with_claim("htm", "GET"), get), "accepted");
}

TEST(Dpop, WrongUrlRefused) {
  for (const char* other :
       {"https://as.example/authorize", "https://as.example/token/", "https://evil.example/token",
        "http://as.example/token", "https://as.example:8443/token", "https://as.example.evil/token",
        "https://user@as.example/token", "as.example/token", "/token", ""}) {
    EXPECT_EQ(outcome(with_claim("htu", other)), "wrong_url") << other;
  }
  EXPECT_EQ(outcome(without_claim("htu")), "wrong_url");
  EXPECT_EQ(outcome(with_claim("htu", 1)), "wrong_url");
  EXPECT_EQ(outcome(with_claim("htu", kUrl)), "accepted");
}

// RFC 9449 §4.3 step 9 with RFC 3986 §6.2.2-6.2.3: these name the same URL.
TEST(Dpop, UrlNormalisationAccepts) {
  for (const char* same :
       {"https://AS.EXAMPLE/token", "HTTPS://as.example/token", "https://as.example:443/token",
        "https://as.example:/token", "https://as.example/token?x=1", "https://as.example/token#f",
        "https://as.example/token?a=b#c", "https://as.example/%74oken",
        "https://as.example/t%6Fken"}) {
    auto r = verify_dpop_proof(with_claim("htu", same), check());
    ASSERT_TRUE(r.ok()) << same << ": " << dpop_fault_name(r.error().fault);
    EXPECT_EQ(r->htu, same);  // returned as written
  }
  // The server's own URL is normalised too.
  DpopCheck upper = check();
  upper.url = "https://As.Example:443/token?ignored";
  EXPECT_EQ(outcome(with_claim("htu", kUrl), upper), "accepted");
  DpopCheck root = check();
  root.url = "https://as.example";
  EXPECT_EQ(outcome(with_claim("htu", "https://as.example/"), root), "accepted");
}

TEST(Dpop, NormalizeHtu) {
  EXPECT_EQ(normalize_htu("HTTPS://Example.COM:443"), "https://example.com/");
  EXPECT_EQ(normalize_htu("http://example.com:80/a"), "http://example.com/a");
  EXPECT_EQ(normalize_htu("http://example.com:443/a"), "http://example.com:443/a");
  EXPECT_EQ(normalize_htu("https://example.com:08443/a"), "https://example.com:8443/a");
  EXPECT_EQ(normalize_htu("https://example.com/a%2fb%7e%41"), "https://example.com/a%2Fb~A");
  EXPECT_EQ(normalize_htu("https://[::1]:8443/x?y#z"), "https://[::1]:8443/x");
  EXPECT_EQ(normalize_htu("https://[::1]/x"), "https://[::1]/x");
  EXPECT_EQ(normalize_htu("https://example.com/a/../b"), "https://example.com/a/../b");
  for (const char* bad :
       {"ftp://example.com/", "https:/example.com", "https://", "https:///a",
        "https://u:p@example.com/", "https://example.com:99999/", "https://example.com:0/",
        "https://example.com:x/", "https://exa mple/", "https://example.com/a%zz",
        "https://example.com/a%4", "https://example.com/\xc3\xa9", "https://ex%41mple.com/",
        "https://example.com/a\"b", "https://[::1/x"}) {
    EXPECT_FALSE(normalize_htu(bad).has_value()) << bad;
  }
}

TEST(Dpop, IatWindow) {
  EXPECT_EQ(outcome(with_claim("iat", kNow - 3600)), "iat_too_old");
  EXPECT_EQ(outcome(with_claim("iat", kNow + 3600)), "iat_in_future");
  EXPECT_EQ(outcome(with_claim("iat", kNow - 301)), "iat_too_old");
  EXPECT_EQ(outcome(with_claim("iat", kNow - 300)), "accepted");
  EXPECT_EQ(outcome(with_claim("iat", kNow + 5)), "accepted");
  EXPECT_EQ(outcome(with_claim("iat", kNow + 6)), "iat_in_future");
  EXPECT_EQ(outcome(with_claim("iat", static_cast<double>(kNow) + 0.5)), "accepted");
  EXPECT_EQ(outcome(with_claim("iat", std::to_string(kNow))), "bad_iat");
  EXPECT_EQ(outcome(without_claim("iat")), "bad_iat");
  EXPECT_EQ(outcome(with_claim("iat", -9'000'000'000'000'000'000.0)), "iat_too_old");
  EXPECT_EQ(outcome(with_claim("iat", 18'000'000'000'000'000'000u)), "iat_in_future");
  DpopCheck longer = check();
  longer.max_age_seconds = 7200;
  EXPECT_EQ(outcome(with_claim("iat", kNow - 3600), longer), "accepted");
}

TEST(Dpop, NonceWhenExpected) {
  DpopCheck c = check();
  c.nonce = "n-1";
  auto missing = verify_dpop_proof(make_dpop_proof(es(), "POST", kUrl, kNow, "j"), c);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().fault, DpopFault::kMissingNonce);
  EXPECT_TRUE(is_nonce_fault(missing.error().fault));
  auto wrong = verify_dpop_proof(make_dpop_proof(es(), "POST", kUrl, kNow, "j", "n-2"), c);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().fault, DpopFault::kWrongNonce);
  EXPECT_TRUE(is_nonce_fault(wrong.error().fault));
  EXPECT_EQ(outcome(with_claim("nonce", 1), c), "wrong_nonce");
  auto right = verify_dpop_proof(make_dpop_proof(es(), "POST", kUrl, kNow, "j", "n-1"), c);
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->nonce, "n-1");
  // No nonce expected: a proof carrying one still passes, and says what it held.
  auto unasked = verify_dpop_proof(make_dpop_proof(es(), "POST", kUrl, kNow, "j", "n-9"), check());
  ASSERT_TRUE(unasked.ok());
  EXPECT_EQ(unasked->nonce, "n-9");
  EXPECT_FALSE(is_nonce_fault(DpopFault::kWrongUrl));
}

TEST(Dpop, AthWhenAccessTokenGiven) {
  DpopCheck c = check();
  c.access_token = kToken;
  EXPECT_EQ(outcome(make_dpop_proof(es(), "POST", kUrl, kNow, "j", std::nullopt, kToken), c),
            "accepted");
  EXPECT_EQ(outcome(make_dpop_proof(es(), "POST", kUrl, kNow, "j"), c), "missing_ath");
  EXPECT_EQ(outcome(make_dpop_proof(es(), "POST", kUrl, kNow, "j", std::nullopt, "other"), c),
            "wrong_ath");
  EXPECT_EQ(outcome(with_claim("ath", base64url_encode(sha256(kToken)) + "A"), c), "wrong_ath");
  EXPECT_EQ(outcome(with_claim("ath", sha256_b64url(kToken)), c), "accepted");
  EXPECT_EQ(outcome(with_claim("ath", 7), c), "missing_ath");
  // Without a token (at /token), ath is not looked at.
  EXPECT_EQ(outcome(make_dpop_proof(es(), "POST", kUrl, kNow, "j", std::nullopt, "other")),
            "accepted");
}

TEST(Dpop, FaultNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int f = 0; f <= static_cast<int>(DpopFault::kWrongAth); ++f) {
    std::string_view name = dpop_fault_name(static_cast<DpopFault>(f));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace signet::jose
