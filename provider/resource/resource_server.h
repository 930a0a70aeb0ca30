// signet::resource: what a C++ API links to accept Signet's access tokens.
// Verifies RFC 9068 JWTs locally against the issuer's JWKS and enforces scopes,
// answering failures per RFC 6750 §3; checks DPoP proofs of sender-constrained
// tokens (RFC 9449 §7). Depends only on jose and common.
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

// DPoP at this resource (RFC 9449 §7).
struct DpopOptions {
  // A proof's iat may be this far in the past (and 5 s ahead): the window in which
  // the replay cache must remember its jti (RFC 9449 §11.1).
  int64_t max_age_seconds = 60;
  int64_t max_future_seconds = 5;
  // The replay cache's bound. When it is full of unexpired entries, new proofs are
  // refused (invalid_dpop_proof) until entries expire: never forgotten early.
  size_t replay_cache_max_entries = 200000;
  // Server nonces (RFC 9449 §9), off when empty. At least 32 bytes: nonces are
  // HMAC(secret, time window), so every replica sharing the secret accepts them
  // without shared state. A nonce is good for its window and the next one.
  std::string nonce_secret;
  int64_t nonce_window_seconds = 60;
};

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
  // This API's external base URL as clients call it, e.g. "https://api.bank.example"
  // (scheme, host, port, optional path prefix; no trailing slash needed). A DPoP
  // proof's htu must name it plus the request's path (RFC 9449 §4.3). Empty: the
  // Pistache guard accepts Bearer only; callers of authorize(ProtectedRequest)
  // pass the whole URL themselves.
  std::string public_base_url;
  DpopOptions dpop;
};

struct AccessToken {
  std::string subject;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string jti;
  int64_t expires_at = 0;
  // cnf.jkt (RFC 9449 §6.1): the thumbprint of the key every request with this
  // token must prove possession of. nullopt: a bearer token.
  std::optional<std::string> jkt;
  // authorization_details (RFC 9396 §9.1): what the customer consented to, as
  // the issuer filtered it for this API's audience. An array of objects, each
  // with a string `type`; an empty array when the token has none. A claim of
  // another shape makes the token invalid (invalid_token).
  nlohmann::json authorization_details = nlohmann::json::array();
  // grant_id (FAPI Grant Management): the grant the token was issued under; ""
  // when absent. Not a string: invalid_token.
  std::string grant_id;
  nlohmann::json claims;
  bool has_scope(std::string_view scope) const;
};

// RFC 6750 §3.1 error codes, and RFC 9449 §7.1, §9's for DPoP.
enum class AuthErrorKind {
  kInvalidRequest,
  kInvalidToken,
  kInsufficientScope,
  kInvalidDpopProof,  // invalid_dpop_proof: the proof is missing, repeated or bad
  kUseDpopNonce,      // use_dpop_nonce: retry with the DPoP-Nonce sent along
  // 503 temporarily_unavailable: a critical scope while revocations cannot be
  // followed (RevocationFeed). RFC 6750 has no code for it; RFC 6749 §4.1.2.1's.
  kTemporarilyUnavailable,
};

// The authentication scheme of a request, and of a challenge.
enum class AuthScheme { kBearer, kDpop };

struct AuthError {
  AuthErrorKind kind = AuthErrorKind::kInvalidToken;
  std::string description;     // short, safe to send
  std::string required_scope;  // with kInsufficientScope
  std::string realm;           // of the challenge; empty: none
  // No bearer credentials at all (no header, another scheme): RFC 6750 §3.1 says the
  // answer then carries no error code. Still a 401.
  bool credentials_missing = false;
  // The scheme of the challenge: the one the client used. With credentials
  // missing where DPoP is accepted too, both are offered (`offer_dpop`).
  AuthScheme scheme = AuthScheme::kBearer;
  bool offer_dpop = false;
  // With kUseDpopNonce: the nonce to send as the DPoP-Nonce header (RFC 9449 §9).
  std::string dpop_nonce;
  int status() const;  // 400, 401, 403 or 503
  // The WWW-Authenticate value, e.g.
  // `Bearer realm="bank-api", error="insufficient_scope", scope="write:payments"`,
  // `DPoP realm="bank-api", error="invalid_dpop_proof", algs="ES256 PS256 EdDSA"`,
  // or both challenges in one value (RFC 9110 §11.6.1), Bearer first, when
  // credentials are missing and DPoP is offered: Pistache 0.0.5 keeps only the
  // first of two headers of one name.
  std::string www_authenticate() const;
  // {"error": ..., "error_description": ...}; {} when credentials are missing.
  nlohmann::json body() const;
};

