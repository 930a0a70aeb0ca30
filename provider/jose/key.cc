#include "jose/key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstring>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::jose {
namespace {

constexpr size_t kP256CoordBytes = 32;
constexpr int kMinRsaBits = 2048;
// An attacker-supplied JWKS must not make every verify arbitrarily slow.
constexpr int kMaxRsaBits = 8192;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

PkeyPtr wrap(EVP_PKEY* p) { return PkeyPtr(p, PkeyDeleter{}); }

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Never prompt on a terminal for a passphrase: encrypted PEM is simply refused.
int no_passphrase(char*, int, int, void*) { return 0; }

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) !=
      1) {
    return false;
  }
  return std::string_view(group, len) == SN_X9_62_prime256v1;
}

bool is_usable_rsa(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA") != 1) return false;
  int bits = EVP_PKEY_get_bits(key);
  return bits >= kMinRsaBits && bits <= kMaxRsaBits;
}

bool fits(Alg alg, EVP_PKEY* key) { return alg == Alg::ES256 ? is_p256(key) : is_usable_rsa(key); }

std::optional<std::string> bn_param(EVP_PKEY* key, const char* name, size_t pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  BnPtr bn(raw);
  size_t len = pad_to ? pad_to : static_cast<size_t>(BN_num_bytes(bn.get()));
  if (len == 0) return std::nullopt;
  std::string out(len, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(len)) <
      0) {
    return std::nullopt;
  }
  return out;
}

// The RFC 7638 §3.2 required members only. nlohmann's object keeps keys sorted and
// dump() emits no whitespace, which is exactly the canonical form of §3.3.
nlohmann::json required_members(Alg alg, EVP_PKEY* key) {
  nlohmann::json jwk = nlohmann::json::object();
  if (alg == Alg::ES256) {
    auto x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordBytes);
    auto y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordBytes);
    if (!x || !y) return nlohmann::json();
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = base64url_encode(*x);
    jwk["y"] = base64url_encode(*y);
  } else {
    auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
    auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n || !e) return nlohmann::json();
    jwk["kty"] = "RSA";
    jwk["n"] = base64url_encode(*n);
    jwk["e"] = base64url_encode(*e);
  }
  return jwk;
}

std::string thumbprint_of(const nlohmann::json& members) { return sha256_b64url(members.dump()); }

// A JWK member holding base64url bytes (RFC 7518 §6: Base64urlUInt / coordinates).
std::optional<std::string> b64_member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  auto decoded = base64url_decode(it->get_ref<const std::string&>());
  if (!decoded || decoded->empty()) return std::nullopt;
  return decoded;
}

EVP_PKEY* from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* out = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  // Reject points off the curve and malformed moduli before anything is verified with them.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, out, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    EVP_PKEY_free(out);
    return nullptr;
  }
  return out;
}

EVP_PKEY* ec_from_jwk(const nlohmann::json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string() || *crv != "P-256") return nullptr;
  auto x = b64_member(jwk, "x");
  auto y = b64_member(jwk, "y");
  // RFC 7518 §6.2.1.2: coordinates are the full field size, no shorter, no longer.
  if (!x || !y || x->size() != kP256CoordBytes || y->size() != kP256CoordBytes) return nullptr;
  std::string point = "\x04" + *x + *y;  // SEC1 uncompressed point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return from_params("EC", bld.get());
}

EVP_PKEY* rsa_from_jwk(const nlohmann::json& jwk) {
  auto n = b64_member(jwk, "n");
  auto e = b64_member(jwk, "e");
  // Base64urlUInt has no leading zero octet (RFC 7518 §2), so one key has one thumbprint.
  if (!n || !e || (*n)[0] == '\0' || (*e)[0] == '\0' || e->size() > 8) return nullptr;
  BnPtr bn_n(BN_bin2bn(u8(*n), static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(u8(*e), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return nullptr;
  int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  return from_params("RSA", bld.get());
}

// ES256 signatures are r||s, 32 bytes each (RFC 7518 §3.4); OpenSSL speaks DER.
std::string der_to_raw(const std::string& der) {
  const unsigned char* p = u8(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return {};
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP256CoordBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, kP256CoordBytes) < 0 ||
      BN_bn2binpad(s, o + kP256CoordBytes, kP256CoordBytes) < 0) {
    return {};
  }
  return out;
}

std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordBytes) return std::nullopt;
  BnPtr r(BN_bin2bn(u8(raw), kP256CoordBytes, nullptr));
  BnPtr s(BN_bin2bn(u8(raw) + kP256CoordBytes, kP256CoordBytes, nullptr));
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  (void)r.release();  // owned by sig now
  (void)s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

}  // namespace

std::string_view alg_name(Alg alg) { return alg == Alg::ES256 ? "ES256" : "RS256"; }

