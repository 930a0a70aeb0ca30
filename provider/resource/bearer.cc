#include "resource/bearer.h"

#include "common/bearer.h"

namespace signet::resource {

Result<std::string_view, AuthError> parse_bearer(std::optional<std::string_view> header) {
  auto token = parse_bearer_authorization(header);
  if (token.ok()) return *token;
  AuthError e;
  if (token.error() == BearerProblem::kNoCredentials) {
    e.kind = AuthErrorKind::kInvalidToken;  // a 401, without an error code (RFC 6750 §3.1)
    e.credentials_missing = true;
    e.description = "bearer token required";
  } else {
    e.kind = AuthErrorKind::kInvalidRequest;  // malformed request: 400 (RFC 6750 §3.1)
    e.description = "malformed bearer credentials";
  }
  return fail(std::move(e));
}

}  // namespace signet::resource
