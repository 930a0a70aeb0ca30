// RFC 9396 authorization_details: the built-in types, hostile input, the
// consent page's words, enrichment (§7.1), narrowing at /token (§6) and the
// details a token for one resource may carry (§9.1).
#include "protocol/authorization_details.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/date.h"
#include "protocol/json_schema.h"

namespace signet::protocol {
namespace {

using nlohmann::json;

const AuthorizationDetailsTypes& types() { return AuthorizationDetailsTypes::builtin(); }

json payment() {
  return {{"type", "payment_initiation"},
          {"instructedAmount", {{"currency", "EUR"}, {"amount", "123.50"}}},
          {"creditorName", "Merchant A"},
          {"creditorAccount", {{"iban", "DE02100100109307118603"}}},
          {"remittanceInformationUnstructured", "Invoice 42"}};
}

json account_information() {
  return {
      {"type", "account_information"},
      {"access",
       {{"accounts", {{{"iban", "DE02100100109307118603"}}, {{"iban", "DE89370400440532013000"}}}},
        {"balances", json::array()}}},
      {"transactionsFromDate", "2026-01-01"},
      {"transactionsToDate", "2026-03-31"},
      {"recurringIndicator", false},
      {"validUntil", "2026-06-30"}};
}

// The description of the refusal of `details` (as text), or "" when accepted.
std::string refusal(const std::string& text, const std::vector<std::string>* allowed = nullptr) {
  auto r = types().parse(text, allowed);
  if (r) return "";
  EXPECT_EQ(r.error().code, "invalid_authorization_details");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_FALSE(r.error().redirectable);
  // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E (and our "…").
  for (const char c : r.error().description) {
    EXPECT_NE(c, '"') << r.error().description;
    EXPECT_NE(c, '\\') << r.error().description;
  }
  return r.error().description;
}
std::string refusal(const char* text) { return refusal(std::string(text)); }
std::string refusal(const json& details, const std::vector<std::string>* allowed = nullptr) {
  return refusal(details.dump(), allowed);
}

// One payment with `field` (a JSON pointer) set to `value`.
std::string payment_with(const std::string& pointer, const json& value) {
  json p = payment();
  p[json::json_pointer(pointer)] = value;
  return refusal(json::array({p}));
}

TEST(AuthorizationDetailsTypes, BuiltinTypesAreTheTwoSchemas) {
  EXPECT_EQ(types().names(),
            (std::vector<std::string>{"account_information", "payment_initiation"}));
  EXPECT_TRUE(types().knows("payment_initiation"));
  EXPECT_FALSE(types().knows("payment"));
  EXPECT_TRUE(AuthorizationDetailsTypes().names().empty());
}

TEST(AuthorizationDetailsTypes, ValidDetailsOfBothTypesAreAccepted) {
  const json details = json::array({payment(), account_information()});
  auto r = types().parse(details.dump(), nullptr);
  ASSERT_TRUE(r) << r.error().description;
  EXPECT_EQ(*r, details);
  auto checked = types().check(details, nullptr);
  ASSERT_TRUE(checked);
  EXPECT_EQ(*checked, details);
}

TEST(AuthorizationDetailsTypes, InputOver16KiBIsRefusedBeforeParsing) {
  json p = payment();
  p["remittanceInformationUnstructured"] = std::string(20 * 1024, 'x');
  EXPECT_EQ(refusal(json::array({p})), "authorization_details is longer than 16384 bytes");
  // Not even JSON: the size is checked first.
  EXPECT_EQ(refusal(std::string(16 * 1024 + 1, '[')),
            "authorization_details is longer than 16384 bytes");
}

TEST(AuthorizationDetailsTypes, DeepNestingIsRefusedWhileParsing) {
  // 10 000 levels inside 16 KiB would need a recursive parser or validator to
  // survive; the parser is stopped at level 9.
  const std::string arrays = std::string(8000, '[') + std::string(8000, ']');
  EXPECT_EQ(refusal(arrays), "authorization_details is nested deeper than 8 levels");
  std::string objects;
  for (int i = 0; i < 1500; ++i) objects += "{\"a\":";
  objects += "1" + std::string(1500, '}');
  EXPECT_EQ(refusal("[" + objects + "]"), "authorization_details is nested deeper than 8 levels");
  // 10 000 levels are over the size limit; over the size ceiling the refusal
  // comes earlier, but either way without deep recursion.
  EXPECT_FALSE(refusal(std::string(10000, '[') + std::string(10000, ']')).empty());
  // An already-parsed value 10 000 levels deep (check() after enrichment):
  // validation follows the schema, so it stops at the first level that does not fit.
  json deep = json::array();
  for (int i = 0; i < 10000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(deep));  // moved, never copied: a copy would recurse
    deep = std::move(outer);
  }
  json details = json::array({payment()});
  details[0]["creditorName"] = std::move(deep);
  auto r = types().check(details, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().description, "authorization_details[0]: creditorName: must be a string");
  // Exactly 8 levels parse (and then fail the schema); 9 do not.
  EXPECT_EQ(refusal("[[[[[[[[1]]]]]]]]"), "authorization_details[0]: must be an object");
  EXPECT_EQ(refusal("[[[[[[[[[1]]]]]]]]]"), "authorization_details is nested deeper than 8 levels");
}

TEST(AuthorizationDetailsTypes, DuplicateKeysAreRefusedAtEveryLevel) {
  const std::string top =
      R"([{"type":"payment_initiation","type":"account_information","access":{"accounts":[]}}])";
  EXPECT_EQ(refusal(top), "authorization_details repeats the key 'type'");
  std::string nested = payment().dump();
  const std::string amount = R"("amount":"123.50")";
  nested.replace(nested.find(amount), amount.size(), R"("amount":"1.00","amount":"123.50")");
  EXPECT_EQ(refusal("[" + nested + "]"), "authorization_details repeats the key 'amount'");
  // The same key in two sibling objects is not a duplicate.
  EXPECT_EQ(refusal(json::array({payment(), account_information()})), "");
  // A key with characters that may not appear in error_description is not echoed.
  EXPECT_EQ(refusal(R"([{"a\"b":1,"a\"b":2}])"), "authorization_details repeats a key");
}

