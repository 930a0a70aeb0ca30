// Throttling against real signet processes and PostgreSQL: password guessing
// at /login is slowed per account (shared by replicas through the database) and
// per client address; /token limits each authenticated client to its own rate
// and failed client authentication per address; every limit is a setting and 0
// turns it off. Each test starts its own signet with the limits it needs.
#include <chrono>
#include <deque>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
const char* const kTooMany = "Too many sign-in attempts. Try again in ";

class ThrottleTest : public IntegrationTest {
 protected:
  // A signet of its own on this binary's database; fails the test when it does
  // not start. Stopped after the test (its log is shown first if the test failed).
  const Server& start(const Env& env) {
    std::string why;
    servers_.push_back(w().start_signet(env, &why));
    EXPECT_TRUE(servers_.back().process) << "signet did not start: " << why;
    return servers_.back();
  }
  void TearDown() override {
    IntegrationTest::TearDown();
    for (auto& s : servers_) std::erase(w().processes, s.process.get());
    servers_.clear();
  }
  std::deque<Server> servers_;

  Client finance() {
    return w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts read:transactions");
  }

  // The login form of `server` for `client`, as a browser gets it.
  std::vector<std::pair<std::string, std::string>> login_form(HttpClient& browser,
                                                              const Server& server,
                                                              const Client& client) {
    AuthorizeRequest r{client.client_id, kRedirect,      "read:accounts",
                       random_hex(8),    random_hex(32), {}};
    std::string url = w().authorize_url(r);
    url = server.base_url + url.substr(w().signet.base_url.size());
    HttpResponse page = browser.get(url);
    EXPECT_EQ(page.status, 200) << page.body;
    return form_fields(page.body, "/login");
  }

  HttpResponse sign_in(HttpClient& browser, const Server& server,
                       std::vector<std::pair<std::string, std::string>> form,
                       const std::string& username, const std::string& password) {
    for (auto& [k, v] : form) {
      if (k == "username") v = username;
      if (k == "password") v = password;
    }
    return browser.post_form(server.base_url + "/login", form);
  }

  static void expect_throttled_page(const HttpResponse& r, const std::string& what) {
    EXPECT_EQ(r.status, 429) << what << ": " << r.body;
    const std::string retry = r.header("retry-after");
    EXPECT_FALSE(retry.empty()) << what << ": no Retry-After";
    if (!retry.empty()) {
      EXPECT_GT(std::stoll(retry), 0) << what;
    }
    EXPECT_NE(html_unescape(r.body).find(kTooMany), std::string::npos) << what << ": " << r.body;
    EXPECT_TRUE(r.location().empty()) << what;
  }
};

