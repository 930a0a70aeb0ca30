// The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §5): client authentication,
// the authorization_code and client_credentials grants, and the response.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/form.h"
#include "common/result.h"
#include "jose/key_ring.h"
#include "jose/key_ring_holder.h"
#include "protocol/error.h"
#include "protocol/refresh_grant.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"

namespace signet::protocol {

struct TokenSettings {
  std::string issuer;
  std::string audience;                 // `aud` of access tokens
  int64_t access_token_lifetime = 600;  // seconds (RFC 9068 tokens are short-lived)
  std::string signing_alg;              // alg of the signing key; empty: any active key
};

struct TokenRequest {
  Params form;                               // the decoded body
  std::optional<std::string> authorization;  // the raw Authorization header, if any
  // Security events of this request (refresh-token reuse), for the caller's
  // audit trail with its request id; in addition to the endpoint's own sink.
  SecurityEventSink security_events = {};
};

// RFC 6749 §5.1.
struct TokenResponse {
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;
  std::string scope;
  std::string refresh_token;  // empty: none issued
  std::string id_token;       // OpenID Connect (scope openid); empty: none
  // For the audit trail, never sent: the token's client, its user (empty for
  // client_credentials) and the access token's jti.
  std::string client_id;
  std::string subject;
  std::string jti;
  nlohmann::json to_json() const;
};

// Authenticates the client (RFC 6749 §2.3.1): client_secret_basic (with the
// form-urlencoded id and secret inside Basic), client_secret_post, or none for
// public clients; exactly one method per request.
Result<Client, OAuthError> authenticate_client(const TokenRequest& request, ClientStore& clients);
// The client_id a request presents (Basic or body), "" when none; for audit
// events only: it is not authenticated.
std::string presented_client_id(const TokenRequest& request);

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
// The same with the holder's current ring (keys rotate while the server runs).
Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRingHolder& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now);

class TokenEndpoint {
 public:
  // `keys` is read at every request: a replaced ring takes effect at once.
  TokenEndpoint(TokenSettings settings, ClientStore& clients, AuthorizationCodeStore& codes,
                const jose::KeyRingHolder& keys, const Clock& clock)
      : settings_(std::move(settings)),
        clients_(clients),
        codes_(codes),
        keys_(keys),
        clock_(clock) {}
  // A fixed ring that outlives the endpoint (tests).
  TokenEndpoint(TokenSettings settings, ClientStore& clients, AuthorizationCodeStore& codes,
                const jose::KeyRing& keys, const Clock& clock)
      : settings_(std::move(settings)),
        clients_(clients),
        codes_(codes),
        owned_keys_(std::make_unique<jose::KeyRingHolder>(jose::KeyRingHolder::borrow(keys))),
        keys_(*owned_keys_),
        clock_(clock) {}

  Result<TokenResponse, OAuthError> handle(const TokenRequest& request);

  // Turns on refresh tokens (refresh_grant.cc): issued with the code grant to
  // clients allowed the refresh_token grant, and the refresh_token grant itself.
  void enable_refresh_tokens(TokenLifecycleStore& store, RefreshSettings settings,
                             SecurityEventSink events = log_security_event_to_stderr);

  // Turns on OpenID Connect ID tokens (id_token.cc) for codes with scope openid.
  void enable_id_tokens(UserStore& users) { users_ = &users; }

  // Turns on resource indicators (RFC 8707): a `resource` names a registered
  // resource server, which becomes the token's `aud`.
  void enable_resource_indicators(ResourceStore& resources) { resources_ = &resources; }

  // Turns on the per-client request rate (protocol/throttle.h), checked once
  // the client is authenticated: over it, slow_down (429).
  void limit_client_rate(ClientRateLimit& limit) { rate_limit_ = &limit; }

 private:
  Result<TokenResponse, OAuthError> authorization_code_grant(const Client& client,
                                                             const Params& form);
  Result<TokenResponse, OAuthError> client_credentials_grant(const Client& client,
                                                             const Params& form);
  Result<TokenResponse, OAuthError> refresh_token_grant(const Client& client, const Params& form,
                                                        const SecurityEventSink& request_events);
  // Starts a refresh-token family for a code about to be redeemed; returns the token.
  Result<std::string, OAuthError> start_refresh_family(const std::string& resource,
                                                       const Client& client,
                                                       const AuthorizationCode& code,
                                                       const IssuedAccessToken& access_token,
                                                       int64_t now, std::string& family_id);
  // RFC 6749 §4.1.2 / RFC 9700 §4.5.3: a code used twice revokes what its first
  // use issued (the access token and the refresh-token families it started). A
  // failure is returned, never dropped: the client's retry tries again.
  StoreResult<Ok> revoke_what_the_code_issued(const std::string& code_digest, int64_t now);
  // The settings for one token: the client's own lifetime when it has one, and
  // the audience chosen for the request.
  TokenSettings settings_for(const Client& client, const std::string& audience) const;

  TokenSettings settings_;
  ClientStore& clients_;
  AuthorizationCodeStore& codes_;
  std::unique_ptr<jose::KeyRingHolder> owned_keys_;  // only with the fixed-ring constructor
  const jose::KeyRingHolder& keys_;
  const Clock& clock_;
  ResourceStore* resources_ = nullptr;
  ClientRateLimit* rate_limit_ = nullptr;
  TokenLifecycleStore* lifecycle_ = nullptr;
  // OpenID Connect (id_token.cc): signs the ID token for a redeemed code. No
  // database access: the user was read before the code was redeemed.
  Result<std::string, OAuthError> make_id_token(const Client& client, const AuthorizationCode& code,
                                                User user, const std::string& access_token,
                                                int64_t now);
  UserStore* users_ = nullptr;
  RefreshSettings refresh_settings_;
  SecurityEventSink security_events_;
};

}  // namespace signet::protocol