TEST(AuthorizationDetailsTypes, MalformedParameterIsRefused) {
  EXPECT_EQ(refusal(std::string("not json")), "authorization_details is not valid JSON");
  EXPECT_EQ(refusal(std::string("[{\"type\":\"payment_initiation\"")),
            "authorization_details is not valid JSON");
  EXPECT_EQ(refusal(payment()), "authorization_details must be a JSON array");
  EXPECT_EQ(refusal(json::array()), "authorization_details must not be empty");
  EXPECT_EQ(refusal(json::array({"payment_initiation"})),
            "authorization_details[0]: must be an object");
  EXPECT_EQ(refusal(json::array({json::object()})), "authorization_details[0]: type is missing");
  EXPECT_EQ(refusal(json::array({{{"type", 7}}})),
            "authorization_details[0]: type must be a string");
  EXPECT_EQ(refusal(json::array({{{"type", "crypto_transfer"}}})),
            "authorization_details[0]: type 'crypto_transfer' is unknown");
  EXPECT_EQ(refusal(json::array({{{"type", "a b\"c"}}})),
            "authorization_details[0]: the type is unknown");
}

TEST(AuthorizationDetailsTypes, HugeArraysAreRefused) {
  json many = json::array();
  for (int i = 0; i < 11; ++i) {
    json p = account_information();
    p["validUntil"] = "2026-07-" + std::to_string(10 + i);
    many.push_back(p);
  }
  EXPECT_EQ(refusal(many), "authorization_details has more than 10 details");
  std::string numbers = "[";
  for (int i = 0; i < 5000; ++i) numbers += "1,";
  numbers += "1]";
  EXPECT_EQ(refusal(numbers), "authorization_details has more than 10 details");
  json accounts = json::array();
  for (int i = 0; i < 21; ++i) accounts.push_back({{"iban", "DE02100100109307118603"}});
  json a = account_information();
  a["access"]["accounts"] = accounts;
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: access.accounts: has more than 20 items");
}

