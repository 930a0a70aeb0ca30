// What protects the person at the browser: anti-framing headers, CSRF on login
// and consent, a fresh session id at login, robust parsing, and truthful metadata.
#include <openssl/evp.h>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

class BrowserSecurityTest : public IntegrationTest {
 protected:
  AuthorizeRequest request(const Client& c) {
    return AuthorizeRequest{c.client_id,    kRedirect,      "read:transactions",
                            random_hex(12), random_hex(32), {}};
  }
  Client finance() {
    return w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts read:transactions");
  }
  // Logs `browser` in and returns the consent page.
  HttpResponse consent_page(HttpClient& browser, const Client& client, const User& user) {
    HttpResponse login = browser.get(w().authorize_url(request(client)));
    auto fields = form_fields(login.body, "/login");
    for (auto& [k, v] : fields) {
      if (k == "username") v = user.username;
      if (k == "password") v = user.password;
    }
    HttpResponse after = browser.post_form(w().signet.base_url + "/login", fields);
    EXPECT_EQ(after.status, 303) << after.body;
    std::string loc = after.location();
    return browser.get(loc.rfind("/", 0) == 0 ? w().signet.base_url + loc : loc);
  }
};

void expect_anti_framing(const HttpResponse& r, const std::string& what) {
  EXPECT_EQ(lower(r.header("x-frame-options")), "deny") << what;
  std::string csp = r.header("content-security-policy");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(csp.find("form-action"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(lower(r.header("content-type")).find("text/html"), std::string::npos) << what;
}

TEST_F(BrowserSecurityTest, LoginPageHasAntiFramingHeaders) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(client)));
  ASSERT_EQ(login.status, 200) << login.body;
  expect_anti_framing(login, "login page");
  EXPECT_EQ(login.body.find("<script"), std::string::npos) << "no inline script";

  HttpResponse consent = consent_page(browser, client, user);
  ASSERT_EQ(consent.status, 200) << consent.body;
  expect_anti_framing(consent, "consent page");
  // The consent form posts to Signet; its CSP must allow the redirect target.
  EXPECT_NE(consent.header("content-security-policy").find("'self'"), std::string::npos);

  AuthorizeRequest bad = request(client);
  bad.redirect_uri = "https://evil.example/cb";
  HttpResponse error = browser.get(w().authorize_url(bad));
  EXPECT_EQ(error.status, 400);
  expect_anti_framing(error, "error page");

  HttpResponse failed = browser.post_form(
      w().signet.base_url + "/login",
      {{"username", user.username}, {"password", "nope"}, {"csrf_token", "x"}, {"return_to", "/"}});
  if (failed.body.find("<html") != std::string::npos || failed.body.find("<!DOCTYPE") == 0) {
    expect_anti_framing(failed, "login failure page");
  }
}

// The form-action directive of a page's CSP, e.g. "'self' https://a.example".
std::string form_action_of(const HttpResponse& r) {
  const std::string csp = r.header("content-security-policy");
  const std::string key = "form-action ";
  auto at = csp.find(key);
  if (at == std::string::npos) return "(none)";
  at += key.size();
  return csp.substr(at, csp.find(';', at) - at);
}

// Chromium checks form-action on each redirect after a form post, so the
// sign-in page must allow the origin its 303 chain ends at (POST /login ->
// /authorize -> redirect_uri, when no consent page is needed), and nothing more:
// not another client's origin, not a path, and nothing for the connected-apps
// sign-in, which stays on Signet.
TEST_F(BrowserSecurityTest, SignInPageAllowsOnlyTheRequestsRedirectOriginInFormAction) {
  Client client = finance();
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(client)));
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(form_action_of(login), "'self' https://finance.example.com");

  // The page shown again after a wrong password keeps it.
  auto fields = form_fields(login.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = "nobody-" + random_hex(4);
    if (k == "password") v = "wrong";
  }
  HttpResponse again = browser.post_form(w().signet.base_url + "/login", fields);
  ASSERT_EQ(again.status, 401) << again.body;
  EXPECT_EQ(form_action_of(again), "'self' https://finance.example.com");

  // Another client, on a port: its own origin only.
  const std::string other_uri = "http://127.0.0.1:7000/app/cb?x=1";
  Client other = w().add_client(w().unique("Other"), {other_uri}, "read:accounts");
  AuthorizeRequest r = request(other);
  r.redirect_uri = other_uri;
  r.scope = "read:accounts";
  HttpResponse other_login = HttpClient().get(w().authorize_url(r));
  ASSERT_EQ(other_login.status, 200) << other_login.body;
  EXPECT_EQ(form_action_of(other_login), "'self' http://127.0.0.1:7000");

  HttpResponse account = HttpClient().get(w().signet.base_url + "/account/apps");
  ASSERT_EQ(account.status, 200) << account.body;
  EXPECT_EQ(form_action_of(account), "'self'");
}

