// Small cryptographic helpers on OpenSSL: CSPRNG bytes, SHA-256, constant-time compare.
#pragma once

#include <string>
#include <string_view>

namespace signet {

// Bytes from OpenSSL's CSPRNG. Aborts if the generator fails: no fallback is safe.
std::string random_bytes(size_t n);

// A random opaque value of `bytes` bytes (default 256 bits), base64url encoded.
std::string random_token(size_t bytes = 32);

// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);

// SHA-256 as base64url: the form in which secrets (codes, session ids, client
// secrets) are stored, so a database leak does not reveal usable values.
std::string sha256_b64url(std::string_view data);

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

// A 32-byte key for one purpose, derived from the master key (HMAC-SHA256 with a
// fixed label, as HKDF-Expand's single block, RFC 5869 §2.3): every replica
// derives the same key, and a key of one purpose is useless for another.
std::string derive_key(std::string_view master_key, std::string_view label);

// Constant-time equality (CRYPTO_memcmp); differing lengths compare unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace signet
