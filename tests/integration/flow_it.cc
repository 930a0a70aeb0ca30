// The authorization code flow and the token endpoint, end to end over HTTP against
// the real signet and bank-api processes. Each test is named after the rule it
// checks and fails when the defence behind that rule is missing.
#include <set>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

class FlowTest : public IntegrationTest {
 protected:
  User alice() { return w().add_user(w().unique("alice"), kPassword); }
  Client finance(const std::string& scope = "read:accounts read:transactions") {
    return w().add_client(w().unique("FinanceApp"), {kRedirect}, scope);
  }
  AuthorizeRequest request(const Client& c, const std::string& scope) {
    return AuthorizeRequest{c.client_id,    c.redirect_uris.at(0), scope,
                            random_hex(12), random_hex(32),        {}};
  }
};

TEST_F(FlowTest, FullFlowReadsTransactions) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions");

  // 1. No session: the login page, with a CSRF token bound to a cookie.
  HttpResponse login_page = browser.get(w().authorize_url(req));
  ASSERT_EQ(login_page.status, 200) << login_page.body;
  ASSERT_NE(login_page.body.find("action=\"/login\""), std::string::npos) << login_page.body;
  auto login_fields = form_fields(login_page.body, "/login");
  std::string csrf = form_value(login_page.body, "csrf_token");
  ASSERT_FALSE(csrf.empty()) << "login form without csrf_token";
  EXPECT_FALSE(browser.cookie("signet_login_csrf").empty()) << "no signet_login_csrf cookie";
  EXPECT_EQ(browser.cookie("signet_session"), "");

  // 2. POST /login: 303 back to a relative /authorize URL, with a session cookie.
  for (auto& [k, v] : login_fields) {
    if (k == "username") v = user.username;
    if (k == "password") v = user.password;
  }
  HttpResponse after_login = browser.post_form(w().signet.base_url + "/login", login_fields);
  ASSERT_EQ(after_login.status, 303) << after_login.body;
  std::string back = after_login.location();
  // Back to Signet's own /authorize (relative, or absolute under the issuer).
  if (back.rfind(w().signet.base_url + "/", 0) == 0) back = back.substr(w().signet.base_url.size());
  ASSERT_EQ(back.rfind("/authorize?", 0), 0u) << "login must return to /authorize: " << back;
  EXPECT_FALSE(browser.cookie("signet_session").empty());
  std::string set_cookie;
  for (auto [it, end] = after_login.headers.equal_range("set-cookie"); it != end; ++it) {
    if (it->second.rfind("signet_session=", 0) == 0) set_cookie = it->second;
  }
  EXPECT_NE(lower(set_cookie).find("httponly"), std::string::npos) << set_cookie;
  EXPECT_NE(lower(set_cookie).find("samesite=lax"), std::string::npos) << set_cookie;
  EXPECT_NE(lower(set_cookie).find("path=/"), std::string::npos) << set_cookie;

  // 3. The consent page names the client and the scope.
  HttpResponse consent = browser.get(w().signet.base_url + back);
  ASSERT_EQ(consent.status, 200) << consent.body;
  ASSERT_NE(consent.body.find("action=\"/consent\""), std::string::npos) << consent.body;
  EXPECT_NE(consent.body.find(client.raw.value("client_name", "")), std::string::npos);
  EXPECT_NE(consent.body.find("read:transactions"), std::string::npos);
  EXPECT_NE(consent.body.find("value=\"allow\""), std::string::npos);
  EXPECT_NE(consent.body.find("value=\"deny\""), std::string::npos);

  // 4. Allow: 303 to the registered redirect URI with code, state and iss (RFC 9207).
  auto fields = form_fields(consent.body, "/consent");
  fields.emplace_back("decision", "allow");
  HttpResponse redirect = browser.post_form(w().signet.base_url + "/consent", fields);
  ASSERT_EQ(redirect.status, 303) << redirect.body;
  std::string loc = redirect.location();
  ASSERT_EQ(loc.rfind(kRedirect + "?", 0), 0u) << loc;
  auto params = query_params(loc);
  ASSERT_FALSE(params["code"].empty()) << loc;
  EXPECT_EQ(params["state"], req.state);
  EXPECT_EQ(params["iss"], w().signet.base_url);
  EXPECT_EQ(params.count("error"), 0u);

  // 5. The code buys an access token (client_secret_basic + PKCE verifier).
  HttpResponse token = w().exchange_code(client, params["code"], kRedirect, req.code_verifier);
  ASSERT_EQ(token.status, 200) << token.body;
  auto tj = token.json();
  ASSERT_TRUE(tj.contains("access_token")) << token.body;
  EXPECT_EQ(lower(tj.value("token_type", "")), "bearer");
  EXPECT_GT(tj.value("expires_in", 0), 0);
  std::string at = tj["access_token"].get<std::string>();
  auto header = jwt_header(at);
  EXPECT_EQ(header.value("typ", ""), "at+jwt");
  EXPECT_EQ(header.value("alg", ""), "ES256");
  EXPECT_FALSE(header.value("kid", "").empty());
  auto claims = jwt_claims(at);
  EXPECT_EQ(claims.value("iss", ""), w().signet.base_url);
  EXPECT_EQ(claims.value("sub", ""), user.subject);
  EXPECT_EQ(claims.value("client_id", ""), client.client_id);
  EXPECT_EQ(claims.value("scope", ""), "read:transactions");
  EXPECT_TRUE(claims.contains("aud"));
  EXPECT_TRUE(claims.contains("jti"));
  EXPECT_GT(claims.value("exp", int64_t{0}), now_seconds());

  // 6. bank-api serves the transactions...
  HttpResponse tx = w().bank_get("/transactions", at);
  ASSERT_EQ(tx.status, 200) << tx.body;
  auto txj = tx.json();
  ASSERT_TRUE(txj.contains("transactions") && txj["transactions"].is_array()) << tx.body;
  EXPECT_FALSE(txj["transactions"].empty()) << "a new customer gets sample transactions";

  // 7. ...but refuses a payment: the token lacks write:payments.
  HttpClient api;
  HttpResponse pay = api.request(
      "POST", w().bank.base_url + "/payments",
      R"({"from_account":"x","to_iban":"DE89370400440532013000","amount":"1.00","currency":"EUR","reference":"t"})",
      {{"Authorization", "Bearer " + at}}, "application/json");
  EXPECT_EQ(pay.status, 403) << pay.body;
  std::string challenge = pay.header("www-authenticate");
  EXPECT_NE(challenge.find("insufficient_scope"), std::string::npos) << challenge;
  EXPECT_NE(challenge.find("scope=\"write:payments\""), std::string::npos) << challenge;
}

