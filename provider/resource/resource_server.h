// signet::resource: what a C++ API links to accept Signet's access tokens.
// Verifies RFC 9068 JWTs locally against the issuer's JWKS and enforces scopes,
// answering failures per RFC 6750 §3. Depends only on jose and common.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace signet::resource {

struct VerifierOptions {
  std::string issuer;    // expected `iss`, exactly
  std::string audience;  // this API's identifier: must appear in `aud`
  // Where the keys are; empty means discover it from
  // {issuer}/.well-known/oauth-authorization-server (RFC 8414 jwks_uri).
  std::string jwks_uri;
  int64_t leeway_seconds = 30;                // for exp / nbf / iat
  int64_t min_refetch_interval_seconds = 30;  // unknown kid: refetch at most this often
  int64_t max_token_bytes = 8192;
  // The JWKS is refetched at least this often (by the first request after the
  // interval): a key the issuer withdrew (`signet keys revoke`) is forgotten, and
  // with it every token verified with it. A failed fetch keeps the keys it has.
  int64_t jwks_refresh_interval_seconds = 60;
  // The realm of WWW-Authenticate challenges (RFC 6750 §3); empty: the audience.
  std::string realm;
};

struct AccessToken {
  std::string subject;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string jti;
  int64_t expires_at = 0;
  nlohmann::json claims;
  bool has_scope(std::string_view scope) const;
};

// RFC 6750 §3.1 error codes.
enum class AuthErrorKind { kInvalidRequest, kInvalidToken, kInsufficientScope };

struct AuthError {
  AuthErrorKind kind = AuthErrorKind::kInvalidToken;
  std::string description;     // short, safe to send
  std::string required_scope;  // with kInsufficientScope
  std::string realm;           // of the challenge; empty: none
  // No bearer credentials at all (no header, another scheme): RFC 6750 §3.1 says the
  // answer then carries no error code. Still a 401.
  bool credentials_missing = false;
  int status() const;  // 400, 401 or 403
  // The WWW-Authenticate value, e.g.
  // `Bearer realm="bank-api", error="insufficient_scope", scope="write:payments"`.
  std::string www_authenticate() const;
  // {"error": ..., "error_description": ...}; {} when credentials are missing.
  nlohmann::json body() const;
};

// Fetches a URL and returns the body; the default uses libcurl.
using HttpGet = std::function<Result<std::string>(const std::string& url)>;

class TokenVerifier {
 public:
  explicit TokenVerifier(VerifierOptions options, HttpGet http_get = {},
                         std::shared_ptr<const Clock> clock = {});
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // jose::verify_access_token, the check Signet applies to its own tokens too:
  // signature (ES256/RS256 only, alg pinned by the JWK), then `typ` at+jwt, `iss`,
  // `aud`, `exp`, `nbf`, `iat`, `sub`, `client_id`, `jti` (required since the
  // check became shared, per RFC 9068 §2.2), `scope`; with leeway_seconds for
  // the dates.
  Result<AccessToken, AuthError> verify(std::string_view token);

  // Reads `Authorization: Bearer <token>` (RFC 6750 §2.1), verifies, then checks
  // that `required_scope` was granted (403 insufficient_scope otherwise).
  Result<AccessToken, AuthError> authorize(std::optional<std::string_view> authorization_header,
                                           std::string_view required_scope);

  // Loads the JWKS now (e.g. at start-up); false when it cannot be fetched.
  bool refresh_keys();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::resource
