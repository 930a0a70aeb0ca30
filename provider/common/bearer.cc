#include "common/bearer.h"

namespace signet {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
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

}  // namespace

Result<std::string_view, BearerProblem> parse_bearer_authorization(
    std::optional<std::string_view> header) {
  if (!header || header->empty()) return fail(BearerProblem::kNoCredentials);
  std::string_view h = *header;
  constexpr std::string_view kScheme = "Bearer";
  // Another scheme (e.g. Basic) carries no bearer credentials: answered as if none
  // were sent.
  if (h.size() < kScheme.size() || !iequals(h.substr(0, kScheme.size()), kScheme)) {
    return fail(BearerProblem::kNoCredentials);
  }
  std::string_view rest = h.substr(kScheme.size());
  if (rest.empty()) return fail(BearerProblem::kMalformed);  // "Bearer" without a token
  if (rest[0] != ' ') {
    // "BearerX ..." names another scheme; "Bearer\t..." is a garbled Bearer value.
    char c = rest[0];
    bool name_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    return fail(name_char ? BearerProblem::kNoCredentials : BearerProblem::kMalformed);
  }
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) return fail(BearerProblem::kMalformed);
  std::string_view token = rest.substr(start);
  // Also refuses a second token, a trailing space, a tab or a non-ASCII byte.
  if (!is_token68(token)) return fail(BearerProblem::kMalformed);
  return token;
}

}  // namespace signet
