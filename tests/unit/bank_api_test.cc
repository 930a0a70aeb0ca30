#include <gtest/gtest.h>

#include <map>

#include "bank-api/config.h"
#include "bank-api/validation.h"

namespace signet::bank {
namespace {

TEST(BankValidation, DatesMustBeRealCalendarDays) {
  EXPECT_TRUE(is_iso_date("2024-02-29"));
  EXPECT_FALSE(is_iso_date("2023-02-29"));
  EXPECT_FALSE(is_iso_date("2024-02-30"));
  EXPECT_FALSE(is_iso_date("2024-1-01"));
  EXPECT_FALSE(is_iso_date("2024-01-01' OR '1'='1"));
  EXPECT_FALSE(is_iso_date(""));
}

TEST(BankValidation, AmountsArePositiveWithAtMostTwoDecimals) {
  EXPECT_TRUE(is_positive_amount("10.00"));
  EXPECT_TRUE(is_positive_amount("0.50"));
  EXPECT_TRUE(is_positive_amount("7"));
  for (const char* bad :
       {"0", "0.00", "1.234", "-1", "1e3", "01.00", "", "1.", ".5", "1234567890123"}) {
    EXPECT_FALSE(is_positive_amount(bad)) << bad;
  }
}

TEST(BankValidation, IbanChecksumIsVerified) {
  auto ok = normalize_iban("DE89 3704 0044 0532 0130 00");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "DE89370400440532013000");
  EXPECT_FALSE(normalize_iban("DE88370400440532013000").has_value());  // wrong check digits
  EXPECT_FALSE(normalize_iban("de89370400440532013000").has_value());
  EXPECT_EQ(iban_check_digits("DE", "370400440532013000"), "89");
}

TEST(BankValidation, ReferencesRejectControlCharacters) {
  EXPECT_TRUE(is_printable_text("Rent März", 140));
  EXPECT_FALSE(is_printable_text("a\r\nSet-Cookie: x", 140));
  EXPECT_FALSE(is_printable_text(std::string(141, 'a'), 140));
}

Result<Config> load(std::map<std::string, std::string> env) {
  return load_config([env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(BankConfig, PlainHttpIssuerOnlyOnLoopbackAndErrorsNameTheSetting) {
  auto ok =
      load({{"BANK_API_DATABASE_URL", "host=/tmp"}, {"BANK_API_ISSUER", "http://127.0.0.1:8080"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->audience, "http://127.0.0.1:8081");  // the default, as Signet's SIGNET_AUDIENCE
  auto bad =
      load({{"BANK_API_DATABASE_URL", "host=/tmp"}, {"BANK_API_ISSUER", "http://bank.example"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "BANK_API_ISSUER");
  auto port = load({{"BANK_API_DATABASE_URL", "host=/tmp"},
                    {"BANK_API_ISSUER", "https://bank.example"},
                    {"BANK_API_LISTEN", "127.0.0.1:99999"}});
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().code, "BANK_API_LISTEN");
}

TEST(BankConfig, JwksRefreshIntervalDefaultsToAMinuteAndIsValidated) {
  const std::map<std::string, std::string> base = {{"BANK_API_DATABASE_URL", "host=/tmp"},
                                                   {"BANK_API_ISSUER", "https://bank.example"}};
  auto dflt = load(base);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->jwks_refresh_seconds, 60);
  auto env = base;
  env["BANK_API_JWKS_REFRESH_SECONDS"] = "2";
  auto two = load(env);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->jwks_refresh_seconds, 2);
  for (const char* bad : {"0", "-1", "3601", "1.5", "60s", " 60"}) {
    env["BANK_API_JWKS_REFRESH_SECONDS"] = bad;
    auto r = load(env);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "BANK_API_JWKS_REFRESH_SECONDS") << bad;
  }
}

// The revocation feed: on with credentials (both or neither), off without;
// each bad setting names itself.
TEST(BankConfig, RevocationFeedFollowsCredentialsAndIsValidated) {
  const std::map<std::string, std::string> base = {{"BANK_API_DATABASE_URL", "host=/tmp"},
                                                   {"BANK_API_ISSUER", "https://bank.example"}};
  auto off = load(base);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->revocation_feed);
  auto env = base;
  env["BANK_API_CLIENT_ID"] = "bank";
  env["BANK_API_CLIENT_SECRET"] = "s3cret";
  auto on = load(env);
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->revocation_feed);
  EXPECT_EQ(on->revocation_feed_url, "https://bank.example/revocations");
  EXPECT_EQ(on->revocation_poll_ms, 1000);
  EXPECT_EQ(on->fail_closed_after_seconds, 30);
  env["BANK_API_REVOCATION_FEED"] = "off";
  EXPECT_FALSE(load(env)->revocation_feed);

  auto expect_bad = [&](std::map<std::string, std::string> e, const char* name) {
    auto r = load(e);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, name);
  };
  auto only_id = base;
  only_id["BANK_API_CLIENT_ID"] = "bank";
  expect_bad(only_id, "BANK_API_CLIENT_SECRET");
  auto only_secret = base;
  only_secret["BANK_API_CLIENT_SECRET"] = "s3cret";
  expect_bad(only_secret, "BANK_API_CLIENT_ID");
  auto on_without = base;
  on_without["BANK_API_REVOCATION_FEED"] = "on";
  expect_bad(on_without, "BANK_API_REVOCATION_FEED");
  for (const char* bad : {"yes", "1", "ON"}) {
    auto e = env;
    e["BANK_API_REVOCATION_FEED"] = bad;
    expect_bad(e, "BANK_API_REVOCATION_FEED");
  }
  for (const char* bad : {"99", "60001", "1s"}) {
    auto e = env;
    e["BANK_API_REVOCATION_POLL_MS"] = bad;
    expect_bad(e, "BANK_API_REVOCATION_POLL_MS");
  }
  for (const char* bad : {"0", "3601", "x"}) {
    auto e = env;
    e["BANK_API_FAIL_CLOSED_AFTER_SECONDS"] = bad;
    expect_bad(e, "BANK_API_FAIL_CLOSED_AFTER_SECONDS");
  }
  auto url = env;
  url["BANK_API_REVOCATION_FEED_URL"] = "http://feed.example/revocations";
  expect_bad(url, "BANK_API_REVOCATION_FEED_URL");
}

// The URL DPoP proofs must name (RFC 9449 §4.3 htu): by default the listen address.
TEST(BankConfig, PublicUrlDefaultsToTheListenAddressAndIsValidated) {
  const std::map<std::string, std::string> base = {{"BANK_API_DATABASE_URL", "host=/tmp"},
                                                   {"BANK_API_ISSUER", "https://bank.example"},
                                                   {"BANK_API_LISTEN", "127.0.0.1:9090"}};
  auto dflt = load(base);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->public_url, "http://127.0.0.1:9090");
  auto env = base;
  env["BANK_API_PUBLIC_URL"] = "https://api.bank.example/v1/";
  auto set = load(env);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->public_url, "https://api.bank.example/v1");  // no trailing slash
  for (const char* bad : {"http://api.bank.example", "https://api.bank.example/?x=1",
                          "https://u@api.bank.example", "ftp://api.bank.example"}) {
    env["BANK_API_PUBLIC_URL"] = bad;
    auto r = load(env);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "BANK_API_PUBLIC_URL") << bad;
  }
}

}  // namespace
}  // namespace signet::bank
