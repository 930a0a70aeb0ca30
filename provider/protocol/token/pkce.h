// Proof Key for Code Exchange, S256 only (RFC 7636; plain is refused, RFC 9700
// §2.1.1): the shape checks shared by the authorization and token endpoints,
// and the verifier check of the authorization_code grant.
#pragma once

#include <string>
#include <string_view>

namespace signet::protocol {

// 43..128 characters of [A-Za-z0-9-._~].
bool is_valid_code_verifier(std::string_view verifier);

// Exactly what BASE64URL(SHA256(verifier)) can produce: 43 base64url characters
// whose last one has zero trailing bits.
bool is_valid_s256_challenge(std::string_view challenge);

// S256 check (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) == challenge, with the
// verifier's length (43..128) and alphabet checked first.
bool verify_pkce_s256(const std::string& verifier, const std::string& challenge);

}  // namespace signet::protocol
