// Refresh tokens (RFC 6749 §6, RFC 9700 §4.14): settings, the issuing rule, and
// the security-event hook. The grant itself is TokenEndpoint::refresh_token_grant
// (refresh_grant.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/lifecycle_store.h"
#include "protocol/model.h"

namespace signet::protocol {

struct RefreshSettings {
  int64_t lifetime = 14 * 86400;  // sliding: each rotation gets this much more
  int64_t max_age = 90 * 86400;   // absolute: from the code redemption, never extended
};

// Receives security events (one JSON object each, never a token value).
using SecurityEventSink = std::function<void(const nlohmann::json&)>;
// The default sink: one JSON line on stderr.
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

}  // namespace signet::protocol