// The algorithms a DPoP proof may use here, as the `algs` challenge parameter
// lists them (RFC 9449 §7.1).
inline constexpr char kDpopAlgs[] = "ES256 PS256 EdDSA";

// What the library needs of an HTTP request to check its credentials.
struct ProtectedRequest {
  std::string_view method;  // e.g. "POST"; a DPoP proof's htm must equal it
  // The URL the client called, as it sees it (the API's public base URL plus the
  // path; a query and fragment are ignored): a DPoP proof's htu must name it.
  std::string_view url;
  std::optional<std::string_view> authorization;  // the Authorization header
  // Every DPoP header value received. Exactly one is required with the DPoP
  // scheme; two (or one holding a comma, as a proxy folds two) are refused.
  std::vector<std::string_view> dpop;
};

// Fetches a URL and returns the body; the default uses libcurl.
using HttpGet = std::function<Result<std::string>(const std::string& url)>;

class RevocationFeed;

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
  // the dates. A `cnf` other than {"jkt": "..."} is refused. Checks no binding:
  // a caller of verify() must itself refuse a token with AccessToken::jkt, or
  // use authorize(ProtectedRequest).
  Result<AccessToken, AuthError> verify(std::string_view token);

  // Reads `Authorization: Bearer <token>` (RFC 6750 §2.1), verifies, then checks
  // that `required_scope` was granted (403 insufficient_scope otherwise). A
  // DPoP-bound token (cnf.jkt) is refused here: it is no bearer token.
  Result<AccessToken, AuthError> authorize(std::optional<std::string_view> authorization_header,
                                           std::string_view required_scope);

  // Bearer or DPoP (RFC 9449 §7): the token is verified (from the cache when seen
  // before), then, on every request, its binding: a token with cnf.jkt needs the
  // DPoP scheme and one valid proof for this method, URL and token, by the key
  // cnf.jkt names, not seen before (and with a current nonce when nonces are on).
  // A bearer token with the DPoP scheme is refused (invalid_token). Then the scope.
  Result<AccessToken, AuthError> authorize(const ProtectedRequest& request,
                                           std::string_view required_scope);

  // public_base_url + path: the URL to put in ProtectedRequest::url. Empty when
  // public_base_url is not set.
  std::string request_url(std::string_view path) const;
  bool accepts_dpop() const;  // public_base_url is set

  // A nonce the client may use now (RFC 9449 §9); empty when nonces are off.
  std::string dpop_nonce() const;

  // Loads the JWKS now (e.g. at start-up); false when it cannot be fetched.
  bool refresh_keys();

  // 403 insufficient_scope for `token` lacking `required_scope`, in the scheme
  // the token is presented with and this API's realm: for an API that first
  // authorizes with no scope (e.g. to look at authorization_details) and then
  // decides. `description` replaces the default one when not empty.
  AuthError insufficient_scope(const AccessToken& token, std::string_view required_scope,
                               std::string_view description = {}) const;

  // The 503 of a critical request while revocations cannot be followed (see
  // follow_revocations), for requests made critical by something other than a
  // scope, e.g. a payment under authorization_details; nullopt when revocations
  // are followed and fresh, or not followed at all.
  std::optional<AuthError> unavailable_while_stale() const;

  // Refuses the tokens the feed lists as revoked (invalid_token), on every call,
  // a cached token's too; and, while the feed is stale, the requests needing one
  // of its critical scopes (503 temporarily_unavailable). Call before serving.
  void follow_revocations(std::shared_ptr<const RevocationFeed> feed);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::resource