TEST(AuthorizationDetailsTypes, TypeNotAllowedForTheClientIsRefused) {
  const std::vector<std::string> only_accounts{"account_information"};
  EXPECT_EQ(refusal(json::array({payment()}), &only_accounts),
            "authorization_details[0]: type 'payment_initiation' is not allowed for this client");
  EXPECT_EQ(refusal(json::array({account_information()}), &only_accounts), "");
  const std::vector<std::string> none;  // empty: every known type
  EXPECT_EQ(refusal(json::array({payment()}), &none), "");
}

TEST(AuthorizationDetailsTypes, SchemaViolationsNameTheField) {
  EXPECT_EQ(payment_with("/instructedAmount/amount", 123.5),
            "authorization_details[0]: instructedAmount.amount: must be a string");
  EXPECT_EQ(payment_with("/debtorName", "Alice"),
            "authorization_details[0]: debtorName: is not allowed");
  EXPECT_EQ(payment_with("/instructedAmount/fee", "1"),
            "authorization_details[0]: instructedAmount.fee: is not allowed");
  // A member name that may not appear in error_description is not echoed.
  EXPECT_EQ(payment_with("/a\"b\\c", 1),
            "authorization_details[0]: has a member that is not allowed");
  json missing = payment();
  missing.erase("creditorName");
  EXPECT_EQ(refusal(json::array({missing})), "authorization_details[0]: creditorName: is missing");
  EXPECT_EQ(payment_with("/creditorAccount", "DE02100100109307118603"),
            "authorization_details[0]: creditorAccount: must be an object");
  EXPECT_EQ(payment_with("/creditorName", ""),
            "authorization_details[0]: creditorName: must not be empty");
  EXPECT_EQ(payment_with("/creditorName", std::string(71, 'n')),
            "authorization_details[0]: creditorName: is longer than 70 characters");
  // Lengths count characters, not bytes: 70 two-byte letters are allowed.
  std::string umlauts;
  for (int i = 0; i < 70; ++i) umlauts += "\xC3\xBC";
  EXPECT_EQ(payment_with("/creditorName", umlauts), "");
  EXPECT_EQ(
      payment_with("/remittanceInformationUnstructured", std::string(141, 'r')),
      "authorization_details[0]: remittanceInformationUnstructured: is longer than 140 characters");
  EXPECT_EQ(payment_with("/type", "payment_initiation"), "");
}

TEST(AuthorizationDetailsTypes, AmountMustBeAPositiveDecimalString) {
  for (const char* bad :
       {"1.234", "-1", "1e3", "01", "1.", ".5", "1,00", " 1", "1234567890123", "+1"}) {
    EXPECT_EQ(payment_with("/instructedAmount/amount", bad),
              "authorization_details[0]: instructedAmount.amount: must be a decimal string")
        << bad;
  }
  for (const char* zero : {"0", "0.0", "0.00"}) {
    EXPECT_EQ(payment_with("/instructedAmount/amount", zero),
              "authorization_details[0]: instructedAmount.amount: must be more than zero")
        << zero;
  }
  for (const char* good : {"0.01", "0.5", "10", "999999999999.99"}) {
    EXPECT_EQ(payment_with("/instructedAmount/amount", good), "") << good;
  }
  EXPECT_EQ(payment_with("/instructedAmount/amount", std::string(5000, '1')),
            "authorization_details[0]: instructedAmount.amount: is longer than 15 characters");
}

