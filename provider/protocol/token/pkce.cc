// Proof Key for Code Exchange, S256 only (RFC 7636; plain is refused, RFC 9700 §2.1.1).
#include "protocol/token/pkce.h"

#include "common/crypto.h"

namespace signet::protocol {
namespace {

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 7636 §4.1).
bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_base64url_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

bool is_valid_code_verifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (unsigned char c : verifier) {
    if (!is_unreserved(c)) return false;
  }
  return true;
}

bool is_valid_s256_challenge(std::string_view challenge) {
  // BASE64URL(SHA256(x)) without padding is always 43 characters; the last one
  // carries 2 zero bits, so only A, E, I, ..., w, 0, 4, 8 can end it.
  if (challenge.size() != 43) return false;
  for (unsigned char c : challenge) {
    if (!is_base64url_char(c)) return false;
  }
  static constexpr std::string_view kLast = "AEIMQUYcgkosw048";
  return kLast.find(challenge.back()) != std::string_view::npos;
}

bool verify_pkce_s256(const std::string& verifier, const std::string& challenge) {
  if (!is_valid_code_verifier(verifier) || !is_valid_s256_challenge(challenge)) return false;
  return constant_time_equal(sha256_b64url(verifier), challenge);
}

}  // namespace signet::protocol
