#include "interaction/password.h"

#include <argon2.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/crypto.h"

namespace signet::interaction {

namespace {

// OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;
constexpr std::string_view kPrefix = "$argon2id$";

}  // namespace

std::string hash_password(std::string_view password) {
  const std::string salt = random_bytes(kSaltLen);
  std::string encoded(
      argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltLen, kHashLen, Argon2_id), '\0');
  const int rc =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("argon2id_hash_encoded: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view phc) {
  if (phc.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string encoded(phc);  // argon2 wants a NUL-terminated string
  if (encoded.find('\0') != std::string::npos) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void burn_password_verification(std::string_view password) {
  // Computed once, with the same parameters as real hashes, so the time spent matches.
  static const std::string dummy = hash_password("signet: no such user");
  (void)verify_password(password, dummy);
}

}  // namespace signet::interaction
