// bank-api's reading of authorization_details (RFC 9396): which accounts,
// balances and bookings an account_information consent opens, and whether a
// payment is exactly the one a payment_initiation consent describes.
#include <gtest/gtest.h>

#include "bank-api/authorization_details.h"
#include "bank-api/validation.h"

namespace signet::bank {
namespace {

using nlohmann::json;

constexpr char kToday[] = "2026-12-07";
// Valid IBANs (mod 97), the second also written with spaces.
constexpr char kIbanA[] = "DE89370400440532013000";
constexpr char kIbanB[] = "DE02100100109307118603";
constexpr char kIbanBSpaced[] = "DE02 1001 0010 9307 1186 03";
constexpr char kIbanC[] = "GB82WEST12345698765432";

json ais(json access) { return {{"type", "account_information"}, {"access", std::move(access)}}; }
json ibans(std::initializer_list<const char*> list) {
  json out = json::array();
  for (const char* i : list) out.push_back({{"iban", i}});
  return out;
}

TEST(BankDetails, DecimalAmountsCompareAsNumbers) {
  EXPECT_EQ(canonical_amount("123.5"), "123.50");
  EXPECT_EQ(canonical_amount("123"), "123.00");
  EXPECT_EQ(canonical_amount("0.07"), "0.07");
  EXPECT_TRUE(amounts_equal("123.5", "123.50"));
  EXPECT_TRUE(amounts_equal("100", "100.00"));
  EXPECT_FALSE(amounts_equal("123.5", "123.05"));
  EXPECT_FALSE(amounts_equal("1235", "123.5"));
  EXPECT_FALSE(amounts_equal("12.3", "123"));
  for (const char* bad : {"0", "-1", "1.234", "1e2", "", "0123.5", "12,50"}) {
    EXPECT_FALSE(canonical_amount(bad)) << bad;
    EXPECT_FALSE(amounts_equal(bad, bad)) << bad;
  }
}

TEST(BankDetails, AccountsAndBalancesOfUnexpiredConsents) {
  json details =
      json::array({ais({{"accounts", ibans({kIbanA})}, {"balances", ibans({kIbanBSpaced})}}),
                   {{"type", "payment_initiation"}},
                   // Expired yesterday: grants nothing.
                   {{"type", "account_information"},
                    {"access", {{"balances", ibans({kIbanC})}}},
                    {"validUntil", "2026-12-06"}}});
  AccountAccess a = account_access(details, kToday);
  EXPECT_EQ(a.accounts, (std::set<std::string>{kIbanA, kIbanB}));
  EXPECT_EQ(a.balances, (std::set<std::string>{kIbanB}));

  // Valid through validUntil itself.
  details[2]["validUntil"] = kToday;
  EXPECT_EQ(account_access(details, kToday).balances, (std::set<std::string>{kIbanB, kIbanC}));

  json list = json::array({{{"iban", kIbanA}, {"name", "Everyday"}, {"balance", "10.00"}},
                           {{"iban", kIbanB}, {"name", "Savings"}, {"balance", "99.00"}},
                           {{"iban", kIbanC}, {"name", "Other"}, {"balance", "1.00"}}});
  json shown = filter_accounts(list, a);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[0]["iban"], kIbanA);
  EXPECT_FALSE(shown[0].contains("balance"));  // listed, balance not consented
  EXPECT_EQ(shown[0]["name"], "Everyday");
  EXPECT_EQ(shown[1]["iban"], kIbanB);
  EXPECT_EQ(shown[1]["balance"], "99.00");
}

TEST(BankDetails, MalformedConsentsGrantNothing) {
  for (const json& d : {ais({{"accounts", json::array({{{"iban", "DE00123"}}})}}),
                        ais({{"accounts", json::array({"DE89370400440532013000"})}}),
                        ais({{"accounts", json::object()}}),
                        json{{"type", "account_information"}, {"access", "all"}},
                        json{{"type", "account_information"}},
                        json{{"type", "account_information"},
                             {"access", {{"accounts", ibans({kIbanA})}}},
                             {"validUntil", "tomorrow"}},
                        json{{"type", "other"}, {"access", {{"accounts", ibans({kIbanA})}}}}}) {
    EXPECT_TRUE(account_access(json::array({d}), kToday).empty()) << d.dump();
    EXPECT_FALSE(transaction_access(json::array({d}), kToday, "0001-01-01", "9999-12-31").covered)
        << d.dump();
  }
  EXPECT_TRUE(account_access(json::array(), kToday).empty());
  EXPECT_TRUE(filter_accounts(json::array({{{"iban", kIbanA}}}), {}).empty());
}

TEST(BankDetails, TransactionPeriodsIntersectTheQuery) {
  json details = json::array(
      {{{"type", "account_information"},
        {"access",
         {{"transactions", ibans({kIbanA, kIbanBSpaced})}, {"accounts", ibans({kIbanC})}}},
        {"transactionsFromDate", "2026-10-01"},
        {"transactionsToDate", "2026-11-30"}}});
  auto t = transaction_access(details, kToday, "0001-01-01", "9999-12-31");
  EXPECT_TRUE(t.covered);
  EXPECT_EQ(t.grants, (std::vector<TransactionGrant>{{kIbanA, "2026-10-01", "2026-11-30"},
                                                     {kIbanB, "2026-10-01", "2026-11-30"}}));
  // The query narrows it on both sides.
  t = transaction_access(details, kToday, "2026-11-15", "2026-12-31");
  EXPECT_EQ(t.grants[0], (TransactionGrant{kIbanA, "2026-11-15", "2026-11-30"}));
  t = transaction_access(details, kToday, "2026-09-01", "2026-10-10");
  EXPECT_EQ(t.grants[0], (TransactionGrant{kIbanA, "2026-10-01", "2026-10-10"}));
  // Disjoint: consented, but nothing to show.
  t = transaction_access(details, kToday, "2026-12-01", "2026-12-07");
  EXPECT_TRUE(t.covered);
  EXPECT_TRUE(t.grants.empty());
  // Without dates: the whole query; accounts alone do not open bookings.
  json open = json::array({ais({{"transactions", ibans({kIbanA})}})});
  t = transaction_access(open, kToday, "2026-01-01", "2026-02-01");
  EXPECT_EQ(t.grants, (std::vector<TransactionGrant>{{kIbanA, "2026-01-01", "2026-02-01"}}));
  EXPECT_FALSE(
      transaction_access(json::array({ais({{"accounts", ibans({kIbanA})}})}), kToday, "a", "b")
          .covered);
  // An expired consent opens nothing.
  open[0]["validUntil"] = "2026-12-06";
  EXPECT_FALSE(transaction_access(open, kToday, "0001-01-01", "9999-12-31").covered);
}

class BankPaymentMatch : public ::testing::Test {
 protected:
  json detail = {{"type", "payment_initiation"},
                 {"instructedAmount", {{"currency", "EUR"}, {"amount", "123.50"}}},
                 {"creditorName", "Landlord Ltd"},
                 {"creditorAccount", {{"iban", kIbanBSpaced}}},
                 {"remittanceInformationUnstructured", "Rent December"},
                 {"locations", {"http://127.0.0.1:8081"}}};
  PaymentRequest payment{"3f1c9d6e-8a52-4c1b-9e0a-2b7d5f4a6c31",
                         kIbanB,
                         "123.5",
                         "EUR",
                         "Rent December",
                         "Landlord Ltd"};