TEST_F(BrowserSecurityTest, LoginWithoutCsrfRefused) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);

  auto attempt = [&](const std::string& what, bool drop_field, bool drop_cookie,
                     bool tamper) -> void {
    HttpClient browser;
    HttpResponse login = browser.get(w().authorize_url(request(client)));
    ASSERT_EQ(login.status, 200);
    auto fields = form_fields(login.body, "/login");
    std::vector<std::pair<std::string, std::string>> sent;
    for (auto [k, v] : fields) {
      if (k == "username") v = user.username;
      if (k == "password") v = user.password;
      if (k == "csrf_token") {
        if (drop_field) continue;
        if (tamper) v = random_hex(32);
      }
      sent.emplace_back(k, v);
    }
    if (drop_cookie) browser.clear_cookies();
    HttpResponse r = browser.post_form(w().signet.base_url + "/login", sent);
    EXPECT_GE(r.status, 400) << what << ": " << r.status << " " << r.location();
    EXPECT_LT(r.status, 500) << what;
    EXPECT_FALSE(r.has_header("location")) << what << ": " << r.location();
    EXPECT_EQ(browser.cookie("signet_session"), "") << what << ": a session was created";
  };
  attempt("no csrf_token field", true, false, false);
  attempt("no csrf cookie", false, true, false);
  attempt("csrf_token not matching the cookie", false, false, true);

  // Control: the same steps with the token intact log in.
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(client)));
  auto fields = form_fields(login.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = user.username;
    if (k == "password") v = user.password;
  }
  HttpResponse ok = browser.post_form(w().signet.base_url + "/login", fields);
  EXPECT_EQ(ok.status, 303) << ok.body;
}

// The login form's token is bound to the cookie (an HMAC under the server's
// key), so a planted cookie of a chosen value cannot be paired with the same
// chosen value in the form, as a plain double-submit check would allow.
TEST_F(BrowserSecurityTest, LoginCsrfDoubleSubmitOfAChosenValueRefused) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(client)));
  ASSERT_EQ(login.status, 200);
  auto fields = login_fields(login.body, user);
  EXPECT_NE(form_value(login.body, "csrf_token"), browser.cookie("signet_login_csrf"))
      << "the form token is not the cookie's value";
  const std::string chosen = b64url(random_hex(16)).substr(0, 43);
  auto forged = fields;
  for (auto& [k, v] : forged) {
    if (k == "csrf_token") v = chosen;
  }
  HttpClient planted;
  planted.set_cookie("127.0.0.1", "signet_login_csrf", chosen);
  HttpResponse r = planted.post_form(w().signet.base_url + "/login", forged);
  EXPECT_EQ(r.status, 403) << r.location();
  EXPECT_EQ(planted.cookie("signet_session"), "") << "a session was created";

  // Control: the pair the server issued signs in.
  HttpResponse ok = browser.post_form(w().signet.base_url + "/login", fields);
  EXPECT_EQ(ok.status, 303) << ok.body;
  EXPECT_FALSE(browser.cookie("signet_session").empty());
}

