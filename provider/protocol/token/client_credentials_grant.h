// The client_credentials grant (RFC 6749 §4.4): a confidential client asks a
// token for itself, for the scopes and the resource (RFC 8707) it names.
#pragma once

#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/token/access_token.h"
#include "protocol/token/grant_handler.h"

namespace signet::protocol {

class ClientCredentialsGrant final : public GrantHandler {
 public:
  ClientCredentialsGrant(const AccessTokenIssuer& access_tokens, const Clock& clock)
      : access_tokens_(access_tokens), clock_(clock) {}

  std::string_view grant_type() const override { return "client_credentials"; }
  // RFC 6749 §4.4: only a confidential client may act on its own behalf.
  bool allows(const Client& client) const override {
    return !client.is_public && client.allows_grant(grant_type());
  }
  Result<TokenResponse, OAuthError> handle(const Client& client,
                                           const TokenRequest& request) override;

 private:
  const AccessTokenIssuer& access_tokens_;
  const Clock& clock_;
};

}  // namespace signet::protocol
