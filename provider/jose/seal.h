// Private keys at rest: AES-256-GCM under a 32-byte master key, with the key id
// as associated data so a sealed blob cannot be swapped onto another row.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace signet::jose {

// Returns base64url(nonce(12) || ciphertext || tag(16)).
Result<std::string> seal(std::string_view master_key, std::string_view plaintext,
                         std::string_view associated_data);
// Fails ("unseal_failed") on a wrong key, tampered data or other associated data.
Result<std::string> unseal(std::string_view master_key, std::string_view sealed,
                           std::string_view associated_data);

}  // namespace signet::jose