TEST(AuthorizationDetailsTypes, CurrencyAndIbanAreChecked) {
  EXPECT_EQ(payment_with("/instructedAmount/currency", "eur"),
            "authorization_details[0]: instructedAmount.currency: must be an ISO 4217 currency "
            "code in capitals");
  EXPECT_EQ(payment_with("/instructedAmount/currency", "EURO"),
            "authorization_details[0]: instructedAmount.currency: is longer than 3 characters");
  for (const char* bad : {"DE02 1001 0010 9307 1186 03", "de02100100109307118603", "DE0210010010",
                          "1234567890123456"}) {
    EXPECT_EQ(payment_with("/creditorAccount/iban", bad),
              "authorization_details[0]: creditorAccount.iban: must be an IBAN in capitals without "
              "spaces")
        << bad;
  }
  json a = account_information();
  a["access"]["transactions"] = {{{"iban", "XX"}}};
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: access.transactions[0].iban: must be an IBAN in capitals "
            "without spaces");
}

TEST(AuthorizationDetailsTypes, DatesMustBeRealAndInOrder) {
  json a = account_information();
  a["transactionsFromDate"] = "2026-02-30";
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: transactionsFromDate: must be a date (YYYY-MM-DD)");
  a["transactionsFromDate"] = "2024-02-29";  // a leap day
  EXPECT_EQ(refusal(json::array({a})), "");
  for (const char* bad : {"2026-1-01", "2026-13-01", "2026-04-31", "2100-02-29", "0000-01-01",
                          "2026-01-01T00:00:00Z"}) {
    a["validUntil"] = bad;
    EXPECT_NE(refusal(json::array({a})), "") << bad;
  }
  a = account_information();
  a["transactionsFromDate"] = "2026-04-01";
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: transactionsFromDate: must not be after transactionsToDate");
  a["transactionsFromDate"] = "2026-03-31";  // the same day is fine
  EXPECT_EQ(refusal(json::array({a})), "");
}

TEST(AuthorizationDetailsTypes, AccessNeedsAtLeastOneKindOfData) {
  json a = account_information();
  a["access"] = json::object();
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: access: needs at least 1 member(s)");
  a["access"] = {{"standingOrders", json::array()}};
  EXPECT_EQ(refusal(json::array({a})),
            "authorization_details[0]: access.standingOrders: is not allowed");
  a["access"] = {{"transactions", json::array()}};
  EXPECT_EQ(refusal(json::array({a})), "");
}

TEST(AuthorizationDetailsTypes, LocationsMustBeFewAbsoluteHttpUris) {
  EXPECT_EQ(payment_with("/locations", {"https://api.bank.example/payments"}), "");
  EXPECT_EQ(payment_with("/locations", {"ftp://api.bank.example"}),
            "authorization_details[0]: locations[0]: must be an absolute https or http URI without "
            "a fragment");
  EXPECT_EQ(payment_with("/locations", {"/payments"}),
            "authorization_details[0]: locations[0]: must be an absolute https or http URI without "
            "a fragment");
  EXPECT_EQ(payment_with("/locations", {"https://a.example/" + std::string(200, 'p')}),
            "authorization_details[0]: locations[0]: is longer than 200 characters");
  EXPECT_EQ(payment_with("/locations", json::array({"https://a.example", "https://b.example",
                                                    "https://c.example", "https://d.example",
                                                    "https://e.example", "https://f.example"})),
            "authorization_details[0]: locations: has more than 5 items");
  EXPECT_EQ(payment_with("/locations", "https://a.example"),
            "authorization_details[0]: locations: must be an array");
}

TEST(AuthorizationDetailsTypes, OnePaymentPerRequestAndNoRepeatedDetail) {
  json other = payment();
  other["instructedAmount"]["amount"] = "5.00";
  EXPECT_EQ(refusal(json::array({payment(), other})),
            "authorization_details[1]: only one payment_initiation is allowed");
  EXPECT_EQ(refusal(json::array({account_information(), account_information()})),
            "authorization_details[1]: repeats authorization_details[0]");
}