TEST_F(FlowTest, RememberedConsentSkipsConsentPage) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  auto first = w().authorize(browser, request(client, "read:transactions"), user);
  ASSERT_FALSE(first.code().empty()) << first.last.status << " " << first.last.body;
  EXPECT_EQ(first.pages, (std::vector<std::string>{"login", "consent"}));

  // Same user, same client, scopes already granted: straight back with a code.
  AuthorizeRequest again = request(client, "read:transactions");
  HttpResponse r = browser.get(w().authorize_url(again));
  ASSERT_EQ(r.status, 303) << r.body;
  auto params = query_params(r.location());
  EXPECT_EQ(r.location().rfind(kRedirect + "?", 0), 0u) << r.location();
  EXPECT_FALSE(params["code"].empty());
  EXPECT_EQ(params["state"], again.state);
  EXPECT_EQ(params["iss"], w().signet.base_url);
  HttpResponse t = w().exchange_code(client, params["code"], kRedirect, again.code_verifier);
  EXPECT_EQ(t.status, 200) << t.body;

  // A scope never granted still asks.
  auto more = w().authorize(browser, request(client, "read:accounts read:transactions"), user);
  EXPECT_EQ(more.pages, (std::vector<std::string>{"consent"}));
  EXPECT_FALSE(more.code().empty());

  // Consent belongs to the user: another user of the same browser is asked.
  HttpClient other_browser;
  User bob = w().add_user(w().unique("bob"), kPassword);
  auto bobs = w().authorize(other_browser, request(client, "read:transactions"), bob);
  EXPECT_EQ(bobs.pages, (std::vector<std::string>{"login", "consent"}));
}

