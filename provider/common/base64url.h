// Base64url without padding (RFC 4648 §5), as JOSE uses it (RFC 7515 §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet {

std::string base64url_encode(std::string_view bytes);

// Strict: rejects any character outside the URL-safe alphabet, padding, a length
// that no encoding produces (len % 4 == 1), and non-zero trailing bits, so one
// byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text);

// Standard base64 with padding (RFC 4648 §4), for HTTP Basic credentials.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace signet
