#include "jose/key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>
#include <span>

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
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// SHA-256, fetched from the provider once per process: in OpenSSL 3.0 an implicit
// fetch (EVP_sha256() handed to an init function, SHA256()) searches the provider's
// method store on every call. Never freed: it lives as long as the process.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// A sign- or verify-initialised EVP_PKEY_CTX for one key, made once when the key is
// parsed. OpenSSL 3.0's EVP_DigestSignInit / EVP_DigestVerifyInit fetch the
// signature and digest implementations and set up a context on every call (≈ 15%
// of an ES256 signature); EVP_PKEY_CTX_dup of a ready context costs ≈ 0.1 µs. The
// templates are never used directly, only duplicated (EVP_PKEY_CTX_dup reads its
// source and takes references atomically), so one key serves every thread.
// EdDSA has no template: Ed25519 signs the message itself, not a digest, through
// EVP_DigestSign (RFC 8032 §5.1.6).
constexpr int kPssSaltBytes = 32;  // RFC 7518 §3.5: the salt is as long as the hash

EVP_PKEY_CTX* make_template(EVP_PKEY* key, Alg alg, bool sign) {
  const EVP_MD* md = sha256_md();
  if (!md || alg == Alg::EdDSA) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return nullptr;
  if ((sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) {
    return nullptr;  // e.g. a public key cannot sign
  }
  if (alg == Alg::RS256 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return nullptr;  // RS256 is RSASSA-PKCS1-v1_5 (RFC 7518 §3.3)
  }
  if (alg == Alg::PS256 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1) {
    return nullptr;  // PS256 is RSASSA-PSS (RFC 7518 §3.5)
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return nullptr;
  // MGF1 with SHA-256 and a 32-byte salt, exactly: on verify, OpenSSL then refuses
  // any other salt length instead of recovering it from the signature.
  if (alg == Alg::PS256 && (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1 ||
                            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), kPssSaltBytes) != 1)) {
    return nullptr;
  }
  return ctx.release();
}

// The deleter of every PkeyPtr made here carries the key's templates, so they live
// in the shared_ptr's control block exactly as long as the EVP_PKEY, shared by a
// PrivateKey and the PublicKey made from it, without a field in key.h. The
// templates are made before the PkeyPtr exists and never change afterwards; they
// carry the padding of the one algorithm the key is pinned to.
struct KeyTemplates {
  EVP_PKEY_CTX* sign = nullptr;
  EVP_PKEY_CTX* verify = nullptr;
};
struct PkeyWithTemplates {
  KeyTemplates* t = nullptr;
  void operator()(EVP_PKEY* p) const {
    if (t) {
      EVP_PKEY_CTX_free(t->sign);  // each holds a reference to p: free them first
      EVP_PKEY_CTX_free(t->verify);
      delete t;
    }
    EVP_PKEY_free(p);
  }
};

PkeyPtr wrap(EVP_PKEY* p, Alg alg) {
  auto* t = new KeyTemplates{make_template(p, alg, true), make_template(p, alg, false)};
  ERR_clear_error();  // a public key's failed sign_init is expected
  return PkeyPtr(p, PkeyWithTemplates{t});
}

// A fresh operation context for `key`: a copy of its template, or (no template: a
// key not made by wrap(), or OpenSSL failed at parse time) one set up from scratch.
// nullptr when OpenSSL fails.
std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> op_ctx(const PkeyPtr& key, Alg alg, bool sign) {
  const auto* d = std::get_deleter<PkeyWithTemplates>(key);
  EVP_PKEY_CTX* tmpl = d && d->t ? (sign ? d->t->sign : d->t->verify) : nullptr;
  return std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>(tmpl ? EVP_PKEY_CTX_dup(tmpl)
                                                         : make_template(key.get(), alg, sign));
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Ed25519 (RFC 8032, PureEdDSA): one-shot over the whole input, no digest and no
// template; the context is made per call, the key is only read.
std::unique_ptr<EVP_MD_CTX, MdCtxFree> eddsa_ctx(EVP_PKEY* key, bool sign) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return ctx;
  int ok =
      sign ? EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr)
           : EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr);
  if (ok != 1) ctx.reset();
  return ctx;
}

constexpr size_t kEd25519Bytes = 32;     // public key (RFC 8032 §5.1.5)
constexpr size_t kEd25519SigBytes = 64;  // signature (RFC 8032 §5.1.6)

constexpr size_t kSha256Bytes = 32;

bool sha256_of(std::string_view data, unsigned char (&out)[kSha256Bytes]) {
  const EVP_MD* md = sha256_md();
  unsigned int len = 0;
  return md && EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) == 1 &&
         len == kSha256Bytes;
}

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

