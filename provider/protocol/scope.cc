// Scope strings (RFC 6749 §3.3) and the consent decision built on them.
#include <algorithm>
#include <string>
#include <vector>

#include "protocol/authorize.h"

namespace signet::protocol {
namespace {

// scope-token = 1*NQCHAR; NQCHAR = %x21 / %x23-5B / %x5D-7E (no '"', no '\').
bool is_nqchar(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

}  // namespace

Result<std::vector<std::string>, OAuthError> parse_scope(const std::string& scope) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < scope.size()) {
    size_t space = scope.find(' ', pos);
    if (space == std::string::npos) space = scope.size();
    std::string item = scope.substr(pos, space - pos);
    pos = space + 1;
    if (item.empty()) continue;
    for (unsigned char c : item) {
      if (!is_nqchar(c)) {
        return fail(OAuthError::invalid_scope("The scope parameter is malformed.",
                                              "scope contains a character outside NQCHAR"));
      }
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
  }
  return out;
}

std::string join_scope(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool consent_required(const std::vector<std::string>& requested,
                      const std::vector<std::string>& granted) {
  return std::any_of(requested.begin(), requested.end(), [&](const std::string& s) {
    return std::find(granted.begin(), granted.end(), s) == granted.end();
  });
}

}  // namespace signet::protocol