TEST(AuthorizationDetailsTypes, DescribesAPaymentInWords) {
  const auto d = types().describe(payment());
  EXPECT_EQ(d.type, "payment_initiation");
  EXPECT_EQ(d.title, "Make one payment");
  ASSERT_EQ(d.lines.size(), 4u);
  EXPECT_EQ(d.lines[0].label, "Amount");
  EXPECT_EQ(d.lines[0].value, "123.50 EUR");
  EXPECT_EQ(d.lines[1].label, "Payee");
  EXPECT_EQ(d.lines[1].value, "Merchant A");
  EXPECT_EQ(d.lines[2].label, "Payee's IBAN");
  EXPECT_EQ(d.lines[2].value, "DE02 1001 0010 9307 1186 03");
  EXPECT_EQ(d.lines[3].label, "Reference");
  EXPECT_EQ(d.lines[3].value, "Invoice 42");
  EXPECT_TRUE(d.account_choices.empty());

  json no_reference = payment();
  no_reference.erase("remittanceInformationUnstructured");
  const auto short_one = types().describe(no_reference);
  ASSERT_EQ(short_one.lines.size(), 3u);
  EXPECT_EQ(short_one.lines[2].label, "Payee's IBAN");
  no_reference["remittanceInformationUnstructured"] = "";  // an empty text says nothing
  EXPECT_EQ(types().describe(no_reference).lines.size(), 3u);
}

TEST(AuthorizationDetailsTypes, DescribesAccountInformationInWords) {
  const auto d = types().describe(account_information());
  EXPECT_EQ(d.type, "account_information");
  EXPECT_EQ(d.title, "See your account information");
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& l : d.lines) lines.emplace_back(l.label, l.value);
  EXPECT_EQ(lines,
            (std::vector<std::pair<std::string, std::string>>{
                {"Account details", "DE02 1001 0010 9307 1186 03, DE89 3704 0044 0532 0130 00"},
                {"Balances", "the accounts you choose"},
                {"Transactions from", "2026-01-01 to 2026-03-31"},
                {"Repeated access", "no"},
                {"Valid until", "2026-06-30"}}));
  EXPECT_EQ(d.account_choices, (std::vector<std::string>{"access.balances"}));

  json half = {{"type", "account_information"},
               {"access", {{"transactions", json::array()}}},
               {"transactionsToDate", "2026-03-31"}};
  const auto h = types().describe(half);
  ASSERT_EQ(h.lines.size(), 2u);
  EXPECT_EQ(h.lines[0].label, "Transactions");
  EXPECT_EQ(h.lines[0].value, "the accounts you choose");
  EXPECT_EQ(h.lines[1].label, "Transactions from");
  EXPECT_EQ(h.lines[1].value, "… to 2026-03-31");
  EXPECT_EQ(h.account_choices, (std::vector<std::string>{"access.transactions"}));

  const auto unknown = types().describe({{"type", "crypto_transfer"}});
  EXPECT_EQ(unknown.title, "crypto_transfer");
  EXPECT_TRUE(unknown.lines.empty());
}

TEST(AuthorizationDetailsTypes, ChosenAccountsFillOnlyTheEmptyArrays) {
  const json filled = types().with_chosen_accounts(
      account_information(), {"FR1420041010050500013M02606", "DE89370400440532013000"});
  EXPECT_EQ(
      filled["access"]["balances"],
      json::parse(R"([{"iban":"FR1420041010050500013M02606"},{"iban":"DE89370400440532013000"}])"));
  EXPECT_EQ(filled["access"]["accounts"], account_information()["access"]["accounts"]);  // kept
  EXPECT_FALSE(filled["access"].contains("transactions"));  // not asked for, not added
  EXPECT_TRUE(types().check(json::array({filled}), nullptr));
  EXPECT_TRUE(types().describe(filled).account_choices.empty());
  EXPECT_EQ(types().with_chosen_accounts(payment(), {"DE89370400440532013000"}), payment());
}

