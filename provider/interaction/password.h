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

// What sign-in asks of the password check, so that its rules (one verification
// for every attempt, known user or not) can be tested without Argon2's cost.
class PasswordVerifier {
 public:
  virtual ~PasswordVerifier() = default;
  // Whether `password` matches the stored PHC string.
  virtual bool verify(std::string_view password, std::string_view phc) const = 0;
  // The cost of one verify() with nothing to compare against (an unknown user).
  virtual void spend_one_verification(std::string_view password) const = 0;
};

// The verifier of stored passwords: the functions above.
class Argon2idVerifier final : public PasswordVerifier {
 public:
  bool verify(std::string_view password, std::string_view phc) const override {
    return verify_password(password, phc);
  }
  void spend_one_verification(std::string_view password) const override {
    burn_password_verification(password);
  }
};

}  // namespace signet::interaction
