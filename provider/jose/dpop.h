// DPoP proof verification (RFC 9449 §4.3), shared by the provider's token endpoint
// and the resource library. Replay is NOT checked here: the caller keeps its own
// cache of (jkt, jti) for the proof's lifetime (RFC 9449 §11.1) and refuses a jti it
// has seen, because only the caller knows where such a cache lives (one process,
// or PostgreSQL across replicas).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "jose/key.h"

namespace signet::jose {

// What the caller knows about the request the proof must belong to.
struct DpopCheck {
  std::string_view method;  // the request's method, e.g. "POST"; htm must equal it exactly
  std::string_view url;     // the server's own canonical URL of the endpoint (no query)
  // Asymmetric algorithms accepted; RS256 may be added by configuration.
  AlgSet algs{Alg::ES256, Alg::PS256, Alg::EdDSA};
  int64_t now = 0;                 // seconds since the epoch
  int64_t max_age_seconds = 300;   // iat may be this far in the past
  int64_t max_future_seconds = 5;  // and this far ahead (clock skew)
  // The nonce the server gave the client (RFC 9449 §8, §9), when it requires one.
  std::optional<std::string_view> nonce;
  // The access token presented with the proof (at a resource, §7): then "ath" must
  // be base64url(SHA-256(token)).
  std::optional<std::string_view> access_token;
  size_t max_size = 8192;      // bytes of the whole proof
  size_t max_jti_bytes = 256;  // a replay cache keeps jti: bound what it stores
};

// Why a proof is refused, in the order of the checks (RFC 9449 §4.3's list).
enum class DpopFault {
  kTooLarge,        // more than max_size bytes (or empty)
  kMalformed,       // not a compact JWS of three base64url parts holding JSON objects; "crit"
  kWrongType,       // typ is not exactly "dpop+jwt" (§4.2)
  kUnsupportedAlg,  // alg missing, "none", HS*, or a name Signet does not know
  kAlgNotAllowed,   // a known asymmetric alg outside DpopCheck::algs
  kMissingJwk,      // no "jwk" header, or not a JSON object
  kPrivateJwk,      // the jwk holds private or symmetric members (d, p, q, ..., k)
  kKeyAlgMismatch,  // the jwk's type cannot hold a key for alg (e.g. EC for PS256)
  kBadJwk,          // the jwk is not a usable public key (bad point, weak RSA, "oct" ...)
  kBadSignature,    // the signature does not verify with the jwk
  kBadJti,          // jti missing, not a string, empty, or longer than max_jti_bytes
  kWrongMethod,     // htm missing or differs from the method
  kWrongUrl,        // htu missing, not an http(s) URL, or names another URL
  kMissingNonce,    // a nonce is required and the proof has none: answer use_dpop_nonce
  kWrongNonce,      // a nonce is required and the proof's differs: answer use_dpop_nonce
  kBadIat,          // iat missing or not a number
  kIatTooOld,       // iat more than max_age_seconds before now
  kIatInFuture,     // iat more than max_future_seconds after now
  kMissingAth,      // an access token is given and the proof has no ath
  kWrongAth,        // ath is not the hash of the given access token
};

// A stable name for logs and tests ("wrong_url").
std::string_view dpop_fault_name(DpopFault fault);

// Whether the server should answer with error "use_dpop_nonce" and a fresh
// DPoP-Nonce header (RFC 9449 §8) rather than invalid_dpop_proof.
bool is_nonce_fault(DpopFault fault);

struct DpopError {
  DpopError(DpopFault f, std::string m) : fault(f), message(std::move(m)) {}
  DpopFault fault;
  std::string message;  // which part of the check, for logs; never sent to a client
};

// What a verified proof binds.
struct DpopProof {
  std::string jkt;  // RFC 7638 thumbprint of the proof's key (cnf.jkt, RFC 9449 §6.1)
  Alg alg = Alg::ES256;
  std::string jti;
  int64_t iat = 0;
  std::string htu;                   // as the proof wrote it
  std::optional<std::string> nonce;  // the proof's nonce, if it has one
};

// Checks a proof in the order of DpopFault, failing closed at each step.
Result<DpopProof, DpopError> verify_dpop_proof(std::string_view proof_jwt, const DpopCheck& check);

// A proof signed by `key` (for tests, benchmarks and clients): header typ, alg and
// the public jwk; claims jti, htm, htu, iat, and nonce and ath when given.
std::string make_dpop_proof(const PrivateKey& key, std::string_view method, std::string_view url,
                            int64_t iat, std::string_view jti,
                            std::optional<std::string_view> nonce = std::nullopt,
                            std::optional<std::string_view> access_token = std::nullopt);

}  // namespace signet::jose