TEST(AuthorizationDetailsTypes, TokenRequestMayOnlyNarrowTheGrant) {
  const json granted = json::array({payment(), account_information()});
  auto subset = narrow_authorization_details(json::array({account_information()}), granted);
  ASSERT_TRUE(subset);
  EXPECT_EQ(*subset, json::array({account_information()}));
  EXPECT_TRUE(narrow_authorization_details(granted, granted));

  json extra = account_information();
  extra["validUntil"] = "2027-01-01";
  auto more = narrow_authorization_details(json::array({account_information(), extra}), granted);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, "invalid_authorization_details");
  EXPECT_EQ(more.error().description, "authorization_details[1] was not granted");

  json bigger = payment();
  bigger["instructedAmount"]["amount"] = "1234.50";
  auto changed = narrow_authorization_details(json::array({bigger}), granted);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().description, "authorization_details[0] was not granted");
  EXPECT_FALSE(narrow_authorization_details(json::array(), granted));
  EXPECT_FALSE(narrow_authorization_details(json::array({payment()}), json::array()));
}

TEST(AuthorizationDetailsTypes, TokenForAnAudienceCarriesOnlyItsDetails) {
  json pay = payment();
  pay["locations"] = {"https://payments.bank.example"};
  json info = account_information();
  info["locations"] = {"https://accounts.bank.example", "https://archive.bank.example"};
  json anywhere = account_information();
  anywhere["validUntil"] = "2026-12-31";
  const json all = json::array({pay, info, anywhere});
  EXPECT_EQ(authorization_details_for_audience(all, "https://payments.bank.example"),
            json::array({pay, anywhere}));
  EXPECT_EQ(authorization_details_for_audience(all, "https://archive.bank.example"),
            json::array({info, anywhere}));
  EXPECT_EQ(authorization_details_for_audience(all, "https://payments.bank.example/"),
            json::array({anywhere}));
  EXPECT_EQ(authorization_details_for_audience(json::object(), "x"), json::array());
}

constexpr char kFileAccess[] = R"({
  "$id": "https://bank.example/schemas/file_access.schema.json",
  "title": "file_access",
  "type": "object",
  "additionalProperties": false,
  "required": ["type", "actions"],
  "properties": {
    "type": {"const": "file_access"},
    "actions": {"type": "array", "minItems": 1, "items": {"enum": ["read", "write"]}},
    "path": {"anyOf": [{"type": "string", "maxLength": 50, "pattern": "^/"}, {"type": "integer"}]},
    "identifier": {"type": "string", "maxLength": 40}
  },
  "x-consent": {
    "title": "Use your files",
    "lines": [{"label": "Actions", "value": "{actions}"}, {"label": "Folder", "value": "{path}"}]
  }
})";

TEST(AuthorizationDetailsTypes, ABankAddsItsOwnType) {
  AuthorizationDetailsTypes custom;
  ASSERT_TRUE(custom.add(kFileAccess));
  EXPECT_EQ(custom.names(), std::vector<std::string>{"file_access"});
  const std::string ok =
      R"([{"type":"file_access","actions":["read","write"],"path":"/statements"}])";
  ASSERT_TRUE(custom.parse(ok, nullptr));
  auto bad = custom.parse(R"([{"type":"file_access","actions":["delete"]}])", nullptr);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().description,
            "authorization_details[0]: actions[0]: has a value that is not allowed");
  EXPECT_FALSE(
      custom.parse(R"([{"type":"file_access","actions":["read"],"path":"statements"}])", nullptr));
  EXPECT_TRUE(custom.parse(R"([{"type":"file_access","actions":["read"],"path":12}])", nullptr));
  const auto d = custom.describe(json::parse(ok)[0]);
  EXPECT_EQ(d.title, "Use your files");
  ASSERT_EQ(d.lines.size(), 2u);
  EXPECT_EQ(d.lines[0].value, "read, write");
  EXPECT_EQ(d.lines[1].value, "/statements");
  // The built-in types are not in a registry of one's own.
  EXPECT_FALSE(custom.knows("payment_initiation"));
  auto again = custom.add(kFileAccess);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already registered"), std::string::npos);
}

