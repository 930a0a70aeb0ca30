// The pushed authorization request endpoint (RFC 9126 §2): POST /par with
// client authentication, as at /token; the body is an authorization request,
// checked by the authorization endpoint's own rules (authorize.h) before it is
// stored, so that a refusal reaches the client directly instead of a browser.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "protocol/authorize.h"
#include "protocol/error.h"
#include "protocol/pushed_request.h"
#include "protocol/throttle.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/dpop_proof.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

class PushedAuthorizationEndpoint {
 public:
  // `lifetime_seconds` is each request_uri's (clamped to [30, 599]); the client's
  // request rate is the one /token uses (the same bucket: both are its requests).
  // `dpop` checks a DPoP proof sent with the push: the code is then bound to its
  // key (RFC 9449 §10.1), as with dpop_jkt.
  PushedAuthorizationEndpoint(const ClientAuthenticator& clients, DpopProofs& dpop,
                              const AuthorizeContext& authorize, int64_t lifetime_seconds,
                              ClientRateLimit& rate_limit)
      : clients_(clients),
        dpop_(dpop),
        authorize_(authorize),
        lifetime_(lifetime_seconds),
        rate_limit_(rate_limit) {}

  // RFC 9126 §2.2 (201 with request_uri and expires_in) or §2.3 (the error, as
  // JSON; invalid_client with 401).
  Result<PushedRequestUri, OAuthError> handle(const TokenRequest& request);
  // As TokenEndpoint::dpop_nonce.
  std::string dpop_nonce() const { return dpop_.current_nonce(); }

 private:
  const ClientAuthenticator& clients_;
  DpopProofs& dpop_;
  const AuthorizeContext& authorize_;
  const int64_t lifetime_;
  ClientRateLimit& rate_limit_;
};

}  // namespace signet::protocol
