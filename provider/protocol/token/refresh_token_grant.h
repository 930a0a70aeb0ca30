// Refresh tokens (RFC 6749 §6, RFC 9700 §4.14): the settings, the issuing
// rule, the families that code redemption starts, and the refresh_token grant
// with rotation on every use and reuse detection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/lifecycle_store.h"
#include "protocol/model.h"
#include "protocol/token/access_token.h"
#include "protocol/token/grant_handler.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

struct RefreshSettings {
  int64_t lifetime = 14 * 86400;  // sliding: each rotation gets this much more
  int64_t max_age = 90 * 86400;   // absolute: from the code redemption, never extended
};

// The default sink of security events: one JSON line on stderr.
void log_security_event_to_stderr(const nlohmann::json& event);

inline constexpr const char* kOfflineAccessScope = "offline_access";

// OpenID Connect Core §11: a grant with scope openid allows refresh tokens only
// when offline_access was requested and granted too; a grant without openid
// (plain OAuth) always does.
bool scopes_allow_refresh(const std::vector<std::string>& scopes);

// The one rule for whether the authorization_code grant also issues a refresh
// token: the client must be allowed the refresh_token grant, and the code's
// scopes must allow it (scopes_allow_refresh).
bool should_issue_refresh_token(const Client& client, const AuthorizationCode& code);

// The refresh-token families of the server: the store and the lifetimes, and
// the start of a family when a code is redeemed.
class RefreshTokens {
 public:
  RefreshTokens(TokenLifecycleStore& store, RefreshSettings settings)
      : store_(store), settings_(settings) {}

  struct Started {
    std::string token;  // the first refresh token, for the client
    std::string family_id;
  };
  // Stores a new family for `code`, with `access_token` as its first access token.
  // `dpop_jkt`: the key of the redemption's DPoP proof ("" = none); a public
  // client's family is bound to it (RFC 9449 §5).
  Result<Started, OAuthError> start_family(const std::string& resource, const Client& client,
                                           const AuthorizationCode& code,
                                           const IssuedAccessToken& access_token, int64_t now,
                                           const std::string& dpop_jkt = {});

  TokenLifecycleStore& store() const { return store_; }
  const RefreshSettings& settings() const { return settings_; }

 private:
  TokenLifecycleStore& store_;
  RefreshSettings settings_;
};

// The refresh_token grant (RFC 6749 §6). A FAPI 2.0 client's token is not
// rotated (Client::follows_fapi2); a public client's DPoP-bound family needs a
// proof by the same key (RFC 9449 §5).
class RefreshTokenGrant final : public GrantHandler {
 public:
  // `events` hears every reuse, besides the request's own sink.
  RefreshTokenGrant(RefreshTokens& families, const AccessTokenIssuer& access_tokens,
                    const Clock& clock, SecurityEventSink events = log_security_event_to_stderr)
      : families_(families),
        access_tokens_(access_tokens),
        clock_(clock),
        security_events_(std::move(events)) {}

  std::string_view grant_type() const override { return "refresh_token"; }
  Result<TokenResponse, OAuthError> handle(const Client& client,
                                           const TokenRequest& request) override;

 private:
  RefreshTokens& families_;
  const AccessTokenIssuer& access_tokens_;
  const Clock& clock_;
  SecurityEventSink security_events_;
};

}  // namespace signet::protocol