TEST_F(ThrottleTest, AccountIsLockedAfterMaxFailuresEvenForTheRightPassword) {
  const Server& s = start({{"SIGNET_LOGIN_MAX_FAILURES", "3"},
                           {"SIGNET_LOGIN_LOCKOUT_SECONDS", "600"},
                           {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"}});
  ASSERT_TRUE(s.process);
  Client client = finance();
  User alice = w().add_user(w().unique("alice"), kPassword);
  User bob = w().add_user(w().unique("bob"), kPassword);
  HttpClient browser;
  auto form = login_form(browser, s, client);

  EXPECT_EQ(sign_in(browser, s, form, alice.username, "guess 1").status, 401);
  EXPECT_EQ(sign_in(browser, s, form, alice.username, "guess 2").status, 401);
  HttpResponse third = sign_in(browser, s, form, alice.username, "guess 3");
  expect_throttled_page(third, "the failure that reaches the limit");
  EXPECT_NE(html_unescape(third.body).find("Try again in 10 minutes."), std::string::npos)
      << third.body;
  const int64_t retry = std::stoll(third.header("retry-after"));
  EXPECT_GT(retry, 590);
  EXPECT_LE(retry, 600);

  // The right password is refused too while the lockout lasts, and no session starts.
  HttpClient other_browser;
  HttpResponse right =
      sign_in(other_browser, s, login_form(other_browser, s, client), alice.username, kPassword);
  expect_throttled_page(right, "right password during the lockout");
  EXPECT_TRUE(other_browser.cookie("signet_session").empty());

  // Another account is not affected.
  HttpClient bobs_browser;
  HttpResponse bob_in =
      sign_in(bobs_browser, s, login_form(bobs_browser, s, client), bob.username, kPassword);
  EXPECT_EQ(bob_in.status, 303) << bob_in.body;

  // The count is kept by digest, never by the username itself.
  auto rows = w().db->query("SELECT account_digest FROM login_failures");
  EXPECT_FALSE(rows.empty());
  for (const auto& row : rows) EXPECT_EQ(row[0].find(alice.username), std::string::npos);
}

TEST_F(ThrottleTest, UnknownUsernameIsThrottledTheSameWay) {
  const Server& s = start({{"SIGNET_LOGIN_MAX_FAILURES", "2"},
                           {"SIGNET_LOGIN_LOCKOUT_SECONDS", "300"},
                           {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"}});
  ASSERT_TRUE(s.process);
  Client client = finance();
  const std::string known = w().unique("carol");
  w().add_user(known, kPassword);
  const std::string unknown = w().unique("carol");  // same length, never registered

  HttpClient browser;
  auto form = login_form(browser, s, client);
  std::vector<HttpResponse> known_answers, unknown_answers;
  for (int i = 0; i < 3; ++i) {
    known_answers.push_back(sign_in(browser, s, form, known, "wrong"));
    unknown_answers.push_back(sign_in(browser, s, form, unknown, "wrong"));
  }
  for (int i = 0; i < 3; ++i) {
    const auto& k = known_answers[i];
    const auto& u = unknown_answers[i];
    EXPECT_EQ(k.status, u.status) << "attempt " << i;
    EXPECT_EQ(k.has_header("retry-after"), u.has_header("retry-after")) << "attempt " << i;
    // The same page but for the echoed username.
    std::string kb = k.body, ub = u.body;
    for (size_t p; (p = kb.find(known)) != std::string::npos;) kb.replace(p, known.size(), "U");
    for (size_t p; (p = ub.find(unknown)) != std::string::npos;) ub.replace(p, unknown.size(), "U");
    EXPECT_EQ(kb, ub) << "attempt " << i;
  }
  EXPECT_EQ(known_answers[0].status, 401);
  expect_throttled_page(known_answers[1], "known user");
  expect_throttled_page(unknown_answers[1], "unknown user");
  expect_throttled_page(unknown_answers[2], "unknown user, locked");
}

TEST_F(ThrottleTest, SuccessResetsTheAccountCount) {
  const Server& s =
      start({{"SIGNET_LOGIN_MAX_FAILURES", "3"}, {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"}});
  ASSERT_TRUE(s.process);
  Client client = finance();
  User dave = w().add_user(w().unique("dave"), kPassword);
  for (int round = 0; round < 3; ++round) {
    HttpClient browser;
    auto form = login_form(browser, s, client);
    EXPECT_EQ(sign_in(browser, s, form, dave.username, "typo").status, 401);
    EXPECT_EQ(sign_in(browser, s, form, dave.username, "typo").status, 401);
    EXPECT_EQ(sign_in(browser, s, form, dave.username, kPassword).status, 303) << round;
  }
}

TEST_F(ThrottleTest, AddressIsLimitedAcrossAccounts) {
  const Server& s =
      start({{"SIGNET_LOGIN_MAX_FAILURES", "100"}, {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "4"}});
  ASSERT_TRUE(s.process);
  Client client = finance();
  User erin = w().add_user(w().unique("erin"), kPassword);
  HttpClient browser;
  auto form = login_form(browser, s, client);
  // Password spraying: one guess for each of many accounts.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sign_in(browser, s, form, w().unique("victim"), "Winter2026!").status, 401);
  }
  expect_throttled_page(sign_in(browser, s, form, w().unique("victim"), "Winter2026!"),
                        "fourth failure from the address");
  HttpClient again;
  expect_throttled_page(sign_in(again, s, login_form(again, s, client), erin.username, kPassword),
                        "right password from a throttled address");
}

TEST_F(ThrottleTest, LockoutIsSharedByReplicas) {
  Env env{{"SIGNET_LOGIN_MAX_FAILURES", "3"},
          {"SIGNET_LOGIN_LOCKOUT_SECONDS", "600"},
          {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"}};
  const Server& a = start(env);
  const Server& b = start(env);
  ASSERT_TRUE(a.process && b.process);
  Client client = finance();
  User frank = w().add_user(w().unique("frank"), kPassword);
  HttpClient on_a, on_b;
  auto form_a = login_form(on_a, a, client);
  auto form_b = login_form(on_b, b, client);
  EXPECT_EQ(sign_in(on_a, a, form_a, frank.username, "guess").status, 401);
  EXPECT_EQ(sign_in(on_b, b, form_b, frank.username, "guess").status, 401);
  // The third failure, on replica A, counts the one B saw.
  expect_throttled_page(sign_in(on_a, a, form_a, frank.username, "guess"), "third failure on A");
  expect_throttled_page(sign_in(on_b, b, form_b, frank.username, kPassword),
                        "right password on B during the lockout");
}

TEST_F(ThrottleTest, LimitsSetToZeroAreOff) {
  const Server& s = start({{"SIGNET_LOGIN_MAX_FAILURES", "0"},
                           {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "0"},
                           {"SIGNET_TOKEN_RATE_PER_CLIENT", "0"},
                           {"SIGNET_TOKEN_BURST_PER_CLIENT", "1"},
                           {"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "0"}});
  ASSERT_TRUE(s.process);
  Client client = finance();
  User gina = w().add_user(w().unique("gina"), kPassword);
  HttpClient browser;
  auto form = login_form(browser, s, client);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(sign_in(browser, s, form, gina.username, "wrong").status, 401) << i;
  }
  EXPECT_EQ(sign_in(browser, s, form, gina.username, kPassword).status, 303);

  Client service =
      w().add_client(w().unique("Batch"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  Client bad = service;
  bad.client_secret = "not the secret";
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(http.post_form(s.base_url + "/token", {{"grant_type", "client_credentials"}},
                             {{"Authorization", basic_auth(bad.client_id, bad.client_secret)}})
                  .status,
              401);
  }
  for (int i = 0; i < 10; ++i) {
    HttpResponse r =
        http.post_form(s.base_url + "/token", {{"grant_type", "client_credentials"}},
                       {{"Authorization", basic_auth(service.client_id, service.client_secret)}});
    EXPECT_EQ(r.status, 200) << i << ": " << r.body;
  }
}

TEST_F(ThrottleTest, BadSettingStopsTheServerWithTheSettingNamed) {
  for (const char* name : {"SIGNET_LOGIN_MAX_FAILURES", "SIGNET_TOKEN_RATE_PER_CLIENT"}) {
    CommandResult r = w().cli({"serve"}, "", {{name, "-5"}});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  }
}

TEST_F(ThrottleTest, ClientOverItsRateIsSlowedWhileAnotherIsServed) {
  const Server& s =
      start({{"SIGNET_TOKEN_RATE_PER_CLIENT", "1"}, {"SIGNET_TOKEN_BURST_PER_CLIENT", "5"}});
  ASSERT_TRUE(s.process);
  Client a =
      w().add_client(w().unique("Noisy"), {}, "read:accounts", false, {"client_credentials"});
  Client b =
      w().add_client(w().unique("Quiet"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  auto token = [&](const Client& c) {
    return http.post_form(s.base_url + "/token", {{"grant_type", "client_credentials"}},
                          {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  };
  const auto started = std::chrono::steady_clock::now();
  int a_ok = 0, a_limited = 0;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = token(a);
    if (r.status == 200) {
      ++a_ok;
    } else {
      ++a_limited;
      EXPECT_EQ(r.status, 429) << r.body;
      EXPECT_EQ(r.json().value("error", ""), "slow_down") << r.body;
      EXPECT_FALSE(r.json().contains("access_token"));
      EXPECT_FALSE(r.header("retry-after").empty());
      EXPECT_EQ(r.header("cache-control"), "no-store");
    }
    if (i % 5 == 0) {  // B, interleaved: 4 requests, within its own burst
      HttpResponse rb = token(b);
      EXPECT_EQ(rb.status, 200) << "client B, request " << i << ": " << rb.body;
    }
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_GT(a_limited, 0);
  EXPECT_LE(a_ok, 5 + seconds + 1);  // the burst plus one a second
}

TEST_F(ThrottleTest, FailedClientAuthenticationIsLimitedPerAddress) {
  const Server& s = start({{"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "3"}});
  ASSERT_TRUE(s.process);
  Client c =
      w().add_client(w().unique("Target"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  auto token = [&](const std::string& secret) {
    return http.post_form(s.base_url + "/token", {{"grant_type", "client_credentials"}},
                          {{"Authorization", basic_auth(c.client_id, secret)}});
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(token("guess-" + std::to_string(i)).status, 401);
  // From this address, even the right secret is refused: a guess can no longer
  // be told apart from a failure.
  HttpResponse r = token(c.client_secret);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.json().value("error", ""), "slow_down");
  EXPECT_FALSE(r.header("retry-after").empty());
}

// Behind a trusted proxy (here the test itself, on 127.0.0.1) the address is the
// right-most X-Forwarded-For entry: two clients are counted apart. Without the
// setting, the header is the client's own text and changes nothing.
TEST_F(ThrottleTest, BehindATrustedProxyEachForwardedAddressIsLimitedApart) {
  const Server& proxied = start({{"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "3"},
                                 {"SIGNET_TRUSTED_PROXIES", "127.0.0.1, ::1"}});
  const Server& direct = start({{"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "3"}});
  ASSERT_TRUE(proxied.process && direct.process);
  Client c =
      w().add_client(w().unique("Target"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  auto token = [&](const Server& s, const std::string& forwarded_for, const std::string& secret) {
    return http.post_form(
        s.base_url + "/token", {{"grant_type", "client_credentials"}},
        {{"Authorization", basic_auth(c.client_id, secret)}, {"X-Forwarded-For", forwarded_for}});
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(token(proxied, "198.51.100.1", "guess").status, 401);
  EXPECT_EQ(token(proxied, "198.51.100.1", c.client_secret).status, 429);
  // Another client behind the same proxy, and one that wrote the throttled
  // address to the left of its own: both still served.
  EXPECT_EQ(token(proxied, "198.51.100.2", c.client_secret).status, 200);
  EXPECT_EQ(token(proxied, "198.51.100.1, 198.51.100.3", c.client_secret).status, 200);
  // ... and the throttled one cannot escape by prefixing another address.
  EXPECT_EQ(token(proxied, "198.51.100.9, 198.51.100.1", c.client_secret).status, 429);

  // No trusted proxies: a changing X-Forwarded-For does not spread the count.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(token(direct, "192.0.2." + std::to_string(i), "guess").status, 401);
  }
  EXPECT_EQ(token(direct, "192.0.2.200", c.client_secret).status, 429);
}

}  // namespace
}  // namespace signet::it
