// Shape checks for PKCE values (RFC 7636 §4.1, §4.2), shared by the
// authorization and token endpoints. verify_pkce_s256 is in token_endpoint.h.
#pragma once

#include <string_view>

namespace signet::protocol {

// 43..128 characters of [A-Za-z0-9-._~].
bool is_valid_code_verifier(std::string_view verifier);

// Exactly what BASE64URL(SHA256(verifier)) can produce: 43 base64url characters
// whose last one has zero trailing bits.
bool is_valid_s256_challenge(std::string_view challenge);

}  // namespace signet::protocol
