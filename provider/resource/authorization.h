// `Authorization` request header parsing for the two schemes a protected resource
// accepts: `Bearer` (RFC 6750 §2.1) and `DPoP` (RFC 9449 §7.1). Internal to
// signet_resource.
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "resource/resource_server.h"

namespace signet::resource {

struct Credentials {
  AuthScheme scheme = AuthScheme::kBearer;
  std::string_view token;  // the access token, a token68 (RFC 9110 §11.4)
};

// `Bearer 1*SP token68` or `DPoP 1*SP token68`, the scheme case-insensitive
// (RFC 9110 §11.1). Errors, as for Bearer alone (resource/bearer.h): no header or
// another scheme is "no credentials" (401, bare challenges); a Bearer or DPoP
// value that is not exactly one token68 is 400 invalid_request, challenged in the
// scheme the client used.
Result<Credentials, AuthError> parse_authorization(std::optional<std::string_view> header);

}  // namespace signet::resource