TEST_F(FlowTest, DenyRedirectsAccessDenied) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions");
  auto a = w().authorize(browser, req, user, "deny");
  ASSERT_EQ(a.last.status, 303) << a.last.body;
  EXPECT_EQ(a.redirect.rfind(kRedirect + "?", 0), 0u) << a.redirect;
  EXPECT_EQ(a.params["error"], "access_denied");
  EXPECT_EQ(a.params["state"], req.state);
  EXPECT_EQ(a.params["iss"], w().signet.base_url);
  EXPECT_EQ(a.params.count("code"), 0u);

  // A denial is not remembered as a grant: the next request asks again.
  auto again = w().authorize(browser, request(client, "read:transactions"), user, "deny");
  EXPECT_EQ(again.pages, (std::vector<std::string>{"consent"}));
}

TEST_F(FlowTest, WrongPasswordShowsGenericErrorAndNoRedirect) {
  User user = alice();
  Client client = finance();
  for (const User& attempt :
       {User{user.username, "wrong password", ""}, User{w().unique("nobody"), kPassword, ""}}) {
    HttpClient browser;
    auto a = w().authorize(browser, request(client, "read:transactions"), attempt);
    EXPECT_EQ(a.last.status, 401) << attempt.username << ": " << a.last.body;
    EXPECT_TRUE(a.redirect.empty()) << a.redirect;
    EXPECT_FALSE(a.last.has_header("location"));
    EXPECT_NE(a.last.body.find("Invalid username or password"), std::string::npos) << a.last.body;
    EXPECT_EQ(browser.cookie("signet_session"), "") << "failed login must not create a session";
    // The page offers the login form again, with a fresh working CSRF token.
    EXPECT_FALSE(form_value(a.last.body, "csrf_token").empty());
    EXPECT_EQ(a.last.body.find(attempt.password), std::string::npos)
        << "the password must not be echoed";
  }
}

TEST_F(FlowTest, CodeReplayIsInvalidGrantAndRevokesTokens) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions");
  auto a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.code().empty()) << a.last.body;

  HttpResponse first = w().exchange_code(client, a.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string at = first.json().at("access_token").get<std::string>();
  std::string jti = jwt_claims(at).value("jti", "");
  ASSERT_FALSE(jti.empty());

  HttpResponse second = w().exchange_code(client, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(second.status, 400) << second.body;
  EXPECT_EQ(second.json().value("error", ""), "invalid_grant") << second.body;
  EXPECT_FALSE(second.json().contains("access_token"));

  // RFC 6749 §4.1.2 / RFC 9700 §4.5: the tokens issued from the replayed code are revoked.
  auto rows = w().db->query("SELECT count(*) FROM revoked_tokens WHERE jti = $1", {jti});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "1") << "jti " << jti << " not in revoked_tokens after a code replay";
}

TEST_F(FlowTest, WrongPkceVerifierIsInvalidGrant) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions");
  auto a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.code().empty()) << a.last.body;

  HttpResponse wrong = w().exchange_code(client, a.code(), kRedirect, random_hex(32));
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(wrong.json().value("error", ""), "invalid_grant") << wrong.body;

  // Without any verifier the code is refused too (never "PKCE optional at redemption").
  auto b = w().authorize(browser, request(client, "read:transactions"), user);
  ASSERT_FALSE(b.code().empty());
  HttpResponse none = w().exchange_code(client, b.code(), kRedirect, "");
  EXPECT_EQ(none.status, 400) << none.body;
  EXPECT_FALSE(none.json().contains("access_token"));

  // The redirect_uri of the redemption must match the one of the request.
  AuthorizeRequest creq = request(client, "read:transactions");
  auto c = w().authorize(browser, creq, user);
  ASSERT_FALSE(c.code().empty());
  HttpResponse other_uri =
      w().exchange_code(client, c.code(), kRedirect + "/other", creq.code_verifier);
  EXPECT_EQ(other_uri.status, 400) << other_uri.body;
  EXPECT_EQ(other_uri.json().value("error", ""), "invalid_grant") << other_uri.body;

  // A code is bound to its client.
  Client thief = finance();
  AuthorizeRequest dreq = request(client, "read:transactions");
  auto d = w().authorize(browser, dreq, user);
  ASSERT_FALSE(d.code().empty());
  HttpResponse stolen = w().exchange_code(thief, d.code(), kRedirect, dreq.code_verifier);
  EXPECT_EQ(stolen.status, 400) << stolen.body;
  EXPECT_EQ(stolen.json().value("error", ""), "invalid_grant") << stolen.body;
}