bool fits(Alg alg, EVP_PKEY* key) {
  switch (alg) {
    case Alg::ES256:
      return is_p256(key);
    case Alg::RS256:
    case Alg::PS256:
      return is_usable_rsa(key);
    case Alg::EdDSA:
      return EVP_PKEY_is_a(key, "ED25519") == 1;
  }
  return false;
}

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
  if (alg == Alg::EdDSA) {
    std::string x(kEd25519Bytes, '\0');
    size_t len = x.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(x.data()), &len) != 1 ||
        len != kEd25519Bytes) {
      return nlohmann::json();
    }
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = base64url_encode(x);
  } else if (alg == Alg::ES256) {
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
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
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

EVP_PKEY* okp_from_jwk(const nlohmann::json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string() || *crv != "Ed25519") return nullptr;
  auto x = b64_member(jwk, "x");
  // RFC 8037 §2: x is the 32-byte public key, exactly.
  if (!x || x->size() != kEd25519Bytes) return nullptr;
  return EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, u8(*x), x->size());
}

constexpr const char* kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// ES256 signatures are r||s, 32 bytes each (RFC 7518 §3.4); OpenSSL speaks DER:
// SEQUENCE { INTEGER r, INTEGER s }, at most 72 bytes for P-256, every length in
// short form. Converted by hand: ECDSA_SIG and four BIGNUMs cost more than the
// byte shuffling.
constexpr size_t kMaxEcdsaDer = 2 + 2 * (2 + kP256CoordBytes + 1);

// One DER INTEGER at `p` (within `end`) into a 32-byte big-endian field; advances p.
bool der_integer_to_field(const unsigned char*& p, const unsigned char* end, unsigned char* out) {
  if (end - p < 2 || p[0] != 0x02 || p[1] == 0 || p[1] >= 0x80) return false;
  size_t len = p[1];
  p += 2;
  if (static_cast<size_t>(end - p) < len) return false;
  const unsigned char* v = p;
  p += len;
  while (len > 0 && *v == 0) {  // the sign octet (and any other leading zero)
    ++v;
    --len;
  }
  if (len > kP256CoordBytes) return false;
  std::memset(out, 0, kP256CoordBytes - len);
  std::memcpy(out + kP256CoordBytes - len, v, len);
  return true;
}

std::string der_to_raw(const unsigned char* der, size_t size) {
  const unsigned char* p = der;
  const unsigned char* end = der + size;
  if (size < 2 || p[0] != 0x30 || p[1] >= 0x80 || static_cast<size_t>(p[1]) != size - 2) return {};
  p += 2;
  std::string out(2 * kP256CoordBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!der_integer_to_field(p, end, o) || !der_integer_to_field(p, end, o + kP256CoordBytes) ||
      p != end) {
    return {};
  }
  return out;
}

// A 32-byte big-endian field as a minimal DER INTEGER (no superfluous zero, a zero
// octet before a set high bit); returns the bytes written.
size_t field_to_der_integer(const unsigned char* field, unsigned char* out) {
  size_t skip = 0;
  while (skip + 1 < kP256CoordBytes && field[skip] == 0) ++skip;
  size_t len = kP256CoordBytes - skip;
  bool pad = (field[skip] & 0x80) != 0;
  out[0] = 0x02;
  out[1] = static_cast<unsigned char>(len + (pad ? 1 : 0));
  size_t n = 2;
  if (pad) out[n++] = 0;
  std::memcpy(out + n, field + skip, len);
  return n + len;
}

// Exactly 64 bytes, else refused; the DER is canonical, so OpenSSL's own
// re-encoding check accepts it. r or s of zero encodes and then fails to verify.
size_t raw_to_der(std::string_view raw, unsigned char (&der)[kMaxEcdsaDer]) {
  if (raw.size() != 2 * kP256CoordBytes) return 0;
  size_t n = 2;
  n += field_to_der_integer(u8(raw), der + n);
  n += field_to_der_integer(u8(raw) + kP256CoordBytes, der + n);
  der[0] = 0x30;
  der[1] = static_cast<unsigned char>(n - 2);
  return n;
}

}  // namespace

std::string_view alg_name(Alg alg) {
  switch (alg) {
    case Alg::ES256:
      return "ES256";
    case Alg::RS256:
      return "RS256";
    case Alg::PS256:
      return "PS256";
    case Alg::EdDSA:
      return "EdDSA";
  }
  return "";
}

