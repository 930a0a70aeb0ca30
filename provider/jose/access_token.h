// JWT access tokens (RFC 9068): the one check of a token's signature, type and
// claims, shared by the provider (introspection, revocation, /userinfo) and the
// resource library. Keys come from the caller (a key ring, a JWKS cache); rules
// that only the issuer can apply (revocation) are left to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/jws.h"

namespace signet::jose {

// Why a token is not a valid access token, in the order the checks run.
enum class AccessTokenProblem {
  kMalformed,     // empty, too long, not a compact JWS, a "crit" header
  kUnknownKey,    // no kid, or a kid the key set does not hold
  kBadSignature,  // the signature does not verify under the key's pinned algorithm
  kWrongType,     // typ is not at+jwt (RFC 9068 §2.1)
  kWrongIssuer,
  kWrongAudience,
  kExpired,
  kNotYetValid,   // nbf, or iat, in the future beyond the leeway
  kMissingClaim,  // a required claim is absent (or empty)
  kInvalidClaim,  // a claim is present with the wrong JSON type
};

// A stable name for logs and tests ("wrong_audience").
std::string_view problem_name(AccessTokenProblem problem);

struct AccessTokenRejection {
  AccessTokenRejection(AccessTokenProblem p, std::string c = {})
      : problem(p), claim(std::move(c)) {}
  AccessTokenProblem problem;
  std::string claim;  // the claim at fault, with kMissingClaim and kInvalidClaim
};

// The claims of a verified access token.
struct AccessTokenClaims {
  std::string issuer;
  std::string subject;
  std::string client_id;
  std::string jti;
  std::vector<std::string> audiences;
  std::vector<std::string> scopes;  // `scope` split on spaces; empty when absent
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::string kid;        // of the key that signed it
  nlohmann::json claims;  // every claim, as signed
};

struct AccessTokenRules {
  std::string_view issuer;  // `iss` must equal it exactly
  // Must be one of `aud`'s values; nullopt: any audience (the issuer itself,
  // which serves all of them, e.g. at introspection). `aud` is required anyway.
  std::optional<std::string_view> audience;
  int64_t now = 0;
  // Clock skew (RFC 7519 §4.1.4, §4.1.5): a token is accepted up to
  // `expiry_leeway` seconds after its exp, and with nbf or iat up to
  // `not_before_leeway` seconds ahead of `now`.
  int64_t expiry_leeway_seconds = 0;
  int64_t not_before_leeway_seconds = 0;
  size_t max_token_bytes = 8192;
};

// Verifies the signature first (algorithm pinned by the key `find_key` returns,
// never taken from the header), then typ, iss, aud, exp, nbf, iat, sub,
// client_id, jti (RFC 9068 §2.2 requires each) and scope (optional, a string).
Result<AccessTokenClaims, AccessTokenRejection> verify_access_token(std::string_view token,
                                                                    const KeyLookup& find_key,
                                                                    const AccessTokenRules& rules);

}  // namespace signet::jose
