// The token endpoint (RFC 6749 §3.2): finds the grant handler for grant_type,
// authenticates the client, applies its request rate, checks that it may use
// the grant, and hands the request over. The grants themselves are in this
// folder, one file each.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/error.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/dpop_proof.h"
#include "protocol/token/grant_handler.h"
#include "protocol/token/token_request.h"
#include "protocol/token/token_response.h"

namespace signet::protocol {

class TokenEndpoint {
 public:
  using Grants = std::vector<std::reference_wrapper<GrantHandler>>;

  // `grants` are the grant types this server supports, one handler each; any
  // other grant_type is unsupported_grant_type.
  // `dpop` checks the DPoP proof a request carries (RFC 9449 §5): the tokens
  // then issued are bound to its key.
  TokenEndpoint(const ClientAuthenticator& clients, DpopProofs& dpop, Grants grants)
      : clients_(clients), dpop_(dpop), grants_(std::move(grants)) {}
  // With the per-client request rate (protocol/throttle.h), checked once the
  // client is authenticated: over it, slow_down (429).
  TokenEndpoint(const ClientAuthenticator& clients, DpopProofs& dpop, Grants grants,
                ClientRateLimit& rate_limit)
      : clients_(clients), dpop_(dpop), grants_(std::move(grants)), rate_limit_(&rate_limit) {}

  Result<TokenResponse, OAuthError> handle(const TokenRequest& request);
  // The DPoP nonce to send with an answer to a request that carried a proof
  // (RFC 9449 §8.2), "" when nonces are off.
  std::string dpop_nonce() const { return dpop_.current_nonce(); }

 private:
  GrantHandler* find(std::string_view grant_type) const;

  const ClientAuthenticator& clients_;
  DpopProofs& dpop_;
  Grants grants_;
  ClientRateLimit* rate_limit_ = nullptr;  // null: no per-client rate
};

}  // namespace signet::protocol