TEST_F(BrowserSecurityTest, ConsentWithoutCsrfRefused) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  User mallory = w().add_user(w().unique("mallory"), kPassword);
  HttpClient browser;
  HttpResponse consent = consent_page(browser, client, user);
  ASSERT_EQ(consent.status, 200) << consent.body;
  auto fields = form_fields(consent.body, "/consent");

  auto without_csrf = fields;
  std::erase_if(without_csrf, [](auto& kv) { return kv.first == "csrf_token"; });
  without_csrf.emplace_back("decision", "allow");
  HttpResponse r1 = browser.post_form(w().signet.base_url + "/consent", without_csrf);
  EXPECT_GE(r1.status, 400) << r1.status << " " << r1.location();
  EXPECT_EQ(query_params(r1.location()).count("code"), 0u) << r1.location();

  // Another session's token (the attacker's own consent page) does not work either.
  HttpClient attacker;
  HttpResponse theirs = consent_page(attacker, client, mallory);
  std::string their_csrf = form_value(theirs.body, "csrf_token");
  ASSERT_FALSE(their_csrf.empty());
  auto forged = fields;
  for (auto& [k, v] : forged) {
    if (k == "csrf_token") v = their_csrf;
  }
  forged.emplace_back("decision", "allow");
  HttpResponse r2 = browser.post_form(w().signet.base_url + "/consent", forged);
  EXPECT_GE(r2.status, 400) << r2.status << " " << r2.location();
  EXPECT_EQ(query_params(r2.location()).count("code"), 0u) << r2.location();

  // Without a session at all.
  HttpClient anonymous;
  auto allowed = fields;
  allowed.emplace_back("decision", "allow");
  HttpResponse r3 = anonymous.post_form(w().signet.base_url + "/consent", allowed);
  EXPECT_EQ(query_params(r3.location()).count("code"), 0u) << r3.status << " " << r3.location();

  // Control: the genuine form still works after the refused attempts.
  HttpResponse ok = browser.post_form(w().signet.base_url + "/consent", allowed);
  EXPECT_EQ(ok.status, 303) << ok.body;
  EXPECT_FALSE(query_params(ok.location())["code"].empty()) << ok.location();
}

TEST_F(BrowserSecurityTest, LoginReturnToIsNotAnOpenRedirect) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  for (const std::string target :
       {"https://evil.example/", "//evil.example/authorize?x", "/\\evil.example/authorize",
        "http://127.0.0.1:1/authorize?x", "javascript:alert(1)", "/static/signet.css",
        "%2F%2Fevil.example"}) {
    HttpClient browser;
    HttpResponse login = browser.get(w().authorize_url(request(client)));
    auto fields = form_fields(login.body, "/login");
    for (auto& [k, v] : fields) {
      if (k == "username") v = user.username;
      if (k == "password") v = user.password;
      if (k == "return_to") v = target;
    }
    HttpResponse r = browser.post_form(w().signet.base_url + "/login", fields);
    std::string loc = r.location();
    if (loc.rfind(w().signet.base_url + "/", 0) == 0) loc = loc.substr(w().signet.base_url.size());
    if (!loc.empty()) {
      EXPECT_EQ(loc[0], '/') << target << " -> " << r.location();
      EXPECT_NE(loc.rfind("//", 0), 0u) << target << " -> " << r.location();
      EXPECT_EQ(loc.find("evil.example"), std::string::npos) << target << " -> " << r.location();
      EXPECT_EQ(loc.find('\\'), std::string::npos) << target << " -> " << r.location();
    }
  }
}

TEST_F(BrowserSecurityTest, SessionIdChangesAtLogin) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  const std::string planted = random_hex(32);

  HttpClient browser;
  browser.set_cookie("127.0.0.1", "signet_session", planted);
  HttpResponse login = browser.get(w().authorize_url(request(client)));
  ASSERT_EQ(login.status, 200) << "a planted, unknown session id must not count as a login";
  ASSERT_NE(login.body.find("action=\"/login\""), std::string::npos);
  auto fields = form_fields(login.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = user.username;
    if (k == "password") v = user.password;
  }
  HttpResponse after = browser.post_form(w().signet.base_url + "/login", fields);
  ASSERT_EQ(after.status, 303) << after.body;
  std::string session = browser.cookie("signet_session");
  EXPECT_FALSE(session.empty());
  EXPECT_NE(session, planted) << "session fixation: the pre-login id survived the login";
  EXPECT_GE(session.size(), 32u) << "session id too short for 256 bits: " << session;

  // The attacker who planted the id is not logged in.
  HttpClient attacker;
  attacker.set_cookie("127.0.0.1", "signet_session", planted);
  HttpResponse theirs = attacker.get(w().authorize_url(request(client)));
  EXPECT_NE(theirs.body.find("action=\"/login\""), std::string::npos) << theirs.status;

  // Logging in again issues yet another id.
  HttpClient second;
  auto a = w().authorize(second, request(client), user);
  EXPECT_NE(second.cookie("signet_session"), session);
  EXPECT_FALSE(second.cookie("signet_session").empty());
}