std::optional<Alg> alg_from_name(std::string_view name) {
  // Exact, case-sensitive names (RFC 7515 §4.1.1); everything else is refused.
  if (name == "ES256") return Alg::ES256;
  if (name == "RS256") return Alg::RS256;
  return std::nullopt;
}

std::optional<Alg> verification_alg_from_name(std::string_view name) {
  if (auto alg = alg_from_name(name)) return alg;
  if (name == "PS256") return Alg::PS256;
  if (name == "EdDSA") return Alg::EdDSA;  // RFC 8037 §3.1; Ed25519 keys only (from_jwk)
  return std::nullopt;
}

bool jwk_fits_alg(const nlohmann::json& jwk, Alg alg) {
  if (!jwk.is_object()) return false;
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return false;
  const auto& type = kty->get_ref<const std::string&>();
  switch (alg) {
    case Alg::ES256:
      return type == "EC";
    case Alg::RS256:
    case Alg::PS256:
      return type == "RSA";
    case Alg::EdDSA: {
      auto crv = jwk.find("crv");
      return type == "OKP" && crv != jwk.end() && crv->is_string() && *crv == "Ed25519";
    }
  }
  return false;
}

bool jwk_has_private_members(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return false;
  for (const char* priv : kPrivateMembers) {
    if (jwk.contains(priv)) return true;
  }
  return false;
}

std::optional<std::string> jwk_thumbprint(const nlohmann::json& public_jwk) {
  if (!public_jwk.is_object()) return std::nullopt;
  auto kty = public_jwk.find("kty");
  if (kty == public_jwk.end() || !kty->is_string()) return std::nullopt;
  static constexpr const char* kEc[] = {"crv", "kty", "x", "y"};
  static constexpr const char* kRsa[] = {"e", "kty", "n"};
  static constexpr const char* kOkp[] = {"crv", "kty", "x"};
  std::span<const char* const> names;
  if (*kty == "EC") {
    names = kEc;
  } else if (*kty == "RSA") {
    names = kRsa;
  } else if (*kty == "OKP") {
    names = kOkp;
  } else {
    return std::nullopt;
  }
  nlohmann::json members = nlohmann::json::object();
  for (const char* name : names) {
    auto it = public_jwk.find(name);
    if (it == public_jwk.end() || !it->is_string()) return std::nullopt;
    members[name] = *it;
  }
  // Sorted keys, no whitespace (§3.3); a member that is not UTF-8 cannot be a
  // valid key, and must not throw here: it is replaced, giving some other digest.
  return sha256_b64url(members.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void PkeyDeleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

// ---------------------------------------------------------------- PrivateKey

PrivateKey::PrivateKey(Alg alg, PkeyPtr key) : alg_(alg), key_(std::move(key)) {
  kid_ = thumbprint_of(required_members(alg_, key_.get()));
}

Result<PrivateKey> PrivateKey::generate(Alg alg) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case Alg::ES256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", SN_X9_62_prime256v1);
      break;
    case Alg::RS256:
    case Alg::PS256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case Alg::EdDSA:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (!raw) {
    ERR_clear_error();
    return fail("keygen_failed", "key generation failed");
  }
  return PrivateKey(alg, wrap(raw, alg));
}

Result<PrivateKey> PrivateKey::from_pem(Alg alg, std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail("bad_key", "cannot read PEM");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (!raw) {
    ERR_clear_error();
    return fail("bad_key", "not a PEM private key");
  }
  if (!fits(alg, raw)) {
    EVP_PKEY_free(raw);
    return fail("bad_key", "key type does not fit " + std::string(alg_name(alg)));
  }
  return PrivateKey(alg, wrap(raw, alg));
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
  if (alg_ == Alg::EdDSA) {
    auto md_ctx = eddsa_ctx(key_.get(), /*sign=*/true);
    std::string sig(kEd25519SigBytes, '\0');
    size_t len = sig.size();
    if (!md_ctx ||
        EVP_DigestSign(md_ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       u8(signing_input), signing_input.size()) != 1 ||
        len != kEd25519SigBytes) {
      ERR_clear_error();
      return {};
    }
    return sig;
  }
  // A context per call, duplicated from the key's template: the EVP_PKEY and the
  // template are shared read-only across threads.
  unsigned char digest[kSha256Bytes];
  auto ctx = op_ctx(key_, alg_, /*sign=*/true);
  size_t len = 0;
  if (!ctx || !sha256_of(signing_input, digest) ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, digest, sizeof(digest)) != 1) {
    ERR_clear_error();
    return {};  // an empty signature never verifies: fail closed
  }
  if (alg_ == Alg::ES256) {
    unsigned char der[kMaxEcdsaDer];
    len = sizeof(der);
    if (EVP_PKEY_sign(ctx.get(), der, &len, digest, sizeof(digest)) != 1) {
      ERR_clear_error();
      return {};
    }
    return der_to_raw(der, len);
  }
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, digest,
                    sizeof(digest)) != 1) {
    ERR_clear_error();
    return {};
  }
  sig.resize(len);
  return sig;
}

