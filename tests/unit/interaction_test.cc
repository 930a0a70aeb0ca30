#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "interaction/pages.h"
#include "interaction/password.h"

namespace {

using namespace signet::interaction;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- passwords ----

TEST(Password, HashVerifyRoundTrip) {
  const std::string phc = hash_password("correct horse battery staple");
  EXPECT_TRUE(verify_password("correct horse battery staple", phc));
}

TEST(Password, WrongPasswordFails) {
  const std::string phc = hash_password("s3cret");
  EXPECT_FALSE(verify_password("s3creT", phc));
  EXPECT_FALSE(verify_password("", phc));
  EXPECT_FALSE(verify_password("s3cret ", phc));
}

TEST(Password, SaltMakesHashesDiffer) {
  const std::string a = hash_password("same password");
  const std::string b = hash_password("same password");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password("same password", a));
  EXPECT_TRUE(verify_password("same password", b));
}

TEST(Password, PhcStringNamesArgon2idAndParameters) {
  const std::string phc = hash_password("pw");
  EXPECT_EQ(phc.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << phc;
  // $argon2id$v=19$m=19456,t=2,p=1$<salt: 16 bytes = 22 b64 chars>$<hash: 32 bytes = 43 chars>
  const std::string rest = phc.substr(std::string("$argon2id$v=19$m=19456,t=2,p=1$").size());
  const auto dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos) << phc;
  EXPECT_EQ(dollar, 22u) << phc;
  EXPECT_EQ(rest.size() - dollar - 1, 43u) << phc;
  const auto b64 = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  };
  EXPECT_TRUE(std::all_of(rest.begin(), rest.begin() + dollar, b64)) << phc;
  EXPECT_TRUE(std::all_of(rest.begin() + dollar + 1, rest.end(), b64)) << phc;
}

TEST(Password, RejectsOtherAlgorithmsAndGarbage) {
  const std::string phc = hash_password("pw");
  std::string as_argon2i = phc;
  as_argon2i.replace(0, 10, "$argon2i$");
  EXPECT_FALSE(verify_password("pw", as_argon2i));
  EXPECT_FALSE(verify_password("pw", ""));
  EXPECT_FALSE(verify_password("pw", "pw"));
  EXPECT_FALSE(verify_password("pw", "$argon2id$"));
  EXPECT_FALSE(verify_password("pw", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB"));
  EXPECT_FALSE(verify_password("pw", phc.substr(0, phc.size() - 1)));
  std::string with_nul = phc;
  with_nul.push_back('\0');
  EXPECT_FALSE(verify_password("pw", with_nul));
}

// CPU time of this thread (not wall time, so other processes on the machine do
// not count), in microseconds.
int64_t thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

template <typename F>
int64_t median_cpu_us(F f) {
  std::vector<int64_t> runs;
  for (int i = 0; i < 5; ++i) {
    const int64_t start = thread_cpu_us();
    f();
    runs.push_back(thread_cpu_us() - start);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// An unknown username must cost what a known one with a wrong password costs
// (RFC 6819 §4.4.3.6; user enumeration by time): the burn runs one full
// Argon2id verification with the real parameters. The property is a ratio of
// CPU time in one process, far from its bounds either way: an empty or cheaper
// burn is ~0x, one at other parameters is off by their factor.
TEST(Password, UnknownUserCostsAsMuchAsAWrongPassword) {
  const std::string phc = hash_password("the real password");
  burn_password_verification("warm-up");  // its dummy hash is made once, not measured
  const int64_t wrong = median_cpu_us([&] { (void)verify_password("a wrong guess", phc); });
  const int64_t burn = median_cpu_us([] { burn_password_verification("a wrong guess"); });
  ASSERT_GT(wrong, 1000) << "an Argon2id verification takes milliseconds";
  EXPECT_GT(burn, wrong / 2) << "burn " << burn << " us, wrong password " << wrong << " us";
  EXPECT_LT(burn, wrong * 2) << "burn " << burn << " us, wrong password " << wrong << " us";
}

// ---- pages ----

TEST(Pages, LoginHasLabelledFieldsAndSignInButton) {
  LoginView v;
  v.return_to = "/authorize?client_id=abc&state=xyz";
  v.csrf_token = "tok123";
  const std::string html = render_login(v);
  EXPECT_TRUE(contains(html, "<html lang=\"en\">"));
  EXPECT_TRUE(contains(html, "name=\"viewport\""));
  EXPECT_TRUE(contains(html, "href=\"/static/signet.css\""));
  EXPECT_TRUE(contains(html, "Bank"));
  EXPECT_TRUE(contains(html, "<form class=\"form\" method=\"post\" action=\"/login\">"));
  EXPECT_TRUE(contains(html, "<label for=\"username\">Username</label>"));
  EXPECT_TRUE(contains(html, "<label for=\"password\">Password</label>"));
  EXPECT_TRUE(contains(html, "id=\"username\" name=\"username\""));
  EXPECT_TRUE(contains(html, "id=\"password\" name=\"password\" type=\"password\""));
  EXPECT_TRUE(contains(html, "autocomplete=\"username\""));
  EXPECT_TRUE(contains(html, "autocomplete=\"current-password\""));
  EXPECT_TRUE(contains(html, ">Sign in</button>"));
  EXPECT_TRUE(contains(html, "name=\"csrf_token\" value=\"tok123\""));
  EXPECT_TRUE(
      contains(html, "name=\"return_to\" value=\"/authorize?client_id=abc&amp;state=xyz\""));
  EXPECT_FALSE(contains(html, "role=\"alert\""));  // no error, no alert
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "style="));
}

TEST(Pages, LoginShowsErrorInAlertAndRefillsUsername) {
  LoginView v;
  v.username = "alice\"><b>";
  v.error = "Invalid username or password";
  const std::string html = render_login(v);
  EXPECT_TRUE(
      contains(html, "<div class=\"alert\" role=\"alert\">Invalid username or password</div>"));
  EXPECT_TRUE(contains(html, "value=\"alice&quot;&gt;&lt;b&gt;\""));
  EXPECT_FALSE(contains(html, "alice\"><b>"));
}

TEST(Pages, LoginFocusesUsernameFirstThenPassword) {
  LoginView v;
  EXPECT_TRUE(contains(render_login(v),
                       "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
                       "required autofocus>"));
  v.username = "alice";
  EXPECT_TRUE(contains(render_login(v), "autocomplete=\"current-password\" required autofocus>"));
}

TEST(Pages, LoginEscapesClientName) {
  LoginView v;
  v.client_name = "<script>alert(1)</script>";
  const std::string html = render_login(v);
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_FALSE(contains(html, "<script"));
}

signet::protocol::ScopeDescription scope(std::string name, std::string description) {
  return {std::move(name), std::move(description)};
}

TEST(Pages, ConsentListsDescriptionsAndCarriesHiddenFields) {
  ConsentView v;
  v.client_name = "FinanceApp";
  v.username = "alice";
  v.csrf_token = "csrf-xyz";
  v.scopes = {scope("read:accounts", "See your accounts and balances"),
              scope("read:transactions", "See your transactions")};
  v.hidden = {{"response_type", "code"},
              {"client_id", "finance-app"},
              {"redirect_uri", "http://127.0.0.1:8082/callback"},
              {"state", "s&t\"ate"}};
  const std::string html = render_consent(v);
  EXPECT_TRUE(contains(html, "FinanceApp</span> wants to:</h1>"));
  EXPECT_TRUE(contains(html, "See your accounts and balances"));
  EXPECT_TRUE(contains(html, "See your transactions"));
  EXPECT_TRUE(contains(html, "Signed in as <strong>alice</strong>"));
  EXPECT_TRUE(contains(html, "method=\"post\" action=\"/consent\""));
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"response_type\" value=\"code\">"));
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"client_id\" value=\"finance-app\">"));
  EXPECT_TRUE(contains(
      html,
      "<input type=\"hidden\" name=\"redirect_uri\" value=\"http://127.0.0.1:8082/callback\">"));
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"state\" value=\"s&amp;t&quot;ate\">"));
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"csrf_token\" value=\"csrf-xyz\">"));
  EXPECT_TRUE(contains(html, "name=\"decision\" value=\"allow\">Allow</button>"));
  EXPECT_TRUE(contains(html, "name=\"decision\" value=\"deny\">Deny</button>"));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "style="));
}

