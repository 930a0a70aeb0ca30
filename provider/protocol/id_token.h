// OpenID Connect Core 1.0 ID tokens (§2, §3.1.3.6) and the claims released by
// scope (§5.4), shared by the token endpoint and /userinfo.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/key_ring.h"
#include "protocol/error.h"
#include "protocol/model.h"

namespace signet::protocol {

inline constexpr const char* kOpenIdScope = "openid";

bool has_scope(const std::vector<std::string>& scopes, std::string_view scope);

// sub plus the user's claims that `scopes` release: profile -> name,
// preferred_username; email -> email, email_verified. Empty values are left out.
nlohmann::json user_claims(const User& user, const std::vector<std::string>& scopes);

// at_hash (§3.1.3.6): base64url of the left half of SHA-256 of the access token
// (RS256 and ES256 both hash with SHA-256).
std::string access_token_hash(std::string_view access_token);

struct IdTokenInput {
  std::string issuer;
  std::string client_id;  // aud
  User user;              // sub and the claims by scope
  std::vector<std::string> scopes;
  std::string nonce;         // from the authorization request; "" = none sent
  int64_t auth_time = 0;     // when the user authenticated (session)
  std::string sid;           // the session's sid; "" = none
  std::string access_token;  // for at_hash; "" = none
  int64_t now = 0;
  int64_t lifetime = 600;
};

// The claims of the ID token: iss, sub, aud, exp, iat, auth_time, nonce (when
// sent), sid (when known), at_hash (with an access token) and the claims by scope.
nlohmann::json id_token_claims(const IdTokenInput& in);

// Signs the claims with the active key of `alg` ("RS256" or "ES256"); header typ
// "JWT" (never "at+jwt", so that an ID token cannot pass as an access token).
Result<std::string, OAuthError> sign_id_token(const jose::KeyRing& keys, std::string_view alg,
                                              const nlohmann::json& claims);

// An ID token we signed (id_token_hint of RP-initiated logout): signature by one
// of our keys, typ JWT, iss ours, a string aud. Expiry is NOT checked (a hint may
// be expired). Returns the claims.
Result<nlohmann::json, OAuthError> verify_id_token_hint(const jose::KeyRing& keys,
                                                        std::string_view issuer,
                                                        std::string_view token);

}  // namespace signet::protocol
