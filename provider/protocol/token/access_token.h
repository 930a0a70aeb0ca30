// JWT access tokens (RFC 9068): the settings of the issuer, the choice of a
// token's audience (RFC 8707 resource indicators) and the signature with the
// key ring's active key. Every grant mints its access token here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/key_ring.h"
#include "jose/key_ring_holder.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/resource_indicator.h"

namespace signet::protocol {

struct TokenSettings {
  std::string issuer;
  std::string audience;                 // `aud` of access tokens
  int64_t access_token_lifetime = 600;  // seconds (RFC 9068 tokens are short-lived)
  std::string signing_alg;              // alg of the signing key; empty: any active key
};

struct IssuedAccessToken {
  std::string token;
  std::string jti;
  int64_t expires_at = 0;
  bool dpop_bound = false;  // carries cnf.jkt: token_type "DPoP" (RFC 9449 §5)
};

// The grant a user's token is issued under (Grant Management) and the
// authorization details it carries (RFC 9396).
struct GrantClaims {
  std::string grant_id;
  nlohmann::json authorization_details = nlohmann::json::array();
};

// Signs an RFC 9068 access token (typ at+jwt) with the ring's active key. A
// non-empty `dpop_jkt` binds it to that key: claim cnf.jkt (RFC 9449 §6.1).
// With `grant`, the claims grant_id and authorization_details: only the
// details meant for the token's audience (RFC 9396 §9.1).
Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRing& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now,
    const std::string& dpop_jkt = {}, const GrantClaims* grant = nullptr);

class AccessTokenIssuer {
 public:
  // `keys` is read at every token: a replaced ring takes effect at once. Without
  // a resource registry only the default audience is accepted.
  AccessTokenIssuer(TokenSettings settings, const jose::KeyRingHolder& keys)
      : settings_(std::move(settings)), keys_(keys) {}
  // With resource indicators (RFC 8707): a `resource` names a registered
  // resource server, which becomes the token's `aud`.
  AccessTokenIssuer(TokenSettings settings, const jose::KeyRingHolder& keys,
                    ResourceStore& resources)
      : settings_(std::move(settings)), keys_(keys), resources_(&resources) {}

  // The audience of a token for `resource` ("" : the default audience); see
  // resolve_audience.
  Result<std::string, OAuthError> audience_for(const std::string& resource,
                                               const std::vector<std::string>& scopes) const;
  // The scopes a client gets for `resource` when it asked for none; see
  // default_scopes_for.
  Result<std::vector<std::string>, OAuthError> default_scopes(
      const std::string& resource, const std::vector<std::string>& client_scopes) const;

  // Signs a token of `client` for `subject` and `audience`, with the client's
  // own lifetime when it has one, bound to `dpop_jkt` when it is not empty.
  Result<IssuedAccessToken, OAuthError> issue(const Client& client, const std::string& audience,
                                              const std::string& subject,
                                              const std::vector<std::string>& scopes, int64_t now,
                                              const std::string& dpop_jkt = {},
                                              const GrantClaims* grant = nullptr) const;

  const TokenSettings& settings() const { return settings_; }
  const jose::KeyRingHolder& keys() const { return keys_; }

 private:
  TokenSettings settings_;
  const jose::KeyRingHolder& keys_;
  ResourceStore* resources_ = nullptr;  // null: no resource indicators
};

}  // namespace signet::protocol
