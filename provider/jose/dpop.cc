#include "jose/dpop.h"

#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "common/crypto.h"
#include "jose/htu.h"
#include "jose/jws.h"
#include "jose/key_import_cache.h"

namespace signet::jose {
namespace {

using nlohmann::json;

Unexpected<DpopError> refuse(DpopFault fault, const char* why) {
  return fail(DpopError(fault, why));
}

// A string member, or nullptr when it is absent or not a string.
const std::string* string_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// The header's algorithm and key (RFC 9449 §4.3 steps 5-7; RFC 8725 §3.1: the
// algorithm comes from an allow-list and the key type must fit it).
Result<PublicKey, DpopError> proof_key(const json& header, const DpopCheck& check) {
  const std::string* alg_name_in = string_member(header, "alg");
  auto alg = alg_name_in ? verification_alg_from_name(*alg_name_in) : std::nullopt;
  if (!alg) return refuse(DpopFault::kUnsupportedAlg, "alg missing, none, symmetric or unknown");
  if (!check.algs.contains(*alg)) return refuse(DpopFault::kAlgNotAllowed, "alg not allowed");

  auto jwk = header.find("jwk");
  if (jwk == header.end() || !jwk->is_object()) {
    return refuse(DpopFault::kMissingJwk, "jwk header missing");
  }
  if (jwk_has_private_members(*jwk)) return refuse(DpopFault::kPrivateJwk, "jwk is private");
  if (!jwk_fits_alg(*jwk, *alg)) return refuse(DpopFault::kKeyAlgMismatch, "jwk type != alg");
  auto key = proof_key_cache().from_jwk(*jwk, *alg);
  if (!key) return refuse(DpopFault::kBadJwk, "jwk is not a usable public key");
  return std::move(key).value();
}

// iat as whole seconds, when it is a number (RFC 7519 NumericDate may be fractional).
std::optional<int64_t> numeric_date(const json& claims) {
  auto it = claims.find("iat");
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) return INT64_MAX;
    return it->get<int64_t>();
  }
  if (it->is_number_float()) {
    double v = it->get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    if (v >= 9.2e18) return INT64_MAX;
    if (v <= -9.2e18) return INT64_MIN;
    return static_cast<int64_t>(std::floor(v));
  }
  return std::nullopt;
}

}  // namespace

std::string_view dpop_fault_name(DpopFault fault) {
  switch (fault) {
    case DpopFault::kTooLarge:
      return "too_large";
    case DpopFault::kMalformed:
      return "malformed";
    case DpopFault::kWrongType:
      return "wrong_type";
    case DpopFault::kUnsupportedAlg:
      return "unsupported_alg";
    case DpopFault::kAlgNotAllowed:
      return "alg_not_allowed";
    case DpopFault::kMissingJwk:
      return "missing_jwk";
    case DpopFault::kPrivateJwk:
      return "private_jwk";
    case DpopFault::kKeyAlgMismatch:
      return "key_alg_mismatch";
    case DpopFault::kBadJwk:
      return "bad_jwk";
    case DpopFault::kBadSignature:
      return "bad_signature";
    case DpopFault::kBadJti:
      return "bad_jti";
    case DpopFault::kWrongMethod:
      return "wrong_method";
    case DpopFault::kWrongUrl:
      return "wrong_url";
    case DpopFault::kMissingNonce:
      return "missing_nonce";
    case DpopFault::kWrongNonce:
      return "wrong_nonce";
    case DpopFault::kBadIat:
      return "bad_iat";
    case DpopFault::kIatTooOld:
      return "iat_too_old";
    case DpopFault::kIatInFuture:
      return "iat_in_future";
    case DpopFault::kMissingAth:
      return "missing_ath";
    case DpopFault::kWrongAth:
      return "wrong_ath";
  }
  return "malformed";
}

bool is_nonce_fault(DpopFault fault) {
  return fault == DpopFault::kMissingNonce || fault == DpopFault::kWrongNonce;
}