TEST_F(BrowserSecurityTest, MalformedAndOversizedRequestsGet4xx) {
  Client client = finance();
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  Headers basic{{"Authorization", basic_auth(machine.client_id, machine.client_secret)}};
  const std::string token_url = w().signet.base_url + "/token";

  auto expect_4xx = [&](const HttpResponse& r, const std::string& what) {
    EXPECT_GE(r.status, 400) << what << ": " << r.status << " " << r.error << " "
                             << r.body.substr(0, 300);
    EXPECT_LT(r.status, 500) << what << ": " << r.body;
    EXPECT_EQ(r.body.find("access_token"), std::string::npos) << what;
  };

  // RFC 6749 §3.1/§3.2: parameters must not be repeated.
  HttpResponse dup = http.request(
      "POST", token_url, "grant_type=client_credentials&grant_type=client_credentials", basic);
  expect_4xx(dup, "duplicate grant_type");
  if (dup.status == 400) {
    EXPECT_EQ(dup.json().value("error", ""), "invalid_request");
  }
  HttpResponse dup_scope = http.request(
      "POST", token_url, "grant_type=client_credentials&scope=read%3Aaccounts&scope=x", basic);
  expect_4xx(dup_scope, "duplicate scope");

  // Forms of the browser steps are parsed by Signet too: a repeated field is refused.
  // (A repeated query parameter at GET /authorize is collapsed by Pistache before
  // Signet sees it; the README lists this limit.)
  HttpResponse dup_login =
      http.request("POST", w().signet.base_url + "/login",
                   "username=alice&username=mallory&password=x&csrf_token=t&return_to=x");
  expect_4xx(dup_login, "duplicate username at /login");
  EXPECT_FALSE(dup_login.has_header("location")) << dup_login.location();
  EXPECT_FALSE(dup_login.has_header("set-cookie"));

  // Bad form encoding.
  for (const std::string& body :
       {std::string("grant_type=client_credentials&scope=%zz"),
        std::string("grant_type=client_credentials&scope=%"),
        std::string("grant_type=client_credentials&scope=%E"),
        std::string("grant_type=client_%00credentials"), std::string("=&=&&==")}) {
    expect_4xx(http.request("POST", token_url, body, basic), "form body " + body);
  }
  // Non-form content.
  expect_4xx(http.request("POST", token_url, R"({"grant_type":"client_credentials"})", basic,
                          "application/json"),
             "JSON body");
  // Broken Basic credentials.
  expect_4xx(http.request("POST", token_url, "grant_type=client_credentials",
                          {{"Authorization", "Basic !!!not-base64"}}),
             "bad Basic header");
  expect_4xx(http.request("POST", token_url, "grant_type=client_credentials",
                          {{"Authorization", "Basic " + std::string("\xff\xfe\x80", 3)}}),
             "non-ASCII Basic header");

  // A huge body: 413 or 400, never accepted, never a crash.
  std::string huge = "grant_type=client_credentials&scope=" + std::string(4 * 1024 * 1024, 'a');
  HttpResponse big = http.request("POST", token_url, huge, basic);
  if (big.status != 0) {
    EXPECT_TRUE(big.status == 413 || big.status == 400) << big.status << " " << big.body;
  }
  // A huge declared Content-Length with a small body must not be trusted either.
  HttpClient liar;
  liar.timeout_ms = 3000;
  HttpResponse lie = liar.request("POST", token_url, "grant_type=client_credentials",
                                  {{"Content-Length", "99999999999"}});
  EXPECT_NE(lie.status, 200) << lie.body;
  // Huge header, huge query string.
  HttpResponse big_header = http.request("GET", w().signet.base_url + "/jwks", "",
                                         {{"X-Filler", std::string(256 * 1024, 'b')}});
  if (big_header.status != 0) {
    EXPECT_GE(big_header.status, 400) << big_header.status;
  }
  HttpResponse big_query =
      http.get(w().signet.base_url + "/authorize?state=" + std::string(512 * 1024, 'c'));
  if (big_query.status != 0) expect_4xx(big_query, "huge query");

  // Same at bank-api.
  HttpClient api;
  HttpResponse huge_auth = api.get(w().bank.base_url + "/transactions",
                                   {{"Authorization", "Bearer " + std::string(300 * 1024, 'd')}});
  if (huge_auth.status != 0) expect_4xx(huge_auth, "huge bearer token");
  HttpResponse huge_payment =
      api.request("POST", w().bank.base_url + "/payments", std::string(4 * 1024 * 1024, '{'),
                  {{"Authorization", "Bearer x"}}, "application/json");
  if (huge_payment.status != 0) expect_4xx(huge_payment, "huge payment body");

  // Both processes are still alive and serving.
  ASSERT_TRUE(w().signet.process->alive()) << w().signet.process->log_tail();
  ASSERT_TRUE(w().bank.process->alive()) << w().bank.process->log_tail();
  HttpClient after;
  EXPECT_EQ(after.get(w().signet.base_url + "/jwks").status, 200);
  HttpResponse good = after.request("POST", token_url,
                                    "grant_type=client_credentials&scope=read%3Aaccounts", basic);
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(after.get(w().bank.base_url + "/transactions").status, 401);
}

