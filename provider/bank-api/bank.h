// bank-api's operations on PostgreSQL. Every function takes the token's subject
// and touches only that customer's rows. They run on worker threads, never on
// an HTTP I/O thread, and throw pqxx exceptions for the caller to map.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace signet::bank {

// A demo "Everyday account" IBAN: DE, valid check digits, a fixed demo bank
// code and ten random digits.
std::string random_demo_iban();

// Gives a subject seen for the first time its demo current account and sample
// transactions, in one transaction; a no-op (one indexed read) afterwards.
// Safe under concurrency: the partial unique index on (owner_subject) WHERE
// is_demo lets exactly one INSERT win.
void ensure_customer(pqxx::connection& conn, const std::string& subject);

// {"accounts":[{"id","name","iban","currency","balance"}]}
nlohmann::json list_accounts(pqxx::connection& conn, const std::string& subject);

// {"transactions":[...]} booked from `from` to `to` inclusive (YYYY-MM-DD, validated).
nlohmann::json list_transactions(pqxx::connection& conn, const std::string& subject,
                                 const std::string& from, const std::string& to);

struct PaymentRequest {
  std::string from_account;  // uuid, validated
  std::string to_iban;       // normalized
  std::string amount;        // positive decimal, at most 2 decimals
  std::string currency;      // three upper-case letters
  std::string reference;
};

enum class PaymentOutcome {
  kCreated,
  kAccountNotFound,
  kCurrencyMismatch,
  kInsufficientFunds,
  kSameAccount
};

struct PaymentResult {
  PaymentOutcome outcome = PaymentOutcome::kCreated;
  nlohmann::json payment;  // with kCreated
};

// Debits the account, records the payment and its booking, in one transaction.
PaymentResult create_payment(pqxx::connection& conn, const std::string& subject,
                             const std::string& client_id, const PaymentRequest& request);

}  // namespace signet::bank
