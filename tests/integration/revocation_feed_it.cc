// The revocation feed end to end: real PostgreSQL, real signet and bank-api
// processes. A token revoked at Signet (RFC 7009 /revoke, refresh-token reuse,
// the connected-apps "Revoke access") is refused by bank-api within 5 s, not at
// its expiry; with the feed unreachable, payments fail closed after the bound
// while reads go on; and only a client acting for the resource server may read
// the feed.
#include <chrono>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

using Clock = std::chrono::steady_clock;
using Fields = std::vector<std::pair<std::string, std::string>>;

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
const std::string kScope = "read:accounts read:transactions write:payments";
constexpr int kFailClosedAfterSeconds = 3;

class RevocationFeedTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    user_ = w().add_user(w().unique("alice"), kPassword);
    app_ = w().add_client(w().unique("FinanceApp"), {kRedirect}, kScope, false,
                          {"authorization_code", "refresh_token"});
    rs_ = w().add_resource_server(w().unique("BankApi"));
  }

  // A bank-api following the feed at `feed_url` (default: the World's signet).
  Server start_bank(const std::string& feed_url = {}) {
    Env env{{"BANK_API_CLIENT_ID", rs_.client_id},
            {"BANK_API_CLIENT_SECRET", rs_.client_secret},
            {"BANK_API_REVOCATION_POLL_MS", "200"},
            {"BANK_API_FAIL_CLOSED_AFTER_SECONDS", std::to_string(kFailClosedAfterSeconds)}};
    if (!feed_url.empty()) env.emplace_back("BANK_API_REVOCATION_FEED_URL", feed_url);
    std::string why;
    Server s = w().start_bank_api(env, &why);
    EXPECT_TRUE(s.process) << "bank-api did not start: " << why;
    return s;
  }

  // Code flow: the token response.
  nlohmann::json tokens(HttpClient& browser) {
    AuthorizeRequest req{app_.client_id, kRedirect, kScope, random_hex(12), random_hex(32), {}};
    AuthorizationResult a = w().authorize(browser, req, user_);
    EXPECT_FALSE(a.code().empty()) << a.last.body;
    HttpResponse r = w().exchange_code(app_, a.code(), req.redirect_uri, req.code_verifier);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : nlohmann::json::object();
  }

  HttpResponse post_as(const Client& c, const std::string& path, const Fields& f,
                       const std::string& base = {}) {
    HttpClient http;
    return http.post_form((base.empty() ? w().signet.base_url : base) + path, f,
                          {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  }

  HttpResponse pay(const Server& bank, const std::string& token) {
    HttpResponse accounts = w().bank_get("/accounts", token, bank.base_url);
    if (accounts.status != 200) return accounts;
    auto list = accounts.json().value("accounts", nlohmann::json::array());
    if (list.empty()) return accounts;
    nlohmann::json payment{{"from_account", list[0]["id"]},
                           {"to_iban", "DE89370400440532013000"},
                           {"amount", "1.00"},
                           {"currency", list[0].value("currency", "EUR")},
                           {"reference", "revocation feed test"}};
    HttpClient http;
    return http.request("POST", bank.base_url + "/payments", payment.dump(),
                        {{"Authorization", "Bearer " + token}}, "application/json");
  }

  // Asserts that bank-api answers 401 invalid_token for `token` within 5 s
  // (polling every 50 ms; it must answer 200 until then), and records how long.
  void expect_refused_within_5s(const Server& bank, const std::string& token,
                                const std::string& what) {
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::seconds(10)) {
      HttpResponse r = w().bank_get("/transactions", token, bank.base_url);
      if (r.status == 401) {
        EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos);
        const double took = std::chrono::duration<double>(Clock::now() - start).count();
        EXPECT_LE(took, 5.0) << what;
        RecordProperty("seconds_to_refuse_" + what, std::to_string(took));
        return;
      }
      ASSERT_EQ(r.status, 200) << what << ": " << r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << what << ": a revoked token was still accepted after 10 s";
  }

  // Waits until the bank has synced once (a payment is no longer 503).
  void wait_synced(const Server& bank, const std::string& token) {
    for (int i = 0; i < 100; ++i) {
      if (pay(bank, token).status != 503) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "bank-api never synced the revocation feed";
  }

  User user_;
  Client app_;
  Client rs_;
};

TEST_F(RevocationFeedTest, MetadataAdvertisesTheFeed) {
  HttpClient http;
  auto m = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(m["signet_revocation_feed_endpoint"], w().signet.base_url + "/revocations");
}

TEST_F(RevocationFeedTest, AccessTokenRevokedAtSignetIsRefusedWithinFiveSeconds) {
  Server bank = start_bank();
  ASSERT_TRUE(bank.process);
  Forget forget{bank};
  HttpClient browser;
  auto t = tokens(browser);
  const std::string at = t.value("access_token", "");
  ASSERT_FALSE(at.empty());
  wait_synced(bank, at);
  // Control: the token works (and is now in bank-api's verified-token cache).
  ASSERT_EQ(w().bank_get("/transactions", at, bank.base_url).status, 200);

  ASSERT_EQ(post_as(app_, "/revoke", {{"token", at}}).status, 200);
  expect_refused_within_5s(bank, at, "revoked_access_token");
}

TEST_F(RevocationFeedTest, RefreshTokenRevocationAndReuseReachTheResourceServer) {
  Server bank = start_bank();
  ASSERT_TRUE(bank.process);
  Forget forget{bank};
  HttpClient browser;
  auto t = tokens(browser);
  const std::string at1 = t.value("access_token", "");
  const std::string rt1 = t.value("refresh_token", "");
  ASSERT_FALSE(rt1.empty()) << t.dump();
  wait_synced(bank, at1);

  // Reuse of a rotated refresh token (RFC 9700 §4.14.2) revokes the whole family.
  HttpResponse rotated =
      post_as(app_, "/token", {{"grant_type", "refresh_token"}, {"refresh_token", rt1}});
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string at2 = rotated.json()["access_token"];
  ASSERT_EQ(w().bank_get("/transactions", at2, bank.base_url).status, 200);
  HttpResponse reuse =
      post_as(app_, "/token", {{"grant_type", "refresh_token"}, {"refresh_token", rt1}});
  ASSERT_EQ(reuse.status, 400) << reuse.body;
  expect_refused_within_5s(bank, at2, "refresh_token_reuse");
  EXPECT_EQ(w().bank_get("/transactions", at1, bank.base_url).status, 401);

  // RFC 7009 revocation of a refresh token: its family's access tokens too.
  auto t2 = tokens(browser);
  const std::string at3 = t2.value("access_token", "");
  ASSERT_EQ(w().bank_get("/transactions", at3, bank.base_url).status, 200);
  ASSERT_EQ(post_as(app_, "/revoke", {{"token", t2.value("refresh_token", "")}}).status, 200);
  expect_refused_within_5s(bank, at3, "revoked_refresh_token");
}

TEST_F(RevocationFeedTest, ConnectedAppsRevokeReachesTheResourceServer) {
  Server bank = start_bank();
  ASSERT_TRUE(bank.process);
  Forget forget{bank};
  HttpClient browser;
  auto t = tokens(browser);
  const std::string at = t.value("access_token", "");
  wait_synced(bank, at);
  ASSERT_EQ(w().bank_get("/transactions", at, bank.base_url).status, 200);

  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps");
  ASSERT_EQ(apps.status, 200);
  auto fields = form_fields(apps.body, "/account/apps/revoke");
  bool ours = false;
  for (auto& [k, v] : fields) ours = ours || (k == "client_id" && v == app_.client_id);
  ASSERT_TRUE(ours) << apps.body;
  HttpResponse revoked = browser.post_form(w().signet.base_url + "/account/apps/revoke", fields);
  ASSERT_EQ(revoked.status, 303) << revoked.body;
  expect_refused_within_5s(bank, at, "connected_app_revoked");
}

// The feed unreachable: payments are refused (503) once it has not synced for
// BANK_API_FAIL_CLOSED_AFTER_SECONDS; reads are still served; a restart of the
// feed lifts the refusal.
TEST_F(RevocationFeedTest, PaymentsFailClosedWhileTheFeedIsUnreachable) {
  std::string why;
  Server feed = w().start_signet({}, &why);  // a second replica, only for the feed
  ASSERT_TRUE(feed.process) << why;
  Forget forget_feed{feed};
  Server bank = start_bank(feed.base_url + "/revocations");
  ASSERT_TRUE(bank.process);
  Forget forget{bank};
  HttpClient browser;
  const std::string at = tokens(browser).value("access_token", "");
  wait_synced(bank, at);
  HttpResponse control = pay(bank, at);
  ASSERT_EQ(control.status, 201) << control.body;

  const auto stopped = Clock::now();  // SIGTERM: the feed stops answering from here on
  feed.process->stop();
  HttpResponse refused;
  while (Clock::now() - stopped < std::chrono::seconds(kFailClosedAfterSeconds + 5)) {
    refused = pay(bank, at);
    if (refused.status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json()["error"], "temporarily_unavailable");
  EXPECT_GE(Clock::now() - stopped, std::chrono::seconds(kFailClosedAfterSeconds - 1));
  // Reads keep working.
  EXPECT_EQ(w().bank_get("/transactions", at, bank.base_url).status, 200);
}

TEST_F(RevocationFeedTest, OnlyAClientActingForTheResourceMayReadTheFeed) {
  // Control: the resource server's own client reads it.
  HttpResponse ok = post_as(rs_, "/revocations", {{"resource", kBankAudience}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.json()["cursor"].is_string());
  EXPECT_TRUE(ok.json()["entries"].is_array());
  EXPECT_EQ(ok.header("cache-control"), "no-store");

  // A confidential client not linked to the resource server.
  HttpResponse foreign = post_as(app_, "/revocations", {{"resource", kBankAudience}});
  EXPECT_EQ(foreign.status, 400) << foreign.body;
  EXPECT_EQ(foreign.json()["error"], "unauthorized_client");
  // The linked client naming another resource.
  HttpResponse other = post_as(rs_, "/revocations", {{"resource", "https://other.example"}});
  EXPECT_EQ(other.json()["error"], "unauthorized_client") << other.body;
  // A wrong secret.
  Client wrong = rs_;
  wrong.client_secret = "not-the-secret";
  HttpResponse bad = post_as(wrong, "/revocations", {{"resource", kBankAudience}});
  EXPECT_EQ(bad.status, 401) << bad.body;
  // A malformed cursor.
  HttpResponse cursor =
      post_as(rs_, "/revocations", {{"resource", kBankAudience}, {"after", "nope"}});
  EXPECT_EQ(cursor.status, 400) << cursor.body;
  EXPECT_EQ(cursor.json()["error"], "invalid_request");
}

}  // namespace
}  // namespace signet::it