TEST_F(FlowTest, UnregisteredOrAlteredRedirectUriNeverRedirects) {
  User user = alice();
  Client client = finance();
  const std::vector<std::string> altered{
      "https://finance.example.com/callback/",
      "https://finance.example.com/callback/x",
      "https://finance.example.com/callbac",
      "https://finance.example.com/callback?next=https://evil.example",
      "https://finance.example.com/callback#x",
      "https://finance.example.com:8443/callback",
      "https://finance.example.com:443/callback",
      "https://FINANCE.example.com/callback",
      "https://finance.example.com/CALLBACK",
      "http://finance.example.com/callback",
      "https://finance.example.com.evil.example/callback",
      "https://evil.example/callback",
      "https://finance.example.com/callback%2F..%2F..%2Fevil",
      "//evil.example/callback",
      "",
  };
  // Both before and after the user has a session: the check comes first.
  HttpClient logged_in;
  auto ok = w().authorize(logged_in, request(client, "read:transactions"), user);
  ASSERT_FALSE(ok.code().empty()) << ok.last.body;
  for (HttpClient* browser : {static_cast<HttpClient*>(nullptr), &logged_in}) {
    HttpClient fresh;
    HttpClient& b = browser ? *browser : fresh;
    for (const auto& uri : altered) {
      AuthorizeRequest req = request(client, "read:transactions");
      req.redirect_uri = uri;
      std::string url = w().authorize_url(req);
      if (uri.empty()) {
        // No redirect_uri at all: not allowed to fall back silently... unless the
        // server picks the only registered one; either way never a foreign host.
        url = w().signet.base_url +
              "/authorize?response_type=code&client_id=" + url_encode(client.client_id) +
              "&scope=read%3Atransactions&state=s&" +
              "code_challenge=" + pkce_challenge(req.code_verifier) + "&code_challenge_method=S256";
      }
      HttpResponse r = b.get(url);
      if (uri.empty() && (r.status == 302 || r.status == 303)) {
        EXPECT_EQ(r.location().rfind(kRedirect + "?", 0), 0u) << r.location();
        continue;
      }
      EXPECT_EQ(r.status, 400) << "redirect_uri " << uri << ": " << r.body;
      EXPECT_FALSE(r.has_header("location")) << "redirect_uri " << uri << " -> " << r.location();
      EXPECT_EQ(r.body.find("action=\"/consent\""), std::string::npos) << uri;
    }
    // An unknown client_id: error page, no redirect.
    AuthorizeRequest unknown = request(client, "read:transactions");
    unknown.client_id = "no-such-client";
    HttpResponse r = b.get(w().authorize_url(unknown));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_FALSE(r.has_header("location")) << r.location();
  }
}