  std::string refusal(const PaymentRequest& p) const {
    auto m = match_payment(json::array({detail}), p);
    return m.detail ? "" : m.refusal;
  }
};

TEST_F(BankPaymentMatch, ExactlyTheConsentedPaymentMatches) {
  auto m = match_payment(json::array({{{"type", "account_information"}}, detail}), payment);
  ASSERT_TRUE(m.detail.has_value()) << m.refusal;
  EXPECT_EQ(*m.detail, detail);
}

TEST_F(BankPaymentMatch, EachDifferingFieldIsNamed) {
  PaymentRequest p = payment;
  p.currency = "USD";
  EXPECT_EQ(refusal(p), "currency differs from the consented payment");
  p = payment;
  p.amount = "123.51";
  EXPECT_EQ(refusal(p), "amount differs from the consented payment");
  p.amount = "1235";
  EXPECT_EQ(refusal(p), "amount differs from the consented payment");
  p = payment;
  p.to_iban = kIbanA;
  EXPECT_EQ(refusal(p), "to_iban differs from the consented creditor account");
  p = payment;
  p.creditor_name = "Landlord Ltd.";
  EXPECT_EQ(refusal(p), "creditor_name differs from the consented creditor name");
  p.creditor_name = "";
  EXPECT_EQ(refusal(p), "creditor_name differs from the consented creditor name");
  p = payment;
  p.reference = "Rent January";
  EXPECT_EQ(refusal(p), "reference differs from the consented remittance");
  p.reference = "";
  EXPECT_EQ(refusal(p), "reference differs from the consented remittance");
}

TEST_F(BankPaymentMatch, OptionalFieldsBindOnlyWhenConsented) {
  detail.erase("creditorName");
  detail.erase("remittanceInformationUnstructured");
  PaymentRequest p = payment;
  p.creditor_name = "Anyone";
  p.reference = "anything";
  EXPECT_EQ(refusal(p), "");
}

TEST_F(BankPaymentMatch, MalformedConsentMatchesNothing) {
  detail["instructedAmount"]["amount"] = 123.5;  // a number, not a string
  EXPECT_EQ(refusal(payment), "the consented instructedAmount is malformed");
  detail["instructedAmount"]["amount"] = "-123.50";
  EXPECT_EQ(refusal(payment), "the consented instructedAmount is malformed");
  detail["instructedAmount"]["amount"] = "123.50";
  detail["creditorAccount"]["iban"] = "DE02100100109307118604";  // bad check digits
  EXPECT_EQ(refusal(payment), "the consented creditorAccount is malformed");
  EXPECT_EQ(match_payment(json::array({ais({})}), payment).refusal,
            "the token has no payment_initiation consent");
}

TEST_F(BankPaymentMatch, AnyOfSeveralConsentsMayMatch) {
  json other = detail;
  other["instructedAmount"]["amount"] = "10.00";
  auto m = match_payment(json::array({other, detail}), payment);
  ASSERT_TRUE(m.detail.has_value());
  EXPECT_EQ(*m.detail, detail);
  // None matches: the first one's difference is named.
  PaymentRequest p = payment;
  p.amount = "11.00";
  EXPECT_EQ(match_payment(json::array({other, detail}), p).refusal,
            "amount differs from the consented payment");
}

TEST(BankDetails, DigestIsOfTheCanonicalJson) {
  json a = json::parse(R"({"type":"payment_initiation","b":1,"a":[2,3]})");
  json b = json::parse(R"({ "a" : [2, 3], "b" : 1, "type" : "payment_initiation" })");
  EXPECT_EQ(detail_digest(a), detail_digest(b));
  b["b"] = 2;
  EXPECT_NE(detail_digest(a), detail_digest(b));
}

TEST(BankValidation, IdempotencyKeyIsAStringOfAtMost255) {
  EXPECT_EQ(parse_idempotency_key("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""),
            "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(parse_idempotency_key("abc-123"), "abc-123");
  EXPECT_EQ(parse_idempotency_key(R"("a \"b\" \\ c")"), R"(a "b" \ c)");
  EXPECT_EQ(parse_idempotency_key(std::string(255, 'k')), std::string(255, 'k'));
  EXPECT_EQ(parse_idempotency_key("\"" + std::string(255, 'k') + "\""), std::string(255, 'k'));
  for (const std::string& bad :
       {std::string(""), std::string("\"\""), std::string(256, 'k'),
        "\"" + std::string(256, 'k') + "\"", std::string("\"open"), std::string("\"a\"b"),
        std::string("two words"), std::string("\"a\\x\""), std::string("caf\xc3\xa9")}) {
    EXPECT_FALSE(parse_idempotency_key(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace signet::bank