std::optional<Alg> alg_from_name(std::string_view name) {
  // Exact, case-sensitive names (RFC 7515 §4.1.1); everything else is refused.
  if (name == "ES256") return Alg::ES256;
  if (name == "RS256") return Alg::RS256;
  return std::nullopt;
}

void PkeyDeleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

// ---------------------------------------------------------------- PrivateKey

PrivateKey::PrivateKey(Alg alg, PkeyPtr key) : alg_(alg), key_(std::move(key)) {
  kid_ = thumbprint_of(required_members(alg_, key_.get()));
}

Result<PrivateKey> PrivateKey::generate(Alg alg) {
  EVP_PKEY* raw = alg == Alg::ES256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", SN_X9_62_prime256v1)
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (!raw) {
    ERR_clear_error();
    return fail("keygen_failed", "key generation failed");
  }
  return PrivateKey(alg, wrap(raw));
}

Result<PrivateKey> PrivateKey::from_pem(Alg alg, std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail("bad_key", "cannot read PEM");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (!raw) {
    ERR_clear_error();
    return fail("bad_key", "not a PEM private key");
  }
  PkeyPtr key = wrap(raw);
  if (!fits(alg, key.get())) {
    return fail("bad_key", "key type does not fit " + std::string(alg_name(alg)));
  }
  return PrivateKey(alg, std::move(key));
}

std::string PrivateKey::to_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

nlohmann::json PrivateKey::public_jwk() const {
  nlohmann::json jwk = required_members(alg_, key_.get());
  jwk["kid"] = kid_;
  jwk["alg"] = alg_name(alg_);
  jwk["use"] = "sig";
  return jwk;
}

std::string PrivateKey::sign(std::string_view signing_input) const {
  // A fresh context per call: the EVP_PKEY is shared read-only across threads.
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, u8(signing_input), signing_input.size()) != 1) {
    ERR_clear_error();
    return {};  // an empty signature never verifies: fail closed
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     u8(signing_input), signing_input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  sig.resize(len);
  return alg_ == Alg::ES256 ? der_to_raw(sig) : sig;
}

// ---------------------------------------------------------------- PublicKey

PublicKey::PublicKey(Alg alg, PkeyPtr key, std::string kid)
    : alg_(alg), key_(std::move(key)), kid_(std::move(kid)) {}

PublicKey PublicKey::from_private(const PrivateKey& key) {
  // Verification with the private EVP_PKEY is the same operation; sharing it avoids a copy.
  return PublicKey(key.alg_, key.key_, key.kid_);
}

Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return fail("bad_jwk", "JWK is not an object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return fail("bad_jwk", "kty missing");
  // A published key carrying private members is a leak or a mistake: refuse it.
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.contains(priv)) return fail("bad_jwk", "JWK holds private key material");
  }
  if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") {
    return fail("bad_jwk", "JWK use is not sig");
  }

  Alg alg;
  EVP_PKEY* raw = nullptr;
  if (*kty == "EC") {
    alg = Alg::ES256;
    raw = ec_from_jwk(jwk);
  } else if (*kty == "RSA") {
    alg = Alg::RS256;
    raw = rsa_from_jwk(jwk);
  } else {
    return fail("bad_jwk", "unsupported kty");
  }
  if (!raw) {
    ERR_clear_error();
    return fail("bad_jwk", "invalid key parameters");
  }
  PkeyPtr key = wrap(raw);

  // The key's algorithm is pinned by its type; a JWK "alg" must agree (RFC 7517 §4.4).
  if (auto a = jwk.find("alg"); a != jwk.end()) {
    if (!a->is_string() || alg_from_name(a->get_ref<const std::string&>()) != alg) {
      return fail("bad_jwk", "JWK alg does not fit the key");
    }
  }
  std::string kid;
  if (auto k = jwk.find("kid"); k != jwk.end()) {
    if (!k->is_string() || k->get_ref<const std::string&>().empty()) {
      return fail("bad_jwk", "kid is not a string");
    }
    kid = k->get<std::string>();
  } else {
    kid = thumbprint_of(required_members(alg, key.get()));
  }
  return PublicKey(alg, std::move(key), std::move(kid));
}

bool PublicKey::verify(std::string_view signing_input, std::string_view signature) const {
  std::string der_holder;
  std::string_view sig = signature;
  if (alg_ == Alg::ES256) {
    auto der = raw_to_der(signature);  // exactly 64 bytes, else refused
    if (!der) return false;
    der_holder = std::move(*der);
    sig = der_holder;
  } else if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key_.get()))) {
    return false;  // RFC 8017 §8.2.2: the signature is exactly the modulus length
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), u8(sig), sig.size(), u8(signing_input), signing_input.size()) ==
          1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace signet::jose
