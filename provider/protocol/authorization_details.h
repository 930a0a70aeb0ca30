// Rich Authorization Requests (RFC 9396): the `authorization_details` parameter,
// checked against one JSON Schema per type (schemas/authorization-details/),
// and what the schemas say about each type beyond validation: how the consent
// page puts a detail in words, and which arrays the customer fills by choosing
// accounts (§7.1 enrichment).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "protocol/error.h"

namespace signet::protocol {

class JsonSchema;  // protocol/json_schema.h

// One line of the consent page for a detail: a label and its value in words,
// e.g. {"Amount", "123.50 EUR"}, {"Payee", "Merchant A"}, {"Payee's IBAN", "DE02 1001 ..."}.
struct DetailLine {
  std::string label;
  std::string value;
};

// A detail in words (the schema's "x-consent" block rendered for one detail).
struct DetailDescription {
  std::string type;               // "payment_initiation"
  std::string title;              // "Make one payment"
  std::vector<DetailLine> lines;  // only the lines whose values the detail has
  // Arrays of account references left empty by the client: the customer picks
  // accounts for them on the consent page (e.g. "access.accounts").
  std::vector<std::string> account_choices;
};

// The registry of authorization details types: the built-in schemas (compiled
// in from schemas/authorization-details/*.schema.json) plus any added.
class AuthorizationDetailsTypes {
 public:
  AuthorizationDetailsTypes();  // empty
  ~AuthorizationDetailsTypes();
  AuthorizationDetailsTypes(AuthorizationDetailsTypes&&) noexcept;
  AuthorizationDetailsTypes& operator=(AuthorizationDetailsTypes&&) noexcept;

  // The built-in types: account_information, payment_initiation.
  static const AuthorizationDetailsTypes& builtin();

  // Adds one type from its schema's JSON text; the error names what is wrong.
  Status<> add(std::string_view schema_text);

  std::vector<std::string> names() const;  // sorted: authorization_details_types_supported
  bool knows(std::string_view type) const;

  // §2, §5: the parameter's text, a JSON array of one or more objects, each with
  // a known `type` allowed to the client (`allowed` = the client's
  // authorization_details_types; nullptr or empty = every known type) and valid
  // against its schema. Refused with invalid_authorization_details (400, not
  // redirectable; the caller marks it redirectable where §5 allows): not JSON,
  // a duplicate key at any depth, deeper than 8 levels, longer than 16 KiB, an
  // empty array, more than 10 details, a payment_initiation repeated, a
  // detail equal to another, any schema violation (unknown, missing or mistyped
  // field, a string over its maxLength, an array over its maxItems). The
  // description names the first problem found (e.g. "authorization_details[1]:
  // instructedAmount.amount: must be a decimal string").
  Result<nlohmann::json, OAuthError> parse(std::string_view text,
                                           const std::vector<std::string>* allowed) const;

  // Validates an already-parsed array (the same rules as parse() after JSON),
  // e.g. after enrichment with the customer's accounts.
  Result<nlohmann::json, OAuthError> check(const nlohmann::json& details,
                                           const std::vector<std::string>* allowed) const;

  // The consent page's words for one valid detail.
  DetailDescription describe(const nlohmann::json& detail) const;

  // §7.1: fills every array the customer chooses for (account_choices of
  // describe()) that the client left empty with `accounts`, each as
  // {"iban": IBAN}. Arrays the client filled are kept as they are.
  nlohmann::json with_chosen_accounts(const nlohmann::json& detail,
                                      const std::vector<std::string>& ibans) const;

 private:
  struct Type;
  std::map<std::string, std::unique_ptr<Type>, std::less<>> types_;
};

// §6: every detail of `requested` is one of `granted` (equal as JSON); the
// answer is `requested`, or invalid_authorization_details naming the first detail
// that was not granted.
Result<nlohmann::json, OAuthError> narrow_authorization_details(const nlohmann::json& requested,
                                                                const nlohmann::json& granted);

// §9.1: the details a token for `audience` may carry: those without
// `locations`, and those whose `locations` contain `audience`.
nlohmann::json authorization_details_for_audience(const nlohmann::json& details,
                                                  const std::string& audience);

}  // namespace signet::protocol
