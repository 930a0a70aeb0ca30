// The comparison form of a DPoP proof's "htu" and of the URL it must name (RFC 9449
// §4.3 step 9: compared "without query and fragment", after the syntax-based
// normalisation of RFC 3986 §6.2.2 and the scheme-based one of §6.2.3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet::jose {

// "scheme://host[:port]/path" of an absolute http or https URL: scheme and host in
// lower case, the scheme's default port (80, 443) and an empty port dropped, an
// empty path as "/", percent-encodings with upper-case hex and those of unreserved
// characters decoded (RFC 3986 §2.3, §6.2.2.1-2); query and fragment cut off.
// Dot segments are kept as written. nullopt when `url` is not such a URL: another
// scheme, no host, userinfo, a bad port or percent-encoding, a byte outside
// printable ASCII or one that RFC 3986 does not allow there.
std::optional<std::string> normalize_htu(std::string_view url);

}  // namespace signet::jose
