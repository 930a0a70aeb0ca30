// RFC 6750 §2.1 Authorization request header parsing (internal to signet_resource).
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "resource/resource_server.h"

namespace signet::resource {

// `Bearer <token68>` (common/bearer.h). Returns the token, or the error to answer
// with: no credentials (missing header or another scheme: 401 with a bare
// challenge) or a malformed Bearer value (400 invalid_request).
Result<std::string_view, AuthError> parse_bearer(std::optional<std::string_view> header);

}  // namespace signet::resource
