// Signing and verification keys held as parsed OpenSSL EVP_PKEY objects for the
// life of the process (parsing a PEM per operation costs 10-25x the signature).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace signet::jose {

// The algorithms Signet signs and accepts (RFC 7518 §3.1). Never "none", never
// HMAC: a key is pinned to exactly one of these.
enum class Alg { ES256, RS256 };

std::string_view alg_name(Alg alg);
std::optional<Alg> alg_from_name(std::string_view name);

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const;
};
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// A private key and the algorithm it is pinned to.
class PrivateKey {
 public:
  // P-256 for ES256, 2048-bit RSA for RS256.
  static Result<PrivateKey> generate(Alg alg);
  // PKCS#8 PEM; fails when the key type does not fit `alg`.
  static Result<PrivateKey> from_pem(Alg alg, std::string_view pem);

  std::string to_pem() const;  // PKCS#8, unencrypted (seal it before storing)
  Alg alg() const { return alg_; }
  const std::string& kid() const { return kid_; }  // RFC 7638 JWK thumbprint
  // Public JWK with kty, crv/x/y or n/e, kid, alg and use "sig".
  nlohmann::json public_jwk() const;
  // The JWS signature over `signing_input` (ES256: raw r||s, 64 bytes; RFC 7518 §3.4).
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
  // From a JWK (RFC 7517): EC P-256 or RSA (>= 2048 bits). `alg` in the JWK, if
  // present, must agree with the key type. The kid is the JWK's "kid" if present,
  // else its thumbprint.
  static Result<PublicKey> from_jwk(const nlohmann::json& jwk);
  static PublicKey from_private(const PrivateKey& key);

  Alg alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  PublicKey(Alg alg, PkeyPtr key, std::string kid);
  Alg alg_;
  PkeyPtr key_;
  std::string kid_;
};

}  // namespace signet::jose