Result<DpopProof, DpopError> verify_dpop_proof(std::string_view proof_jwt, const DpopCheck& check) {
  // §4.3 step 2: one well-formed JWS, of bounded size.
  if (proof_jwt.empty() || proof_jwt.size() > check.max_size) {
    return refuse(DpopFault::kTooLarge, "proof size");
  }
  auto jws = decode_compact(proof_jwt, check.max_size);
  if (!jws) return refuse(DpopFault::kMalformed, "not a compact JWS");
  const json& header = jws->header;
  const json& claims = jws->payload;

  // §4.3 step 4, §4.2: explicit typing keeps other JWTs from passing as proofs.
  const std::string* typ = string_member(header, "typ");
  if (!typ || *typ != "dpop+jwt") return refuse(DpopFault::kWrongType, "typ is not dpop+jwt");

  auto key = proof_key(header, check);
  if (!key) return fail(std::move(key.error()));
  // §4.3 step 6: the signature, with the key the proof carries and its pinned alg.
  if (!key->verify(jws->signing_input, jws->signature)) {
    return refuse(DpopFault::kBadSignature, "signature does not verify");
  }

  // Claims, only after the signature (§4.2, §4.3 steps 3, 8-12).
  const std::string* jti = string_member(claims, "jti");
  if (!jti || jti->empty() || jti->size() > check.max_jti_bytes) {
    return refuse(DpopFault::kBadJti, "jti missing, empty or too long");
  }
  const std::string* htm = string_member(claims, "htm");
  if (!htm || *htm != check.method) return refuse(DpopFault::kWrongMethod, "htm differs");
  const std::string* htu = string_member(claims, "htu");
  if (!htu) return refuse(DpopFault::kWrongUrl, "htu missing");
  auto proof_url = normalize_htu(*htu);
  auto own_url = normalize_htu(check.url);
  if (!proof_url || !own_url || *proof_url != *own_url) {
    return refuse(DpopFault::kWrongUrl, "htu differs");
  }

  std::optional<std::string> nonce;
  if (auto it = claims.find("nonce"); it != claims.end()) {
    if (!it->is_string()) {
      if (check.nonce) return refuse(DpopFault::kWrongNonce, "nonce is not a string");
    } else {
      nonce = it->get<std::string>();
    }
  }
  if (check.nonce) {
    if (!nonce) return refuse(DpopFault::kMissingNonce, "nonce required");
    if (!constant_time_equal(*nonce, *check.nonce)) {
      return refuse(DpopFault::kWrongNonce, "nonce differs");
    }
  }

  // §4.3 step 11: a window around now; replay within it is the caller's jti cache.
  auto iat = numeric_date(claims);
  if (!iat) return refuse(DpopFault::kBadIat, "iat missing or not a number");
  if (*iat < check.now - check.max_age_seconds) {
    return refuse(DpopFault::kIatTooOld, "iat too old");
  }
  if (*iat > check.now + check.max_future_seconds) {
    return refuse(DpopFault::kIatInFuture, "iat in the future");
  }

  // §4.3 step 12, §7: the proof is bound to the access token it travels with.
  if (check.access_token) {
    const std::string* ath = string_member(claims, "ath");
    if (!ath) return refuse(DpopFault::kMissingAth, "ath missing");
    if (!constant_time_equal(*ath, sha256_b64url(*check.access_token))) {
      return refuse(DpopFault::kWrongAth, "ath differs");
    }
  }

  return DpopProof{key->thumbprint(), key->alg(), *jti, *iat, *htu, std::move(nonce)};
}

std::string make_dpop_proof(const PrivateKey& key, std::string_view method, std::string_view url,
                            int64_t iat, std::string_view jti,
                            std::optional<std::string_view> nonce,
                            std::optional<std::string_view> access_token) {
  json jwk = key.public_jwk();
  for (const char* extra : {"kid", "alg", "use"}) jwk.erase(extra);
  const json header = {{"typ", "dpop+jwt"}, {"alg", alg_name(key.alg())}, {"jwk", jwk}};
  json claims = {{"jti", jti}, {"htm", method}, {"htu", url}, {"iat", iat}};
  if (nonce) claims["nonce"] = *nonce;
  if (access_token) claims["ath"] = sha256_b64url(*access_token);
  const auto dump = [](const json& j) {
    return base64url_encode(j.dump(-1, ' ', false, json::error_handler_t::replace));
  };
  std::string input = dump(header) + "." + dump(claims);
  std::string sig = key.sign(input);
  return input + "." + base64url_encode(sig);
}

}  // namespace signet::jose