TEST_F(BrowserSecurityTest, MetadataIsTruthful) {
  HttpClient http;
  HttpResponse r = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200) << r.body;
  auto m = r.json();
  const std::string& base = w().signet.base_url;
  EXPECT_EQ(m.value("issuer", ""), base);
  EXPECT_EQ(m.value("authorization_endpoint", ""), base + "/authorize");
  EXPECT_EQ(m.value("token_endpoint", ""), base + "/token");
  EXPECT_EQ(m.value("jwks_uri", ""), base + "/jwks");
  EXPECT_EQ(m["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
  EXPECT_EQ(m["response_types_supported"], nlohmann::json::array({"code"}));
  auto grants = m.value("grant_types_supported", nlohmann::json::array());
  EXPECT_NE(std::find(grants.begin(), grants.end(), "authorization_code"), grants.end());
  EXPECT_EQ(std::find(grants.begin(), grants.end(), "implicit"), grants.end());
  EXPECT_EQ(std::find(grants.begin(), grants.end(), "password"), grants.end());
  EXPECT_EQ(m.value("authorization_response_iss_parameter_supported", false), true);
  auto auth = m.value("token_endpoint_auth_methods_supported", nlohmann::json::array());
  EXPECT_NE(std::find(auth.begin(), auth.end(), "client_secret_basic"), auth.end());
  // Every advertised endpoint answers.
  EXPECT_EQ(http.get(m.value("jwks_uri", base + "/jwks")).status, 200);

  // The issuer is the configured one, not derived from the request's Host.
  HttpResponse spoofed = http.get(base + "/.well-known/oauth-authorization-server",
                                  {{"Host", "evil.example"}, {"X-Forwarded-Host", "evil.example"}});
  if (spoofed.status == 200) {
    EXPECT_EQ(spoofed.json().value("issuer", ""), base);
  }

  std::string why;
  Server other = w().start_signet({{"SIGNET_ISSUER", "https://bank.example/oauth"}}, &why);
  ASSERT_TRUE(other.process) << why;
  HttpResponse o = http.get(other.base_url + "/.well-known/oauth-authorization-server");
  ASSERT_EQ(o.status, 200) << o.body;
  EXPECT_EQ(o.json().value("issuer", ""), "https://bank.example/oauth");
  EXPECT_EQ(o.json().value("token_endpoint", ""), "https://bank.example/oauth/token");
  std::erase(w().processes, other.process.get());
}

// With an https issuer the session and login-CSRF cookies carry the __Host-
// prefix (Secure, Path=/, no Domain), so a sibling subdomain cannot plant
// them; Signet reads them by that name only.
TEST_F(BrowserSecurityTest, HttpsIssuerUsesHostPrefixedCookies) {
  Client client = finance();
  User user = w().add_user(w().unique("alice"), kPassword);
  const std::string issuer = "https://bank.example";
  std::string why;
  Server https = w().start_signet({{"SIGNET_ISSUER", issuer}}, &why);
  ASSERT_TRUE(https.process) << why;
  // The listener is plain HTTP behind the (absent) TLS proxy: URLs of the
  // issuer are rewritten to it.
  auto local = [&](const std::string& url) {
    return url.rfind(issuer, 0) == 0 ? https.base_url + url.substr(issuer.size()) : url;
  };
  std::string authorize = w().authorize_url(request(client));
  authorize = https.base_url + authorize.substr(w().signet.base_url.size());
  // The attributes __Host- requires, on every cookie that is set.
  auto set_cookie = [](const HttpResponse& r, const std::string& name) {
    std::string found;
    auto [b, e] = r.headers.equal_range("set-cookie");
    for (auto it = b; it != e; ++it) {
      if (it->second.rfind(name + "=", 0) != 0) continue;
      found = it->second;
      EXPECT_NE(lower(found).find("; secure"), std::string::npos) << found;
      EXPECT_NE(found.find("; Path=/"), std::string::npos) << found;
      EXPECT_EQ(lower(found).find("domain="), std::string::npos) << found;
    }
    return found;
  };
  auto value = [](const std::string& set_cookie_line) {
    const auto eq = set_cookie_line.find('=');
    return set_cookie_line.substr(eq + 1, set_cookie_line.find(';') - eq - 1);
  };

  HttpClient browser;
  HttpResponse login = browser.get(authorize);
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string csrf_line = set_cookie(login, "__Host-signet_login_csrf");
  ASSERT_FALSE(csrf_line.empty()) << "no __Host-signet_login_csrf cookie";
  auto fields = login_fields(login.body, user);
  // The bare name is not read: the CSRF cookie under it does not count.
  HttpClient bare;
  HttpResponse refused = bare.post_form(https.base_url + "/login", fields,
                                        {{"Cookie", "signet_login_csrf=" + value(csrf_line)}});
  EXPECT_EQ(refused.status, 403);

  HttpClient jarless;  // cookies sent by hand, as a browser would over https
  HttpResponse after =
      jarless.post_form(https.base_url + "/login", fields,
                        {{"Cookie", "__Host-signet_login_csrf=" + value(csrf_line)}});
  ASSERT_EQ(after.status, 303) << after.body;
  const std::string session_line = set_cookie(after, "__Host-signet_session");
  ASSERT_FALSE(session_line.empty()) << "no __Host-signet_session cookie";
  const std::string session = value(session_line);
  EXPECT_TRUE(set_cookie(after, "signet_session").empty());

  // The session is read under its prefixed name only.
  HttpClient signed_in;
  HttpResponse consent =
      signed_in.get(local(after.location()), {{"Cookie", "__Host-signet_session=" + session}});
  EXPECT_EQ(consent.status, 200);
  EXPECT_NE(consent.body.find("action=\"/consent\""), std::string::npos) << consent.body;
  HttpClient planted;
  HttpResponse ignored =
      planted.get(local(after.location()), {{"Cookie", "signet_session=" + session}});
  EXPECT_NE(ignored.body.find("action=\"/login\""), std::string::npos) << ignored.status;
  std::erase(w().processes, https.process.get());
}

TEST_F(BrowserSecurityTest, JwksPublishesSigningKey) {
  HttpClient http;
  HttpResponse r = http.get(w().signet.base_url + "/jwks");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(lower(r.header("content-type")).find("json"), std::string::npos);
  auto jwks = r.json();
  ASSERT_TRUE(jwks.contains("keys") && jwks["keys"].is_array() && !jwks["keys"].empty()) << r.body;
  for (const auto& k : jwks["keys"]) {
    EXPECT_FALSE(k.value("kid", "").empty()) << k.dump();
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      EXPECT_FALSE(k.contains(priv)) << "private member '" << priv << "' published: " << k.dump();
    }
  }

  // A token signed now names a published key, and verifies with it (OpenSSL, not Signet).
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpResponse t = w().token_request(
      {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}}, &machine);
  ASSERT_EQ(t.status, 200) << t.body;
  std::string at = t.json().value("access_token", "");
  std::string kid = jwt_header(at).value("kid", "");
  nlohmann::json key;
  for (const auto& k : jwks["keys"]) {
    if (k.value("kid", "") == kid) key = k;
  }
  ASSERT_FALSE(key.is_null()) << "kid " << kid << " not in " << r.body;
  EXPECT_EQ(key.value("kty", ""), "EC");
  EXPECT_EQ(key.value("crv", ""), "P-256");
  if (key.contains("alg")) {
    EXPECT_EQ(key.value("alg", ""), "ES256");
  }
  if (key.contains("use")) {
    EXPECT_EQ(key.value("use", ""), "sig");
  }
  EcKey pub = EcKey::from_jwk(key);
  auto dot = at.rfind('.');
  EXPECT_TRUE(pub.verify_es256(at.substr(0, dot), b64url_decode(at.substr(dot + 1))))
      << "the access token does not verify with the published key";

  // RFC 7638 thumbprint as kid (DESIGN.md), checked independently.
  // nlohmann::json sorts members, which is the order RFC 7638 asks for.
  nlohmann::json canon{{"crv", key["crv"]}, {"kty", key["kty"]}, {"x", key["x"]}, {"y", key["y"]}};
  std::string thumb = b64url(sha256(canon.dump()));
  EXPECT_EQ(kid, thumb) << "kid is not the RFC 7638 thumbprint";
}

}  // namespace
}  // namespace signet::it
