// The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §5): client authentication,
// the authorization_code and client_credentials grants, and the response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/form.h"
#include "common/result.h"
#include "jose/key_ring.h"
#include "protocol/error.h"
#include "protocol/stores.h"

namespace signet::protocol {

struct TokenSettings {
  std::string issuer;
  std::string audience;                 // `aud` of access tokens
  int64_t access_token_lifetime = 600;  // seconds (RFC 9068 tokens are short-lived)
};

struct TokenRequest {
  Params form;                               // the decoded body
  std::optional<std::string> authorization;  // the raw Authorization header, if any
};

// RFC 6749 §5.1.
struct TokenResponse {
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;
  std::string scope;
  nlohmann::json to_json() const;
};

// Authenticates the client (RFC 6749 §2.3.1): client_secret_basic (with the
// form-urlencoded id and secret inside Basic), client_secret_post, or none for
// public clients; exactly one method per request.
Result<Client, OAuthError> authenticate_client(const TokenRequest& request, ClientStore& clients);

// S256 check (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) == challenge, with the
// verifier's length (43..128) and alphabet checked first.
bool verify_pkce_s256(const std::string& verifier, const std::string& challenge);

// Signs an RFC 9068 access token (typ at+jwt) with the key ring's active key.
struct IssuedAccessToken {
  std::string token;
  std::string jti;
  int64_t expires_at = 0;
};
Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRing& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now);

class TokenEndpoint {
 public:
  TokenEndpoint(TokenSettings settings, ClientStore& clients, AuthorizationCodeStore& codes,
                const jose::KeyRing& keys, const Clock& clock)
      : settings_(std::move(settings)),
        clients_(clients),
        codes_(codes),
        keys_(keys),
        clock_(clock) {}

  Result<TokenResponse, OAuthError> handle(const TokenRequest& request);

 private:
  Result<TokenResponse, OAuthError> authorization_code_grant(const Client& client,
                                                             const Params& form);
  Result<TokenResponse, OAuthError> client_credentials_grant(const Client& client,
                                                             const Params& form);

  TokenSettings settings_;
  ClientStore& clients_;
  AuthorizationCodeStore& codes_;
  const jose::KeyRing& keys_;
  const Clock& clock_;
};

}  // namespace signet::protocol