TEST(Pages, ConsentEscapesClientNameAndScopeDescriptions) {
  ConsentView v;
  v.client_name = "<script>";
  v.username = "<b>bob</b>";
  v.scopes = {scope("x", "<img src=x onerror=alert(1)>")};
  v.hidden = {{"\"><script>", "'><script>"}};
  const std::string html = render_consent(v);
  EXPECT_TRUE(contains(html, "&lt;script&gt;</span> wants to:"));
  EXPECT_TRUE(contains(html, "&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_TRUE(contains(html, "&lt;b&gt;bob&lt;/b&gt;"));
  EXPECT_TRUE(
      contains(html, "name=\"&quot;&gt;&lt;script&gt;\" value=\"&apos;&gt;&lt;script&gt;\""));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "<img"));
}

TEST(Pages, ConsentDoesNotDuplicateCsrfOrDecisionFromHidden) {
  ConsentView v;
  v.client_name = "App";
  v.csrf_token = "real";
  v.hidden = {{"csrf_token", "forged"}, {"decision", "allow"}, {"state", "s"}};
  const std::string html = render_consent(v);
  EXPECT_FALSE(contains(html, "forged"));
  EXPECT_TRUE(contains(html, "name=\"csrf_token\" value=\"real\""));
  EXPECT_FALSE(contains(html, "type=\"hidden\" name=\"decision\""));
}

TEST(Pages, ErrorPageShowsTitleAndMessageWithoutLinks) {
  ErrorView v;
  v.title = "Invalid request";
  v.message = "The redirect URI <http://evil> is not registered for this app.";
  const std::string html = render_error(v);
  EXPECT_TRUE(contains(html, "<title>Invalid request - Bank</title>"));
  EXPECT_TRUE(contains(html, "<h1 id=\"error-heading\">Invalid request</h1>"));
  EXPECT_TRUE(contains(html, "role=\"alert\""));
  EXPECT_TRUE(contains(html, "&lt;http://evil&gt;"));
  EXPECT_FALSE(contains(html, "<a "));
  EXPECT_FALSE(contains(html, "<script"));
}

TEST(Pages, StylesheetIsCompiledIn) {
  const std::string& css = stylesheet();
  EXPECT_FALSE(css.empty());
  EXPECT_TRUE(contains(css, ":focus-visible"));
  EXPECT_TRUE(contains(css, "@media"));
}

TEST(Pages, RenderingIsThreadSafe) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&ok, i] {
      for (int j = 0; j < 200; ++j) {
        ConsentView v;
        v.client_name = "App" + std::to_string(i);
        if (contains(render_consent(v), "App" + std::to_string(i) + "</span>")) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
}

}  // namespace
