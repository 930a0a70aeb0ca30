// bank-api in-process on a loopback port against a real PostgreSQL, with
// tokens signed by a test key its verifier trusts: what authorization_details
// (RFC 9396) let a token read and pay, the single use of a payment consent,
// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) and the account
// directory of Signet's consent page.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "bank-api/db.h"
#include "bank-api/server.h"
#include "common/crypto.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/revocation_feed.h"
#include "test_database.h"

namespace signet::bank {
namespace {

using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "http://127.0.0.1:8081";
constexpr char kJwksUri[] = "https://issuer.example/jwks";
constexpr char kCreditor[] = "DE02100100109307118603";

struct Response {
  long status = 0;
  std::string body;
  json json_body() const { return json::parse(body, nullptr, false); }
};

size_t append(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

Response call(const std::string& method, const std::string& url, const std::string& token,
              const std::string& body = {}, const std::vector<std::string>& headers = {}) {
  Response r;
  CURL* c = curl_easy_init();
  curl_slist* h = nullptr;
  h = curl_slist_append(h, ("Authorization: Bearer " + token).c_str());
  if (!body.empty()) h = curl_slist_append(h, "Content-Type: application/json");
  for (const auto& x : headers) h = curl_slist_append(h, x.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

// A date `days` from today (UTC), YYYY-MM-DD.
std::string day(int days) {
  std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[11];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

long count(pqxx::transaction_base& tx, const std::string& sql) {
  return tx.exec1(sql)[0].as<long>();
}

class BankApiConsentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    conninfo_ = new std::string(store::testing::create_extra_database());
    pqxx::connection conn(*conninfo_);
    ensure_schema(conn);
  }

  void SetUp() override {
    key_ = std::make_unique<jose::PrivateKey>(jose::PrivateKey::generate(jose::Alg::ES256).value());
    json jwks = {{"keys", json::array({key_->public_jwk()})}};
    config_.issuer = kIssuer;
    config_.audience = kAudience;
    config_.listen_port = 0;
    config_.threads = 2;
    resource::VerifierOptions vopts;
    vopts.issuer = kIssuer;
    vopts.audience = kAudience;
    vopts.jwks_uri = kJwksUri;
    verifier_ = std::make_unique<resource::TokenVerifier>(
        vopts, [jwks](const std::string& url) -> Result<std::string> {
          if (url == kJwksUri) return jwks.dump();
          return fail("http_failed", "404");
        });
    workers_ = std::make_unique<WorkerPool>(4, 256);
    pool_ = std::make_unique<ConnectionPool>(*conninfo_, 4, statements(), pool_options());
    server_ = std::make_unique<Server>(config_, *verifier_, *pool_, *workers_);
    server_->start();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    subject_ = "customer-" + random_token(6);
  }

  void TearDown() override {
    workers_->shutdown();
    server_->shutdown();
  }

  std::string token(json extra, const std::string& scope = "",
                    const std::string& client_id = "finance-app") const {
    int64_t now = std::time(nullptr);
    json claims = {{"iss", kIssuer},         {"sub", subject_},       {"aud", kAudience},
                   {"client_id", client_id}, {"scope", scope},        {"iat", now},
                   {"exp", now + 300},       {"jti", random_token(8)}};
    for (auto& [k, v] : extra.items()) claims[k] = v;
    return jose::sign_compact(*key_, {{"typ", "at+jwt"}}, claims);
  }

  // The customer's accounts as a read:accounts token sees them: Everyday first.
  json accounts() const {
    Response r = call("GET", base_ + "/accounts", token({}, "read:accounts"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json_body()["accounts"];
  }

  json payment_detail(const std::string& amount = "123.50") const {
    return {{"type", "payment_initiation"},
            {"instructedAmount", {{"currency", "EUR"}, {"amount", amount}}},
            {"creditorName", "Landlord Ltd"},
            {"creditorAccount", {{"iban", kCreditor}}},
            {"remittanceInformationUnstructured", "Rent December"},
            {"locations", {kAudience}}};
  }

  std::string payment_token(const json& details, const std::string& grant = "grant-1") const {
    return token({{"authorization_details", details}, {"grant_id", grant}});
  }

  json payment_body(const std::string& from, const std::string& amount = "123.5") const {
    return {{"from_account", from},
            {"to_iban", "DE02 1001 0010 9307 1186 03"},
            {"amount", amount},
            {"currency", "EUR"},
            {"reference", "Rent December"},
            {"creditor_name", "Landlord Ltd"}};
  }

  Response pay(const std::string& tok, const json& body,
               const std::vector<std::string>& headers = {}) const {
    return call("POST", base_ + "/payments", tok, body.dump(), headers);
  }

  long payments_count() const {
    pqxx::connection conn(*conninfo_);
    pqxx::nontransaction tx(conn);
    return count(tx,
                 "SELECT count(*) FROM bank.payments p JOIN bank.accounts a ON a.id = p.account_id "
                 "WHERE a.owner_subject = " +
                     tx.quote(subject_));
  }

  static std::string* conninfo_;
  Config config_;
  std::unique_ptr<jose::PrivateKey> key_;
  std::unique_ptr<resource::TokenVerifier> verifier_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<Server> server_;
  std::string base_;
  std::string subject_;
};

std::string* BankApiConsentTest::conninfo_ = nullptr;

TEST_F(BankApiConsentTest, DemoCustomerHasEverydayAndSavingsAccounts) {
  json list = accounts();
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(list[0]["name"], "Everyday account");
  EXPECT_EQ(list[1]["name"], "Savings account");
  EXPECT_NE(list[0]["iban"], list[1]["iban"]);
  EXPECT_EQ(list[1]["balance"], "5604.17");
  // Seen again: still two (ensure_customer is a no-op now).
  EXPECT_EQ(accounts().size(), 2u);
}

TEST_F(BankApiConsentTest, ConcurrentFirstRequestsCreateOneSetOfAccounts) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (call("GET", base_ + "/accounts", token({}, "read:accounts")).status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(accounts().size(), 2u);
}

TEST_F(BankApiConsentTest, AccountInformationShowsOnlyTheChosenAccounts) {
  json all = accounts();
  std::string everyday = all[0]["iban"], savings = all[1]["iban"];
  // Everyday listed, Savings with its balance.
  json details = json::array({{{"type", "account_information"},
                               {"access",
                                {{"accounts", json::array({{{"iban", everyday}}})},
                                 {"balances", json::array({{{"iban", savings}}})}}}}});
  Response r = call("GET", base_ + "/accounts", token({{"authorization_details", details}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.json_body()["accounts"];
  ASSERT_EQ(list.size(), 2u) << r.body;
  EXPECT_EQ(list[0]["iban"], everyday);
  EXPECT_FALSE(list[0].contains("balance")) << r.body;
  EXPECT_EQ(list[1]["iban"], savings);
  EXPECT_EQ(list[1]["balance"], all[1]["balance"]);

  // Only Savings chosen: Everyday stays hidden.
  details[0]["access"].erase("accounts");
  r = call("GET", base_ + "/accounts", token({{"authorization_details", details}}));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json_body()["accounts"].size(), 1u) << r.body;
  EXPECT_EQ(r.json_body()["accounts"][0]["iban"], savings);

  // Expired yesterday, or nothing chosen: 403 as without the scope.
  details[0]["validUntil"] = day(-1);
  r = call("GET", base_ + "/accounts", token({{"authorization_details", details}}));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json_body()["error"], "insufficient_scope");
  r = call("GET", base_ + "/accounts", token({{"authorization_details", json::array()}}));
  EXPECT_EQ(r.status, 403) << r.body;
  // A consent for transactions only does not list accounts.
  json tx_only =
      json::array({{{"type", "account_information"},
                    {"access", {{"transactions", json::array({{{"iban", savings}}})}}}}});
  EXPECT_EQ(call("GET", base_ + "/accounts", token({{"authorization_details", tx_only}})).status,
            403);
}

TEST_F(BankApiConsentTest, AccountInformationShowsOnlyConsentedBookings) {
  json all = accounts();
  std::string everyday_id = all[0]["id"], savings_id = all[1]["id"];
  std::string savings = all[1]["iban"];
  // The savings bookings are 57, 27 and 1 days old; the consent covers 30..0.
  json details = json::array({{{"type", "account_information"},
                               {"access", {{"transactions", json::array({{{"iban", savings}}})}}},
                               {"transactionsFromDate", day(-30)},
                               {"transactionsToDate", day(0)}}});
  std::string tok = token({{"authorization_details", details}});
  Response r = call("GET", base_ + "/transactions", tok);
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.json_body()["transactions"];
  ASSERT_EQ(list.size(), 2u) << r.body;
  for (const auto& t : list) {
    EXPECT_EQ(t["account_id"], savings_id) << t.dump();
    EXPECT_GE(t["booked_at"].get<std::string>(), day(-30));
  }
  // Intersected with the query.
  r = call("GET", base_ + "/transactions?from=" + day(-2) + "&to=" + day(0), tok);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json_body()["transactions"].size(), 1u) << r.body;
  EXPECT_EQ(r.json_body()["transactions"][0]["description"], "Interest");
  // Outside the consented period: an empty list, not another account's bookings.
  r = call("GET", base_ + "/transactions?from=" + day(-60) + "&to=" + day(-40), tok);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json_body()["transactions"].empty()) << r.body;
  // The scope still shows everything (both accounts).
  r = call("GET", base_ + "/transactions", token({}, "read:transactions"));
  ASSERT_EQ(r.status, 200);
  std::set<std::string> ids;
  json body = r.json_body();
  for (const auto& t : body["transactions"]) ids.insert(t["account_id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{everyday_id, savings_id}));
  // No consent for transactions: 403.
  json accounts_only =
      json::array({{{"type", "account_information"},
                    {"access", {{"accounts", json::array({{{"iban", savings}}})}}}}});
  r = call("GET", base_ + "/transactions", token({{"authorization_details", accounts_only}}));
  EXPECT_EQ(r.status, 403) << r.body;
}

TEST_F(BankApiConsentTest, PaymentConsentPaysExactlyOnce) {
  std::string from = accounts()[0]["id"];
  std::string tok = payment_token(json::array({payment_detail()}));
  Response first = pay(tok, payment_body(from));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json_body()["payment"]["amount"], "123.50");
  EXPECT_EQ(first.json_body()["payment"]["creditor_name"], "Landlord Ltd");
  // The same token again, and another token of the same grant.
  for (const std::string& t : {tok, payment_token(json::array({payment_detail()}))}) {
    Response again = pay(t, payment_body(from));
    EXPECT_EQ(again.status, 403) << again.body;
    EXPECT_EQ(again.json_body()["error"], "insufficient_scope");
    EXPECT_EQ(again.json_body()["error_description"],
              "the consent for this payment was already used");
  }
  EXPECT_EQ(payments_count(), 1);
  // Another grant for the same payment is another consent.
  EXPECT_EQ(
      pay(payment_token(json::array({payment_detail()}), "grant-2"), payment_body(from)).status,
      201);
  EXPECT_EQ(payments_count(), 2);
}

TEST_F(BankApiConsentTest, RefusedPaymentLeavesTheConsentUnused) {
  std::string from = accounts()[0]["id"];
  // More than the balance: refused, and the consent is still there afterwards.
  json big = payment_detail("999999.00");
  std::string tok = payment_token(json::array({big}));
  Response r = pay(tok, payment_body(from, "999999.00"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(payments_count(), 0);
  pqxx::connection conn(*conninfo_);
  pqxx::nontransaction q(conn);
  EXPECT_EQ(count(q,
                  "SELECT count(*) FROM bank.used_consents WHERE grant_id = 'grant-1' "
                  "AND detail_digest = " +
                      q.quote(sha256_b64url(big.dump()))),
            0);
}

TEST_F(BankApiConsentTest, ConcurrentPaymentsUnderOneConsentPayOnce) {
  std::string from = accounts()[0]["id"];
  std::string tok = payment_token(json::array({payment_detail()}), "grant-race");
  std::atomic<int> created{0}, used{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Response r = pay(tok, payment_body(from));
      if (r.status == 201) ++created;
      if (r.status == 403) ++used;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(used.load(), 7);
  EXPECT_EQ(payments_count(), 1);
}

TEST_F(BankApiConsentTest, OnlyTheConsentedPaymentIsAllowed) {
  std::string from = accounts()[0]["id"];
  std::string tok = payment_token(json::array({payment_detail()}));
  struct Case {
    const char* field;
    json value;
    const char* why;
  };
  for (const Case& c :
       {Case{"amount", "123.51", "amount differs from the consented payment"},
        Case{"currency", "USD", "currency differs from the consented payment"},
        Case{"to_iban", "DE89370400440532013000",
             "to_iban differs from the consented creditor account"},
        Case{"creditor_name", "Someone Else",
             "creditor_name differs from the consented creditor name"},
        Case{"reference", "Rent January", "reference differs from the consented remittance"}}) {
    json body = payment_body(from);
    body[c.field] = c.value;
    Response r = pay(tok, body);
    EXPECT_EQ(r.status, 403) << c.field << ": " << r.body;
    EXPECT_EQ(r.json_body()["error"], "insufficient_scope") << c.field;
    EXPECT_EQ(r.json_body()["error_description"], c.why) << c.field;
  }
  EXPECT_EQ(payments_count(), 0);
  // No payment consent and no scope: 403 naming the scope.
  Response r =
      pay(token({{"authorization_details", json::array()}}, "read:accounts"), payment_body(from));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json_body()["scope"], "write:payments");
  // A consent without grant_id cannot be recorded as used: refused.
  r = pay(token({{"authorization_details", json::array({payment_detail()})}}), payment_body(from));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(payments_count(), 0);
  // The bank's own app (write:payments) still pays anything, repeatedly.
  json other = payment_body(from, "5.00");
  other["to_iban"] = "DE89370400440532013000";
  EXPECT_EQ(pay(token({}, "write:payments"), other).status, 201);
  EXPECT_EQ(pay(token({}, "write:payments"), other).status, 201);
  EXPECT_EQ(payments_count(), 2);
}

TEST_F(BankApiConsentTest, PaymentConsentFailsClosedWithoutRevocations) {
  std::string from = accounts()[0]["id"];
  resource::RevocationFeedOptions fopts;
  fopts.url = "https://issuer.example/revocations";
  fopts.critical_scopes = {"write:payments"};
  auto feed = std::make_shared<resource::RevocationFeed>(
      fopts, [](const std::string&, const std::string&, const std::string&) -> Result<std::string> {
        return fail("http_failed", "down");
      });
  verifier_->follow_revocations(feed);  // never synced: stale
  Response r = pay(payment_token(json::array({payment_detail()})), payment_body(from));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json_body()["error"], "temporarily_unavailable");
  EXPECT_EQ(pay(token({}, "write:payments"), payment_body(from)).status, 503);
  EXPECT_EQ(payments_count(), 0);
  // Reads are not critical.
  EXPECT_EQ(call("GET", base_ + "/accounts", token({}, "read:accounts")).status, 200);
}

TEST_F(BankApiConsentTest, IdempotencyKeyReplaysTheFirstAnswer) {
  std::string from = accounts()[0]["id"];
  std::string tok = token({}, "write:payments");
  json body = payment_body(from, "12.00");
  const std::string key = "Idempotency-Key: \"8e03978e-40d5-43e8-bc93-6894a57f9324\"";
  Response first = pay(tok, body, {key});
  ASSERT_EQ(first.status, 201) << first.body;
  Response again = pay(token({}, "write:payments"), body, {key});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json_body(), first.json_body());
  EXPECT_EQ(payments_count(), 1);
  // Same key, another body: 422, nothing paid.
  Response other = pay(tok, payment_body(from, "13.00"), {key});
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(other.json_body()["error"], "idempotency_key_reused");
  EXPECT_EQ(payments_count(), 1);
  // The key belongs to the client and customer: another client's is its own.
  EXPECT_EQ(pay(token({}, "write:payments", "other-app"), body, {key}).status, 201);
  EXPECT_EQ(payments_count(), 2);
  // A refusal is an answer too, replayed as such.
  json too_much = payment_body(from, "999999.00");
  EXPECT_EQ(pay(tok, too_much, {"Idempotency-Key: refused-1"}).status, 422);
  EXPECT_EQ(pay(tok, too_much, {"Idempotency-Key: refused-1"}).json_body()["error"],
            "insufficient_funds");
  // Without the header: every request pays.
  EXPECT_EQ(pay(tok, body).status, 201);
  EXPECT_EQ(pay(tok, body).status, 201);
  EXPECT_EQ(payments_count(), 4);
}

TEST_F(BankApiConsentTest, IdempotencyKeyExpiresAfter24Hours) {
  std::string from = accounts()[0]["id"];
  std::string tok = token({}, "write:payments");
  ASSERT_EQ(pay(tok, payment_body(from, "1.00"), {"Idempotency-Key: day-old"}).status, 201);
  {
    pqxx::connection conn(*conninfo_);
    pqxx::work tx(conn);
    long n = count(
        tx,
        "SELECT count(*) FROM bank.idempotency_keys WHERE key = 'day-old' AND owner_subject = " +
            tx.quote(subject_) +
            " AND expires_at BETWEEN now() + interval '23 hours 59 minutes' AND "
            "now() + interval '24 hours'");
    EXPECT_EQ(n, 1);
    tx.exec(
        "UPDATE bank.idempotency_keys SET expires_at = now() - interval '1 second' "
        "WHERE key = 'day-old'");
    tx.commit();
  }
  // Forgotten: the same key now pays again.
  EXPECT_EQ(pay(tok, payment_body(from, "1.00"), {"Idempotency-Key: day-old"}).status, 201);
  EXPECT_EQ(payments_count(), 2);
}

TEST_F(BankApiConsentTest, MalformedIdempotencyKeyIs400) {
  std::string from = accounts()[0]["id"];
  std::string tok = token({}, "write:payments");
  for (const std::string& h :
       {std::string("Idempotency-Key: \"\""), "Idempotency-Key: " + std::string(256, 'k'),
        "Idempotency-Key: \"" + std::string(256, 'k') + "\""}) {
    Response r = pay(tok, payment_body(from), {h});
    EXPECT_EQ(r.status, 400) << h.substr(0, 40) << ": " << r.body;
    EXPECT_EQ(r.json_body()["error"], "invalid_request");
  }
  EXPECT_EQ(pay(tok, payment_body(from), {"Idempotency-Key: " + std::string(255, 'k')}).status,
            201);
  EXPECT_EQ(payments_count(), 1);
}

TEST_F(BankApiConsentTest, ConcurrentRequestsWithOneKeyPayOnce) {
  std::string from = accounts()[0]["id"];
  std::string tok = token({}, "write:payments");
  json body = payment_body(from, "7.00");
  std::atomic<int> created{0}, in_progress{0}, other{0};
  std::set<std::string> ids;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Response r = pay(tok, body, {"Idempotency-Key: race-1"});
      if (r.status == 201) {
        ++created;
        std::lock_guard lock(mu);
        ids.insert(r.json_body()["payment"]["id"].get<std::string>());
      } else if (r.status == 409) {
        ++in_progress;
        EXPECT_EQ(r.json_body()["error"], "idempotency_key_in_use");
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load() + in_progress.load(), 8);
  EXPECT_GE(created.load(), 1);
  EXPECT_EQ(ids.size(), 1u);  // every 201 is the replay of the one payment
  EXPECT_EQ(payments_count(), 1);
}

TEST_F(BankApiConsentTest, AccountDirectoryIsForTheIssuerOnly) {
  json all = accounts();
  Response r = call("GET", base_ + "/account-directory", token({}, "accounts:directory", kIssuer));
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.json_body()["accounts"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0],
            (json{{"iban", all[0]["iban"]}, {"name", "Everyday account"}, {"currency", "EUR"}}));
  EXPECT_EQ(list[1]["name"], "Savings account");
  EXPECT_FALSE(list[1].contains("balance"));

  // A registered client, even with the scope: refused.
  r = call("GET", base_ + "/account-directory", token({}, "accounts:directory", "finance-app"));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json_body()["error"], "insufficient_scope");
  EXPECT_EQ(r.json_body()["error_description"], "only the issuer may read the account directory");
  // The issuer without the scope: refused.
  r = call("GET", base_ + "/account-directory",
           token({}, "read:accounts read:transactions", kIssuer));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json_body()["scope"], "accounts:directory");
  // A first-time customer gets her accounts before the page shows them.
  subject_ = "new-" + random_token(6);
  r = call("GET", base_ + "/account-directory", token({}, "accounts:directory", kIssuer));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["accounts"].size(), 2u);
}

}  // namespace
}  // namespace signet::bank
