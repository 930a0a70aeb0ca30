// bank-api's operations on PostgreSQL. Every function takes the token's subject
// and touches only that customer's rows. They run on worker threads, never on
// an HTTP I/O thread, and throw pqxx exceptions for the caller to map.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "bank-api/payment_request.h"

namespace signet::bank {

// A demo "Everyday account" IBAN: DE, valid check digits, a fixed demo bank
// code and ten random digits.
std::string random_demo_iban();

// Gives a subject seen for the first time its demo accounts (an "Everyday
// account" and a "Savings account") and sample transactions, in one transaction; a no-op (one
// indexed read) afterwards. Safe under concurrency: the partial unique index on (owner_subject)
// WHERE is_demo lets exactly one INSERT win.
void ensure_customer(pqxx::connection& conn, const std::string& subject);

// {"accounts":[{"id","name","iban","currency","balance"}]}
nlohmann::json list_accounts(pqxx::connection& conn, const std::string& subject);

// {"transactions":[...]} booked from `from` to `to` inclusive (YYYY-MM-DD, validated).
nlohmann::json list_transactions(pqxx::connection& conn, const std::string& subject,
                                 const std::string& from, const std::string& to);

// {"transactions":[...]} of the accounts and periods `grants` open, a JSON
// array of {"iban","from","to"} (authorization_details.h's TransactionGrant).
nlohmann::json list_granted_transactions(pqxx::connection& conn, const std::string& subject,
                                         const nlohmann::json& grants);

// {"accounts":[{"iban","name","currency"}]}: what Signet's consent page shows.
nlohmann::json account_directory(pqxx::connection& conn, const std::string& subject);

enum class PaymentOutcome {
  kCreated,
  kAccountNotFound,
  kCurrencyMismatch,
  kInsufficientFunds,
  kSameAccount,
  kConsentUsed
};

struct PaymentResult {
  PaymentOutcome outcome = PaymentOutcome::kCreated;
  nlohmann::json payment;  // with kCreated
};

// The payment_initiation consent a payment uses up: its grant and
// detail_digest() of the detail.
struct ConsentUse {
  std::string grant_id;
  std::string detail_digest;
};

// Debits the account, records the payment, its booking and the consent it uses
// (if any), inside `tx` under a savepoint: unless kCreated, nothing of it stays.
// The caller commits.
PaymentResult create_payment(pqxx::work& tx, const std::string& subject,
                             const std::string& client_id, const PaymentRequest& request,
                             const std::optional<ConsentUse>& consent);

// An answer as recorded for an Idempotency-Key.
struct StoredReply {
  int status = 0;
  nlohmann::json body;
};

// draft-ietf-httpapi-idempotency-key-header: a key is scoped to the client and
// the customer; request_digest fingerprints the request's body.
struct IdempotencyKey {
  std::string client_id;
  std::string subject;
  std::string key;
  std::string request_digest;
};

enum class KeyOutcome {
  kFirst,         // `work` ran; its answer is recorded with it
  kReplayed,      // the recorded answer of the first request
  kOtherRequest,  // the key was used with another body
  kInProgress     // a request with the key is running now
};

struct KeyedReply {
  KeyOutcome outcome = KeyOutcome::kFirst;
  StoredReply reply;  // with kFirst and kReplayed
};

// Runs `work` at most once per key, in one transaction with the record of its
// answer (any status below 500). Keys expire after 24 hours.
KeyedReply run_once(pqxx::connection& conn, const IdempotencyKey& key,
                    const std::function<StoredReply(pqxx::work&)>& work);

}  // namespace signet::bank