TEST_F(FlowTest, ScopeNotAllowedIsInvalidScope) {
  User user = alice();
  Client client = finance("read:transactions");
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions write:payments");
  auto a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.redirect.empty()) << a.last.status << " " << a.last.body;
  EXPECT_EQ(a.redirect.rfind(kRedirect + "?", 0), 0u) << a.redirect;
  EXPECT_EQ(a.params["error"], "invalid_scope") << a.redirect;
  EXPECT_EQ(a.params["state"], req.state);
  EXPECT_EQ(a.params["iss"], w().signet.base_url);
  EXPECT_EQ(a.params.count("code"), 0u);

  // A scope that does not exist at all.
  auto b = w().authorize(browser, request(client, "read:everything"), user);
  EXPECT_EQ(b.params["error"], "invalid_scope") << b.redirect << " " << b.last.body;
  EXPECT_EQ(b.params.count("code"), 0u);

  // client_credentials asking beyond its registration.
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpResponse t = w().token_request(
      {{"grant_type", "client_credentials"}, {"scope", "read:accounts write:payments"}}, &machine);
  EXPECT_EQ(t.status, 400) << t.body;
  EXPECT_EQ(t.json().value("error", ""), "invalid_scope") << t.body;
}

TEST_F(FlowTest, WrongClientSecretIsInvalidClient) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest req = request(client, "read:transactions");
  auto a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.code().empty());

  Client forged = client;
  forged.client_secret = client.client_secret + "x";
  HttpResponse wrong = w().exchange_code(forged, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.json().value("error", ""), "invalid_client") << wrong.body;
  // RFC 6749 §5.2: with HTTP Basic, the 401 carries a WWW-Authenticate challenge.
  EXPECT_NE(lower(wrong.header("www-authenticate")).find("basic"), std::string::npos)
      << wrong.header("www-authenticate");
  EXPECT_FALSE(wrong.json().contains("access_token"));

  // Unknown client id, and a confidential client that sends no secret at all.
  Client unknown = client;
  unknown.client_id = "no-such-client";
  HttpResponse u = w().exchange_code(unknown, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(u.status, 401) << u.body;
  EXPECT_EQ(u.json().value("error", ""), "invalid_client") << u.body;

  Client no_secret = client;
  no_secret.client_secret.clear();  // sends client_id in the body, no authentication
  HttpResponse n = w().exchange_code(no_secret, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(n.status, 401) << n.body;
  EXPECT_EQ(n.json().value("error", ""), "invalid_client") << n.body;
}

// RFC 6749 §5.2: one rule at every endpoint that authenticates clients: an
// invalid_client is a 401 with a Basic challenge, whichever method was tried
// (client_secret_basic, client_secret_post, none, nothing at all).
TEST_F(FlowTest, EveryInvalidClientAnswerCarriesABasicChallenge) {
  Client client = finance();
  using Fields = std::vector<std::pair<std::string, std::string>>;
  struct Attempt {
    std::string what;
    Fields fields;
    Headers headers;
  };
  const std::vector<Attempt> attempts = {
      {"client_secret_basic", {}, {{"Authorization", basic_auth(client.client_id, "wrong")}}},
      {"client_secret_post", {{"client_id", client.client_id}, {"client_secret", "wrong"}}, {}},
      {"none for a confidential client", {{"client_id", client.client_id}}, {}},
      {"none for an unknown client", {{"client_id", "no-such-client"}}, {}},
      {"no authentication", {}, {}}};
  for (const std::string path : {"/token", "/revoke", "/introspect"}) {
    for (const auto& a : attempts) {
      Fields f = a.fields;
      if (path == "/token") {
        f.emplace_back("grant_type", "client_credentials");
      } else {
        f.emplace_back("token", "some-token");
      }
      HttpClient http;
      HttpResponse r = http.post_form(w().signet.base_url + path, f, a.headers);
      EXPECT_EQ(r.status, 401) << path << " " << a.what << ": " << r.body;
      EXPECT_EQ(r.json().value("error", ""), "invalid_client") << path << " " << a.what;
      EXPECT_EQ(r.header("www-authenticate"), "Basic realm=\"signet\"") << path << " " << a.what;
    }
  }
}

TEST_F(FlowTest, PublicClientWithoutPkceRefused) {
  User user = alice();
  Client app = w().add_client(w().unique("MobileApp"), {kRedirect}, "read:transactions", true);
  EXPECT_TRUE(app.client_secret.empty()) << "a public client has no secret";
  HttpClient browser;

  AuthorizeRequest no_pkce = request(app, "read:transactions");
  no_pkce.code_verifier.clear();
  auto a = w().authorize(browser, no_pkce, user);
  EXPECT_EQ(a.params["error"], "invalid_request") << a.redirect << " " << a.last.body;
  EXPECT_EQ(a.params.count("code"), 0u);
  EXPECT_EQ(a.params["state"], no_pkce.state);

  // "plain" is not S256.
  AuthorizeRequest plain = request(app, "read:transactions");
  plain.code_verifier.clear();
  plain.extra = {{"code_challenge", random_hex(32)}, {"code_challenge_method", "plain"}};
  auto p = w().authorize(browser, plain, user);
  EXPECT_EQ(p.params["error"], "invalid_request") << p.redirect << " " << p.last.body;
  EXPECT_EQ(p.params.count("code"), 0u);

  // With S256 the public client gets its token, authenticating with client_id only.
  AuthorizeRequest good = request(app, "read:transactions");
  auto g = w().authorize(browser, good, user);
  ASSERT_FALSE(g.code().empty()) << g.last.body;
  HttpResponse t = w().exchange_code(app, g.code(), kRedirect, good.code_verifier);
  EXPECT_EQ(t.status, 200) << t.body;
}

TEST_F(FlowTest, PkceRequiredForConfidentialClientsToo) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest no_pkce = request(client, "read:transactions");
  no_pkce.code_verifier.clear();
  auto a = w().authorize(browser, no_pkce, user);
  EXPECT_EQ(a.params["error"], "invalid_request") << a.redirect << " " << a.last.body;
  EXPECT_EQ(a.params.count("code"), 0u);
}