// kFileAccess with `from` replaced by `to`.
std::string file_access_with(const std::string& from, const std::string& to) {
  std::string s = kFileAccess;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(AuthorizationDetailsTypes, SchemaWithAnUnsupportedKeywordIsRefusedByName) {
  AuthorizationDetailsTypes custom;
  auto r = custom.add(
      file_access_with(R"("maxLength": 40)", R"("maxLength": 40, "contentEncoding": "base64")"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unsupported_keyword");
  EXPECT_NE(r.error().message.find("\"contentEncoding\""), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("/properties/identifier"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(custom.knows("file_access"));

  for (const auto& [from, to, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {R"("minItems": 1,)", R"("minItems": 1, "uniqueItems": true,)", "uniqueItems"},
           {R"("maxLength": 50, )", "", "a pattern needs maxLength"},
           {R"("maxLength": 40)", R"("maxLength": 40, "format": "email")", "only format"},
           {R"("additionalProperties": false,)", R"("additionalProperties": {"type": "string"},)",
            "additionalProperties"},
           {R"({"label": "Folder", "value": "{path}"})",
            R"({"label": "Folder", "value": "{folder}"})", "{folder}"},
           {R"("value": "{path}")", R"("value": "{path|upper}")", "unknown filter"},
           {R"("title": "Use your files",)", "", "title"},
           {R"("type": {"const": "file_access"})", R"("type": {"const": "file access"})", "NAME"},
           {R"(["type", "actions"])", R"(["actions"])", "must be required"},
           {R"("pattern": "^/")", R"("pattern": "^(/")", "regular expression"},
       }) {
    auto bad = AuthorizationDetailsTypes().add(file_access_with(from, to));
    ASSERT_FALSE(bad) << why;
    EXPECT_NE(bad.error().message.find(why), std::string::npos) << bad.error().message;
  }
  EXPECT_FALSE(AuthorizationDetailsTypes().add("{\"a\":1,\"a\":2}"));
  EXPECT_FALSE(AuthorizationDetailsTypes().add("[]"));
}

TEST(JsonSchema, ViolationCarriesTheJsonPath) {
  auto s = JsonSchema::compile(json::parse(R"({
    "type": "object",
    "properties": {"a": {"type": "array", "items": {"type": "object",
                   "properties": {"b": {"type": "integer"}}}}}})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->validate(json::parse(R"({"a":[{"b":1},{"b":2}]})")));
  auto bad = s->validate(json::parse(R"({"a":[{"b":1},{"b":2.5}]})"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->path, "a[1].b");
  EXPECT_EQ(bad->text(), "a[1].b: must be an integer");
  EXPECT_FALSE(s->validate(json::parse(R"({"a":[{"b":3.0}]})")));  // an integral number
  EXPECT_EQ(s->validate(json::parse("[]"))->text(), "must be an object");
}

TEST(JsonSchema, SelfReferenceIsBoundedAtCompilation) {
  auto s = JsonSchema::compile(
      json::parse(R"({"$ref": "#/$defs/n", "$defs": {"n": {"$ref": "#/$defs/n"}}})"));
  EXPECT_FALSE(s);
  auto deep = JsonSchema::compile(
      json::parse(R"({"$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}},
                                                  "type": "array", "items": {"$ref": "#/$defs/n"}})"));
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("nested too deeply"), std::string::npos)
      << deep.error().message;
}

TEST(FullDate, IsACalendarDay) {
  EXPECT_TRUE(is_full_date("2026-12-31"));
  EXPECT_TRUE(is_full_date("2000-02-29"));
  EXPECT_FALSE(is_full_date("1900-02-29"));
  EXPECT_FALSE(is_full_date("2026-02-30"));
  EXPECT_FALSE(is_full_date("2026-00-10"));
  EXPECT_FALSE(is_full_date("2026-01-00"));
  EXPECT_FALSE(is_full_date("2026/01/01"));
  EXPECT_FALSE(is_full_date("２026-01-01"));
}

TEST(OAuthErrorPreset, InvalidAuthorizationDetails) {
  const auto e = OAuthError::invalid_authorization_details("public", "private");
  EXPECT_EQ(e.code, "invalid_authorization_details");
  EXPECT_EQ(e.description, "public");
  EXPECT_EQ(e.detail, "private");
  EXPECT_EQ(e.status, 400);
  EXPECT_FALSE(e.redirectable);
}

}  // namespace
}  // namespace signet::protocol
