// Redirect URI matching (RFC 9700 §4.1.3, RFC 8252 §7.3).
#include "protocol/model.h"

#include <array>

namespace signet::protocol {
namespace {

// The loopback IP literals of RFC 8252 §7.3, over plain http. "localhost" is
// not one of them (§8.3: it may resolve elsewhere).
constexpr std::array<std::string_view, 2> kLoopbackOrigins = {"http://127.0.0.1", "http://[::1]"};

// Splits a loopback URI into its origin prefix (one of kLoopbackOrigins) and
// what follows the port (path, query, fragment: compared byte for byte). The
// port is optional; when present it is 1..65535 in decimal without a leading
// zero. False when `uri` is not of that form, so that anything unusual (user
// info, a longer host, an empty port) falls back to exact comparison.
bool split_loopback(std::string_view uri, std::string_view& origin, std::string_view& rest) {
  for (std::string_view o : kLoopbackOrigins) {
    if (uri.substr(0, o.size()) != o) continue;
    std::string_view after = uri.substr(o.size());
    if (!after.empty() && after.front() == ':') {
      std::size_t n = 1;
      while (n < after.size() && after[n] >= '0' && after[n] <= '9') ++n;
      const std::string_view digits = after.substr(1, n - 1);
      if (digits.empty() || digits.size() > 5 || digits.front() == '0') return false;
      if (std::stoul(std::string(digits)) > 65535) return false;
      after = after.substr(n);
    }
    // RFC 3986 §3.2: the authority ends at '/', '?', '#' or the end.
    if (!after.empty() && after.front() != '/' && after.front() != '?' && after.front() != '#') {
      return false;
    }
    origin = o;
    rest = after;
    return true;
  }
  return false;
}

}  // namespace

bool is_loopback_ip_uri(std::string_view uri) {
  std::string_view origin, rest;
  return split_loopback(uri, origin, rest);
}

bool Client::has_redirect_uri(std::string_view uri) const {
  if (std::find(redirect_uris.begin(), redirect_uris.end(), uri) != redirect_uris.end()) {
    return true;
  }
  // RFC 8252 §7.3: a native app listens on whichever port the system gives it,
  // so a registered loopback URI matches with any port; scheme, IP literal,
  // path and query must still be identical.
  std::string_view origin, rest;
  if (!split_loopback(uri, origin, rest)) return false;
  return std::any_of(redirect_uris.begin(), redirect_uris.end(), [&](const std::string& r) {
    std::string_view r_origin, r_rest;
    return split_loopback(r, r_origin, r_rest) && r_origin == origin && r_rest == rest;
  });
}

}  // namespace signet::protocol