TEST_F(FlowTest, ClientCredentialsGrant) {
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpResponse t = w().token_request(
      {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}}, &machine);
  ASSERT_EQ(t.status, 200) << t.body;
  auto tj = t.json();
  EXPECT_FALSE(tj.contains("refresh_token")) << "RFC 6749 §4.4.3: no refresh token";
  std::string at = tj.value("access_token", "");
  auto claims = jwt_claims(at);
  EXPECT_EQ(claims.value("sub", ""), machine.client_id);
  EXPECT_EQ(claims.value("client_id", ""), machine.client_id);
  EXPECT_EQ(claims.value("scope", ""), "read:accounts");
  HttpResponse acc = w().bank_get("/accounts", at);
  EXPECT_EQ(acc.status, 200) << acc.body;

  // A client not registered for the grant may not use it.
  Client web = finance();
  HttpResponse refused =
      w().token_request({{"grant_type", "client_credentials"}, {"scope", "read:accounts"}}, &web);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json().value("error", ""), "unauthorized_client") << refused.body;

  // Nor without authenticating.
  HttpResponse anon =
      w().token_request({{"grant_type", "client_credentials"}, {"client_id", machine.client_id}});
  EXPECT_EQ(anon.status, 401) << anon.body;
  EXPECT_EQ(anon.json().value("error", ""), "invalid_client") << anon.body;

  // Unknown grant types are named as such.
  HttpResponse odd = w().token_request({{"grant_type", "password"}, {"username", "a"}}, &machine);
  EXPECT_EQ(odd.status, 400) << odd.body;
  EXPECT_EQ(odd.json().value("error", ""), "unsupported_grant_type") << odd.body;
}

TEST_F(FlowTest, TokenResponseHasNoStore) {
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpResponse ok = w().token_request(
      {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}}, &machine);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(lower(ok.header("cache-control")).find("no-store"), std::string::npos)
      << ok.header("cache-control");
  EXPECT_NE(lower(ok.header("content-type")).find("application/json"), std::string::npos);

  HttpResponse err =
      w().token_request({{"grant_type", "authorization_code"}, {"code", "nope"}}, &machine);
  EXPECT_EQ(err.status, 400) << err.body;
  EXPECT_NE(lower(err.header("cache-control")).find("no-store"), std::string::npos)
      << err.header("cache-control");
}

}  // namespace
}  // namespace signet::it
