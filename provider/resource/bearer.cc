#include "resource/bearer.h"

namespace signet::resource {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_token68(std::string_view t) {
  size_t i = 0;
  for (; i < t.size(); ++i) {
    char c = t[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i) {
    if (t[i] != '=') return false;
  }
  return true;
}

AuthError no_credentials() {
  AuthError e;
  e.kind = AuthErrorKind::kInvalidToken;
  e.credentials_missing = true;
  e.description = "bearer token required";
  return e;
}

AuthError malformed() {
  AuthError e;
  e.kind = AuthErrorKind::kInvalidToken;
  e.description = "malformed bearer credentials";
  return e;
}

}  // namespace

Result<std::string_view, AuthError> parse_bearer(std::optional<std::string_view> header) {
  if (!header || header->empty()) return fail(no_credentials());
  std::string_view h = *header;
  constexpr std::string_view kScheme = "Bearer";
  // Another scheme (e.g. Basic) carries no bearer credentials: answer as if none
  // were sent (RFC 6750 §3.1: no error code then).
  if (h.size() < kScheme.size() || !iequals(h.substr(0, kScheme.size()), kScheme)) {
    return fail(no_credentials());
  }
  std::string_view rest = h.substr(kScheme.size());
  if (rest.empty()) return fail(malformed());
  if (rest[0] != ' ') {
    // "BearerX ..." names another scheme; "Bearer\t..." is a garbled Bearer value.
    char c = rest[0];
    bool name_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    return fail(name_char ? no_credentials() : malformed());
  }
  std::string_view token = rest.substr(1);
  if (!is_token68(token)) return fail(malformed());  // also catches a second space or tab
  return token;
}

}  // namespace signet::resource
