#include "resource/authorization.h"

#include <string>

#include "common/bearer.h"
#include "resource/bearer.h"

namespace signet::resource {
namespace {

constexpr std::string_view kDpopScheme = "DPoP";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_scheme(std::string_view h, std::string_view scheme) {
  if (h.size() < scheme.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (lower(h[i]) != lower(scheme[i])) return false;
  }
  // "DPoPX ..." names another scheme.
  if (h.size() == scheme.size()) return true;
  char c = h[scheme.size()];
  return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
}

}  // namespace

Result<Credentials, AuthError> parse_authorization(std::optional<std::string_view> header) {
  if (!header || !starts_with_scheme(*header, kDpopScheme)) {
    auto token = parse_bearer(header);
    if (!token.ok()) return fail(token.error());
    return Credentials{AuthScheme::kBearer, *token};
  }
  // The same token68 rule as Bearer (RFC 9449 §7.1 uses token68 too): reuse the
  // one parser by giving it the value under the Bearer name. The token is a view
  // into `header`, at the same offset.
  std::string as_bearer = "Bearer" + std::string(header->substr(kDpopScheme.size()));
  auto token = parse_bearer_authorization(std::string_view(as_bearer));
  if (!token.ok()) {
    AuthError e;
    e.scheme = AuthScheme::kDpop;
    e.kind = AuthErrorKind::kInvalidRequest;  // 400, as a garbled Bearer value
    e.description = "malformed DPoP credentials";
    return fail(std::move(e));
  }
  size_t offset = static_cast<size_t>(token->data() - as_bearer.data()) - 6 + kDpopScheme.size();
  return Credentials{AuthScheme::kDpop, header->substr(offset, token->size())};
}

}  // namespace signet::resource
