// The token endpoint wired as app/serve.cc wires it, over stores and a key
// ring the test owns. The optional parts (resource indicators, ID tokens,
// refresh tokens, the per-client rate) are chosen per test in TokenWiring,
// and decided at construction like in the server.
#pragma once

#include <optional>
#include <utility>

#include "common/clock.h"
#include "jose/key_ring.h"
#include "jose/key_ring_holder.h"
#include "memory_stores.h"
#include "protocol/lifecycle_store.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"
#include "protocol/token/access_token.h"
#include "protocol/token/authorization_code_grant.h"
#include "protocol/token/client_credentials_grant.h"
#include "protocol/token/refresh_token_grant.h"
#include "protocol/token/token_endpoint.h"
#include "protocol_fixtures.h"

namespace signet::protocol::testing {

inline TokenSettings test_token_settings() { return TokenSettings{kIssuer, kAudience, 600, ""}; }

// Each member left unset keeps its part off.
struct TokenWiring {
  TokenSettings settings = test_token_settings();
  ResourceStore* resources = nullptr;        // RFC 8707 resource indicators
  UserStore* users = nullptr;                // OpenID Connect ID tokens
  TokenLifecycleStore* lifecycle = nullptr;  // refresh tokens and their grant
  RefreshSettings refresh = {};
  SecurityEventSink security_events = log_security_event_to_stderr;
  ClientRateLimit* rate_limit = nullptr;
};

class WiredTokenEndpoint {
 public:
  // `keys` must outlive this object; it is read at every token.
  WiredTokenEndpoint(ClientStore& clients, AuthorizationCodeStore& codes, const jose::KeyRing& keys,
                     const Clock& clock, TokenWiring wiring = {})
      : auth_(clients, clock, wiring.settings.issuer),
        keys_(jose::KeyRingHolder::borrow(keys)),
        access_tokens_(wiring.resources
                           ? AccessTokenIssuer(wiring.settings, keys_, *wiring.resources)
                           : AccessTokenIssuer(wiring.settings, keys_)),
        refresh_tokens_(wiring.lifecycle ? std::optional<RefreshTokens>(
                                               std::in_place, *wiring.lifecycle, wiring.refresh)
                                         : std::nullopt),
        code_(codes, access_tokens_, clock,
              {refresh_tokens_ ? &*refresh_tokens_ : nullptr, wiring.users}),
        client_credentials_(access_tokens_, clock),
        endpoint_(make_endpoint(clock, wiring)) {}
  WiredTokenEndpoint(const WiredTokenEndpoint&) = delete;
  WiredTokenEndpoint& operator=(const WiredTokenEndpoint&) = delete;

  Result<TokenResponse, OAuthError> handle(const TokenRequest& request) {
    return endpoint_.handle(request);
  }
  TokenEndpoint& endpoint() { return endpoint_; }
  // The client authentication the endpoint uses (its jtis, for replay tests).
  TestClientAuthentication& client_authentication() { return auth_; }

 private:
  TokenEndpoint make_endpoint(const Clock& clock, TokenWiring& wiring) {
    TokenEndpoint::Grants grants{code_, client_credentials_};
    if (refresh_tokens_) {
      refresh_.emplace(*refresh_tokens_, access_tokens_, clock, std::move(wiring.security_events));
      grants.push_back(*refresh_);
    }
    if (wiring.rate_limit) {
      return TokenEndpoint(auth_.authenticator, auth_.dpop, std::move(grants), *wiring.rate_limit);
    }
    return TokenEndpoint(auth_.authenticator, auth_.dpop, std::move(grants));
  }

  TestClientAuthentication auth_;
  jose::KeyRingHolder keys_;
  AccessTokenIssuer access_tokens_;
  std::optional<RefreshTokens> refresh_tokens_;
  AuthorizationCodeGrant code_;
  ClientCredentialsGrant client_credentials_;
  std::optional<RefreshTokenGrant> refresh_;
  TokenEndpoint endpoint_;
};

}  // namespace signet::protocol::testing
