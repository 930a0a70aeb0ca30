// What bank-api lets a token do through its authorization_details (RFC 9396),
// beside its scopes: read the accounts the customer chose (type
// account_information) and make the one payment she approved (type
// payment_initiation). Pure functions of the claim and the request, so they
// run on an HTTP I/O thread and are unit-tested on their own.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bank-api/payment_request.h"

namespace signet::bank {

// Today's date in UTC, "YYYY-MM-DD": the day a detail's validUntil is compared with.
std::string utc_today();

// An amount as a canonical decimal with two decimals ("123.5" -> "123.50"), or
// nullopt when it is not a positive amount with at most 2 decimals.
std::optional<std::string> canonical_amount(std::string_view amount);

// Equal as decimals; false when either is not a positive amount.
bool amounts_equal(std::string_view a, std::string_view b);

// The accounts an unexpired account_information detail (validUntil absent or
// not before `today`) lets the token read. IBANs normalized; a detail with a
// malformed IBAN, date or access object grants nothing.
struct AccountAccess {
  std::set<std::string> accounts;  // listed: access.accounts or access.balances
  std::set<std::string> balances;  // with their balance: access.balances
  bool empty() const { return accounts.empty(); }
};
AccountAccess account_access(const nlohmann::json& details, std::string_view today);

// Keeps the entries of a {"accounts":[{"iban","balance",...}]} list that
// `access` lists, without "balance" for those whose balance it does not cover.
nlohmann::json filter_accounts(const nlohmann::json& list, const AccountAccess& access);

// One account's bookings a token may read: booked from `from` to `to` inclusive.
struct TransactionGrant {
  std::string iban;
  std::string from;
  std::string to;
  bool operator==(const TransactionGrant&) const = default;
};

// The bookings unexpired account_information details open through
// access.transactions, each detail's transactionsFromDate..transactionsToDate
// intersected with the query's `from`..`to`. `covered`: some detail names
// transactions at all (an empty intersection is then an empty answer, not a 403).
struct TransactionAccess {
  bool covered = false;
  std::vector<TransactionGrant> grants;
};
TransactionAccess transaction_access(const nlohmann::json& details, std::string_view today,
                                     std::string_view from, std::string_view to);

// Whether any detail has type payment_initiation.
bool has_payment_initiation(const nlohmann::json& details);

// A payment_initiation detail describing exactly `payment`: currency, amount as
// a decimal, creditor IBAN after normalization, and the creditor name and the
// reference when the detail names them. Without one, `refusal` says which field
// of the first payment_initiation detail differs.
struct PaymentConsent {
  std::optional<nlohmann::json> detail;
  std::string refusal;
};
PaymentConsent match_payment(const nlohmann::json& details, const PaymentRequest& payment);

// The digest recorded when a detail is used: SHA-256 (base64url) of its
// canonical JSON (keys sorted, no spaces), so that the same approval is the
// same record however the token spelled it.
std::string detail_digest(const nlohmann::json& detail);

}  // namespace signet::bank
