// Signing and verification keys held as parsed OpenSSL EVP_PKEY objects for the
// life of the process (parsing a PEM per operation costs 10-25x the signature).
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace signet::jose {

// The asymmetric algorithms Signet knows (RFC 7518 §3.1, RFC 8037 §3.1). Never
// "none", never HMAC: a key is pinned to exactly one of these. PS256 and EdDSA are
// for verifying what clients sign (DPoP proofs, client assertions); Signet's own
// keys sign with ES256 or RS256 only (alg_from_name).
enum class Alg { ES256, RS256, PS256, EdDSA };

std::string_view alg_name(Alg alg);
// Signet's own signing algorithms (SIGNET_SIGNING_ALG, `signet keys`, the key
// table): "ES256" and "RS256" only.
std::optional<Alg> alg_from_name(std::string_view name);
// Every algorithm a verifier may meet in a JWS header: ES256, RS256, PS256, EdDSA.
// Exact, case-sensitive names; "none", HS*, and anything else: nullopt.
std::optional<Alg> verification_alg_from_name(std::string_view name);

// A small set of algorithms (an allow-list), cheap to copy per request.
class AlgSet {
 public:
  constexpr AlgSet() = default;
  constexpr AlgSet(std::initializer_list<Alg> algs) {
    for (Alg a : algs) bits_ |= bit(a);
  }
  constexpr bool contains(Alg alg) const { return (bits_ & bit(alg)) != 0; }
  constexpr void insert(Alg alg) { bits_ |= bit(alg); }
  constexpr void erase(Alg alg) { bits_ &= static_cast<unsigned>(~bit(alg)); }

 private:
  static constexpr unsigned bit(Alg alg) { return 1u << static_cast<unsigned>(alg); }
  unsigned bits_ = 0;
};

// Whether a JWK's key type can hold a key for `alg` (RFC 7518 §6, RFC 8037 §2):
// "RSA" for RS256 and PS256, "EC" for ES256, "OKP" with crv "Ed25519" for EdDSA.
// Only kty (and crv for OKP) are read; the key itself is checked by from_jwk.
bool jwk_fits_alg(const nlohmann::json& jwk, Alg alg);
// Whether a JWK carries private or symmetric key members (d, p, q, dp, dq, qi,
// oth, k), which have no place where a public key is expected.
bool jwk_has_private_members(const nlohmann::json& jwk);

// The RFC 7638 JWK thumbprint: base64url(SHA-256) of the JSON object holding only
// the required members in lexicographic order (§3.2: EC crv,kty,x,y; RSA e,kty,n;
// OKP crv,kty,x, RFC 8037 §2), with no whitespace. The members are taken as they
// are written; nullopt when kty is none of these or a required member is not a string.
std::optional<std::string> jwk_thumbprint(const nlohmann::json& public_jwk);

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const;
};
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// A private key and the algorithm it is pinned to.
class PrivateKey {
 public:
  // P-256 for ES256, 2048-bit RSA for RS256 and PS256, Ed25519 for EdDSA.
  static Result<PrivateKey> generate(Alg alg);
  // PKCS#8 PEM; fails when the key type does not fit `alg`.
  static Result<PrivateKey> from_pem(Alg alg, std::string_view pem);

  std::string to_pem() const;  // PKCS#8, unencrypted (seal it before storing)
  Alg alg() const { return alg_; }
  const std::string& kid() const { return kid_; }  // RFC 7638 JWK thumbprint
  // Public JWK with kty, crv/x/y (EC), n/e (RSA) or crv/x (OKP), kid, alg and use "sig".
  nlohmann::json public_jwk() const;
  // The JWS signature over `signing_input` (ES256: raw r||s, 64 bytes, RFC 7518
  // §3.4; PS256: RSASSA-PSS, §3.5; EdDSA: 64 bytes, RFC 8037 §3.1). Empty on failure.
  std::string sign(std::string_view signing_input) const;

 private:
  friend class PublicKey;  // from_private shares the parsed EVP_PKEY
  PrivateKey(Alg alg, PkeyPtr key);
  Alg alg_;
  PkeyPtr key_;
  std::string kid_;
};

// A public key, pinned to one algorithm, for verification.
class PublicKey {
 public:
  // From a JWK (RFC 7517): EC P-256 (ES256), RSA >= 2048 bits (RS256, or PS256
  // when the JWK's "alg" says so), OKP Ed25519 (EdDSA, RFC 8037 §2). Never "oct",
  // never a JWK with private members. `alg` in the JWK, if present, must fit the
  // key type. `pin`, when given, is the one algorithm the key may verify (e.g. the
  // JWS header's alg for a key sent in the header): it must fit the key type and
  // agree with the JWK's "alg", else the JWK is refused. The kid is the JWK's
  // "kid" if present, else its thumbprint.
  static Result<PublicKey> from_jwk(const nlohmann::json& jwk, std::optional<Alg> pin = {});
  static PublicKey from_private(const PrivateKey& key);

  Alg alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // The RFC 7638 thumbprint of the key (whatever its "kid").
  const std::string& thumbprint() const { return thumbprint_; }
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  PublicKey(Alg alg, PkeyPtr key, std::string kid, std::string thumbprint);
  Alg alg_;
  PkeyPtr key_;
  std::string kid_;
  std::string thumbprint_;
};

}  // namespace signet::jose
