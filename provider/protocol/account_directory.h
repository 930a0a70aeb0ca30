// Where the consent page finds a customer's accounts, so that she can choose
// which ones an account_information request covers (RFC 9396 §7.1: the server
// enriches the granted details with her choice). The bank owns the accounts;
// Signet only asks (fetch/account_directory.h).
#pragma once

#include <string>
#include <vector>

#include "protocol/stores.h"

namespace signet::protocol {

struct CustomerAccount {
  std::string iban;
  std::string name;
  std::string currency;
};

class AccountDirectory {
 public:
  virtual ~AccountDirectory() = default;
  // The customer's accounts; temporarily_unavailable when the directory cannot
  // be reached (the consent page then says so rather than offer no accounts).
  virtual StoreResult<std::vector<CustomerAccount>> accounts_of(const std::string& subject) = 0;
};

}  // namespace signet::protocol
