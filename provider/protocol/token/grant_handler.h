// One authorization grant of the token endpoint (RFC 6749 §4, §6), after the
// model of fosite's TokenEndpointHandler: the endpoint finds the handler by
// grant_type, authenticates the client, applies the rate limit and checks that
// the client may use the grant; the handler validates the rest of the request
// and issues the tokens.
#pragma once

#include <string_view>

#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/token/token_request.h"
#include "protocol/token/token_response.h"

namespace signet::protocol {

class GrantHandler {
 public:
  virtual ~GrantHandler() = default;

  // The grant_type value this handler answers (RFC 6749 §4.1.3, §4.4.2, §6).
  virtual std::string_view grant_type() const = 0;

  // Whether `client` may use this grant; when not, the endpoint answers
  // unauthorized_client (RFC 6749 §5.2) before the handler runs.
  virtual bool allows(const Client& client) const { return client.allows_grant(grant_type()); }

  // Validates the request for an authenticated client that may use the grant,
  // and issues the tokens.
  virtual Result<TokenResponse, OAuthError> handle(const Client& client,
                                                   const TokenRequest& request) = 0;
};

}  // namespace signet::protocol
