// RFC 6750 §2.1 Authorization request header parsing (internal to signet_resource).
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "resource/resource_server.h"

namespace signet::resource {

// `Bearer <token68>`: scheme case-insensitive, exactly one space, token68 charset
// (RFC 7235 §2.1). Returns the token, or the error to answer with: no credentials
// (missing header or another scheme) or a malformed Bearer value.
Result<std::string_view, AuthError> parse_bearer(std::optional<std::string_view> header);

}  // namespace signet::resource
