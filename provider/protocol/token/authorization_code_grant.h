// The authorization_code grant (RFC 6749 §4.1.3): redeems a code issued by
// /authorize, with PKCE, the replay rule, and the optional refresh token and
// OpenID Connect ID token that come with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/stores.h"
#include "protocol/token/access_token.h"
#include "protocol/token/grant_handler.h"
#include "protocol/token/refresh_token_grant.h"

namespace signet::protocol {

// What the grant issues besides the access token; each is off when null.
struct AuthorizationCodeExtras {
  // Refresh tokens, to clients allowed the refresh_token grant
  // (should_issue_refresh_token).
  RefreshTokens* refresh_tokens = nullptr;
  // OpenID Connect ID tokens (id_token.h), for codes with scope openid.
  UserStore* users = nullptr;
};

class AuthorizationCodeGrant final : public GrantHandler {
 public:
  AuthorizationCodeGrant(AuthorizationCodeStore& codes, const AccessTokenIssuer& access_tokens,
                         const Clock& clock, AuthorizationCodeExtras extras = {})
      : codes_(codes), access_tokens_(access_tokens), clock_(clock), extras_(extras) {}

  std::string_view grant_type() const override { return "authorization_code"; }
  Result<TokenResponse, OAuthError> handle(const Client& client,
                                           const TokenRequest& request) override;

 private:
  // RFC 6749 §4.1.2 / RFC 9700 §4.5.3: a code used twice revokes what its first
  // use issued (the access token and the refresh-token families it started). A
  // failure is returned, never dropped: the client's retry tries again.
  StoreResult<Ok> revoke_what_the_code_issued(const std::string& code_digest, int64_t now);

  AuthorizationCodeStore& codes_;
  const AccessTokenIssuer& access_tokens_;
  const Clock& clock_;
  const AuthorizationCodeExtras extras_;
};

}  // namespace signet::protocol
