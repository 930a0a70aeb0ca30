// RFC 6750 §2.1 `Authorization: Bearer <token>` parsing, shared by /userinfo and
// the resource-server library so that both answer one request alike (§3.1).
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"

namespace signet {

enum class BearerProblem {
  // No header, or another scheme (e.g. Basic): no bearer credentials at all. The
  // answer is 401 with a bare challenge, without an error code (RFC 6750 §3.1).
  kNoCredentials,
  // A Bearer value that is not exactly one token: 400 invalid_request.
  kMalformed,
};

// `Bearer 1*SP b64token` (RFC 6750 §2.1; the token68 charset of RFC 7235 §2.1),
// the scheme case-insensitive. Returns the token.
Result<std::string_view, BearerProblem> parse_bearer_authorization(
    std::optional<std::string_view> header);

}  // namespace signet
