// User passwords: Argon2id (RFC 9106) at OWASP's parameters (19 MiB, t=2, p=1),
// stored as PHC strings. Slow by design: call it from a worker, never an I/O thread.
#pragma once

#include <string>
#include <string_view>

namespace signet::interaction {

std::string hash_password(std::string_view password);

// Constant-time verification of `password` against a PHC string.
bool verify_password(std::string_view password, std::string_view phc);

// Spends the same time as a real verification, for unknown usernames, so timing
// does not reveal which usernames exist.
void burn_password_verification(std::string_view password);

}  // namespace signet::interaction
