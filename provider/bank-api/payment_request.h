// A payment as POST /payments asks for it, after the body's checks
// (validation.h): plain data, shared by the consent check and the database.
#pragma once

#include <string>

namespace signet::bank {

struct PaymentRequest {
  std::string from_account;   // uuid, validated
  std::string to_iban;        // normalized
  std::string amount;         // positive decimal, at most 2 decimals
  std::string currency;       // three upper-case letters
  std::string reference;      // "" when not given
  std::string creditor_name;  // "" when not given
};

}  // namespace signet::bank