// ---------------------------------------------------------------- PublicKey

PublicKey::PublicKey(Alg alg, PkeyPtr key, std::string kid, std::string thumbprint)
    : alg_(alg), key_(std::move(key)), kid_(std::move(kid)), thumbprint_(std::move(thumbprint)) {}

PublicKey PublicKey::from_private(const PrivateKey& key) {
  // Verification with the private EVP_PKEY is the same operation; sharing it avoids a copy.
  return PublicKey(key.alg_, key.key_, key.kid_, key.kid_);
}

Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk, std::optional<Alg> pin) {
  if (!jwk.is_object()) return fail("bad_jwk", "JWK is not an object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return fail("bad_jwk", "kty missing");
  // A published key carrying private members is a leak or a mistake: refuse it.
  if (jwk_has_private_members(jwk)) return fail("bad_jwk", "JWK holds private key material");
  if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") {
    return fail("bad_jwk", "JWK use is not sig");
  }

  // The key's algorithm: the pin, else the JWK's "alg", else the one its type implies
  // (RSA without "alg" stays RS256). Each must fit the key type (RFC 7517 §4.4), so an
  // RSA key is RS256 or PS256, never ES256 or EdDSA.
  std::optional<Alg> named;
  if (auto a = jwk.find("alg"); a != jwk.end()) {
    named = a->is_string() ? verification_alg_from_name(a->get_ref<const std::string&>())
                           : std::nullopt;
    if (!named || !jwk_fits_alg(jwk, *named))
      return fail("bad_jwk", "JWK alg does not fit the key");
  }
  if (pin) {
    if (!jwk_fits_alg(jwk, *pin)) return fail("bad_jwk", "key type does not fit the pinned alg");
    if (named && *named != *pin) return fail("bad_jwk", "JWK alg differs from the pinned alg");
  }
  Alg alg;
  EVP_PKEY* raw = nullptr;
  if (*kty == "EC") {
    alg = Alg::ES256;
    raw = ec_from_jwk(jwk);
  } else if (*kty == "RSA") {
    alg = pin ? *pin : named ? *named : Alg::RS256;
    raw = rsa_from_jwk(jwk);
  } else if (*kty == "OKP") {
    alg = Alg::EdDSA;
    raw = okp_from_jwk(jwk);
  } else {
    return fail("bad_jwk", "unsupported kty");  // "oct" among them: never a public key
  }
  if (!raw) {
    ERR_clear_error();
    return fail("bad_jwk", "invalid key parameters");
  }
  PkeyPtr key = wrap(raw, alg);

  std::string thumbprint = thumbprint_of(required_members(alg, key.get()));
  std::string kid;
  if (auto k = jwk.find("kid"); k != jwk.end()) {
    if (!k->is_string() || k->get_ref<const std::string&>().empty()) {
      return fail("bad_jwk", "kid is not a string");
    }
    kid = k->get<std::string>();
  } else {
    kid = thumbprint;
  }
  return PublicKey(alg, std::move(key), std::move(kid), std::move(thumbprint));
}

bool PublicKey::verify(std::string_view signing_input, std::string_view signature) const {
  if (alg_ == Alg::EdDSA) {
    if (signature.size() != kEd25519SigBytes) return false;
    auto md_ctx = eddsa_ctx(key_.get(), /*sign=*/false);
    bool ok = md_ctx && EVP_DigestVerify(md_ctx.get(), u8(signature), signature.size(),
                                         u8(signing_input), signing_input.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }
  unsigned char der[kMaxEcdsaDer];
  const unsigned char* sig = u8(signature);
  size_t sig_len = signature.size();
  if (alg_ == Alg::ES256) {
    sig_len = raw_to_der(signature, der);  // exactly 64 bytes, else refused
    if (sig_len == 0) return false;
    sig = der;
  } else if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key_.get()))) {
    return false;  // RFC 8017 §8.1.2, §8.2.2: the signature is exactly the modulus length
  }
  unsigned char digest[kSha256Bytes];
  auto ctx = op_ctx(key_, alg_, /*sign=*/false);
  bool ok = ctx && sha256_of(signing_input, digest) &&
            EVP_PKEY_verify(ctx.get(), sig, sig_len, digest, sizeof(digest)) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace signet::jose
