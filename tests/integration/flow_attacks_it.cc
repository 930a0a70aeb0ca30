// Attacks on the browser steps of the authorization code flow, against the real
// signet process and PostgreSQL: redirect-URI look-alikes, open redirects from
// error paths, code injection, PKCE downgrade, mix-up, CSRF, framing, session
// fixation, user enumeration, and the properties of codes, state and nonce.
// Each test asserts that the attack fails and that nothing leaks (no redirect to
// a foreign URI, no code, no session). Sections cite RFC 9700 (OAuth 2.0
// Security BCP) unless another document is named.
//
// Not repeated here (see those files): code replay, wrong PKCE verifier, missing
// verifier, PKCE required and `plain` refused at /authorize, a code presented by
// another client (flow_it); login and consent without CSRF token, anti-framing on
// the login, consent and error pages, return_to to a foreign host, a planted
// unknown session id (browser_security_it); logout to an unregistered URI with an
// id_token_hint, logout CSRF (oidc_it).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://app.example/cb";
// A redirect URI registered with a query component (RFC 6749 §3.1.2 allows it).
const std::string kTenantRedirect = "https://app.example/cb2?tenant=1";
const std::string kLoggedOut = "https://app.example/logged-out";
const std::string kPassword = "correct horse battery staple";

using Params = std::vector<std::pair<std::string, std::string>>;

class FlowAttacksTest : public IntegrationTest {
 protected:
  std::string issuer() { return w().signet.base_url; }
  User user(const std::string& prefix = "alice") {
    return w().add_user(w().unique(prefix), kPassword);
  }
  Client app(const std::vector<std::string>& uris = {kRedirect, kTenantRedirect},
             const std::string& scope = "openid read:accounts read:transactions",
             bool is_public = false) {
    return w().add_client(w().unique("App"), uris, scope, is_public);
  }
  // A relying party with a post-logout redirect URI (RP-Initiated Logout 1.0).
  Client rp() {
    auto r =
        w().cli({"client", "add", "--name", w().unique("RP"), "--scope", "openid read:accounts",
                 "--redirect-uri", kRedirect, "--post-logout-redirect-uri", kLoggedOut});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Client c;
    c.raw = nlohmann::json::parse(r.out);
    c.client_id = c.raw.at("client_id").get<std::string>();
    c.client_secret = c.raw.at("client_secret").get<std::string>();
    c.redirect_uris = {kRedirect};
    c.scope = "openid read:accounts";
    return c;
  }
  AuthorizeRequest request(const Client& c, const std::string& redirect = kRedirect,
                           const std::string& scope = "read:transactions") {
    return AuthorizeRequest{c.client_id, redirect, scope, random_hex(12), random_hex(32), {}};
  }
  std::string codes_of(const Client& c) {
    return w().db->query("SELECT count(*) FROM authorization_codes WHERE client_id = $1",
                         {c.client_id})[0][0];
  }
  std::string url_at(const std::string& path, const Params& query = {}) {
    return issuer() + path + (query.empty() ? "" : "?" + form_encode(query));
  }
};

// The answer is an error page of Signet's own: no Location header at all, no
// consent form, no code, and the attacker's host not echoed into the page.
void expect_error_page(const HttpResponse& r, const std::string& what) {
  EXPECT_GE(r.status, 400) << what << ": " << r.status << " " << r.location();
  EXPECT_LT(r.status, 500) << what << ": " << r.body.substr(0, 300);
  EXPECT_FALSE(r.has_header("location")) << what << " -> " << r.location();
  EXPECT_NE(lower(r.header("content-type")).find("text/html"), std::string::npos) << what;
  EXPECT_EQ(r.body.find("action=\"/consent\""), std::string::npos) << what;
  EXPECT_EQ(r.body.find("code="), std::string::npos) << what;
  EXPECT_EQ(r.body.find("evil"), std::string::npos) << what << ": the page echoes the input";
}

// The query parameters of a URL as a list, keeping repeated keys.
std::vector<std::pair<std::string, std::string>> query_list(const std::string& url) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = url.find('?');
  if (q == std::string::npos) return out;
  std::string query = url.substr(
      q + 1, url.find('#') == std::string::npos ? std::string::npos : url.find('#') - q - 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    out.emplace_back(url_decode(pair.substr(0, eq)),
                     eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1)));
  }
  return out;
}

size_t count_key(const std::vector<std::pair<std::string, std::string>>& list,
                 const std::string& key) {
  return static_cast<size_t>(
      std::count_if(list.begin(), list.end(), [&](auto& kv) { return kv.first == key; }));
}

void expect_anti_framing(const HttpResponse& r, const std::string& what) {
  EXPECT_EQ(lower(r.header("x-frame-options")), "deny") << what;
  EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos)
      << what << ": " << r.header("content-security-policy");
  EXPECT_NE(lower(r.header("cache-control")).find("no-store"), std::string::npos) << what;
}

// Fills the login form of `page` and posts it.
HttpResponse submit_login(HttpClient& browser, const std::string& base, const HttpResponse& page,
                          const std::string& username, const std::string& password) {
  auto fields = form_fields(page.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = username;
    if (k == "password") v = password;
  }
  return browser.post_form(base + "/login", fields);
}

// ---------------------------------------------------------------------------
// 1. Redirect URI: exact string matching (§4.1.3, §2.1; RFC 6749 §3.1.2.3)

TEST_F(FlowAttacksTest, RedirectUriLookalikesGetAnErrorPageNeverARedirect) {
  User u = user();
  Client c = app();
  // A browser with a session and a remembered consent: a look-alike accepted by
  // mistake would be answered at once with a code, so the check must come first.
  HttpClient logged_in;
  auto first = w().authorize(logged_in, request(c), u);
  ASSERT_FALSE(first.code().empty()) << first.last.body;
  const std::string codes_before = codes_of(c);

  const std::vector<std::string> lookalikes = {
      // prefix and suffix extension (§4.1.1)
      "https://app.example/c", "https://app.example/cbx", "https://app.example/cb/evil",
      "https://app.example/cb.evil.example", "https://app.example.evil.example/cb",
      // path traversal, plain and percent-encoded
      "https://app.example/cb/../evil", "https://app.example/cb/%2e%2e/evil",
      "https://app.example/cb/%2E%2E%2Fevil", "https://app.example/cb/..%2Fevil",
      "https://app.example/evil/../cb", "https://app.example/./cb",
      // userinfo: the browser would go to the host after '@' (§4.1.1, RFC 3986 §3.2.1)
      "https://app.example@evil.example/cb", "https://app.example:443@evil.example/cb",
      "https://app.example%40evil.example/cb", "https://evil.example\\@app.example/cb",
      "https://evil.example#@app.example/cb", "https://evil.example?@app.example/cb",
      // a fragment (RFC 6749 §3.1.2: the redirect URI must not have one)
      "https://app.example/cb#", "https://app.example/cb#evil",
      // case in scheme, host and path
      "HTTPS://app.example/cb", "https://App.Example/cb", "https://app.example/Cb",
      // percent-encoded characters
      "https://app.example/%63b", "https://app.example/cb%2F", "https://app.example%2Fcb",
      "https%3A%2F%2Fapp.example%2Fcb",
      // port
      "https://app.example:443/cb", "https://app.example:8443/cb", "https://app.example:/cb",
      // scheme downgrade and scheme-relative
      "http://app.example/cb", "//app.example/cb", "app.example/cb", "https:app.example/cb",
      // trailing slash, trailing dot in the host, white space, NUL
      "https://app.example/cb/", "https://app.example./cb", " https://app.example/cb",
      "https://app.example/cb ", "https://app.example/cb\t",
      std::string("https://app.example/cb\0", 23),
      // an extra query parameter, also on a URI registered with a query
      "https://app.example/cb?", "https://app.example/cb?x=1",
      "https://app.example/cb?next=https://evil.example", "https://app.example/cb2?tenant=2",
      "https://app.example/cb2?tenant=1&x=1", "https://app.example/cb2?x=1&tenant=1",
      "https://app.example/cb2?tenant=1&redirect_uri=https://evil.example",
      "https://app.example/cb2", "https://app.example/cb2?tenant=1#"};

  HttpClient fresh;
  for (HttpClient* b : {&fresh, &logged_in}) {
    for (const auto& uri : lookalikes) {
      AuthorizeRequest req = request(c);
      req.redirect_uri = uri;
      expect_error_page(b->get(w().authorize_url(req)), "redirect_uri [" + uri + "]");
    }
  }
  EXPECT_EQ(codes_of(c), codes_before) << "a code was issued for a look-alike redirect URI";

  // Control: both registered URIs, byte for byte, still redirect.
  for (const auto& uri : {kRedirect, kTenantRedirect}) {
    auto ok = logged_in.get(w().authorize_url(request(c, uri)));
    EXPECT_EQ(ok.status, 303) << uri << ": " << ok.body;
    EXPECT_EQ(ok.location().rfind(uri + (uri.find('?') == std::string::npos ? "?" : "&"), 0), 0u)
        << ok.location();
  }
}

// RFC 8252 §7.3: a native app's loopback redirect URI (an IP literal over http)
// matches on any port, and on nothing else; "localhost" is compared exactly
// (§8.3). The code is bound to the URI actually used.
TEST_F(FlowAttacksTest, LoopbackRedirectUriTakesAnyPortAndNothingElse) {
  const std::string v4 = "http://127.0.0.1:8080/cb";
  const std::string v6 = "http://[::1]/cb";
  const std::string named = "http://localhost:8080/cb";
  User u = user();
  Client c = app({v4, v6, named}, "read:accounts read:transactions", true);
  HttpClient logged_in;
  auto first = w().authorize(logged_in, request(c, v4), u);
  ASSERT_FALSE(first.code().empty()) << first.last.body;
  const std::string codes_before = codes_of(c);

  const std::vector<std::string> lookalikes = {"http://127.0.0.1.evil.example:1234/cb",
                                               "http://127.0.0.1:1234@evil.example/cb",
                                               "http://127.0.0.1:1234.evil.example/cb",
                                               "http://127.0.0.1:1234/cb/../evil",
                                               "http://127.0.0.1:1234/cb/",
                                               "http://127.0.0.1:1234/cbevil",
                                               "http://127.0.0.1:1234/evil",
                                               "http://127.0.0.1:1234/cb?evil=1",
                                               "http://127.0.0.1:1234/cb#evil",
                                               "https://127.0.0.1:1234/cb",
                                               "HTTP://127.0.0.1:1234/cb",
                                               "http://127.0.0.2:1234/cb",
                                               "http://127.1:1234/cb",
                                               "http://2130706433:1234/cb",
                                               "http://127.0.0.1:/cb",
                                               "http://127.0.0.1:0/cb",
                                               "http://127.0.0.1:65536/cb",
                                               "http://127.0.0.1:01234/cb",
                                               "http://127.0.0.1:1234:80/cb",
                                               "http://[::1]:1234/cb/evil",
                                               "http://[::1].evil.example/cb",
                                               "http://[0:0:0:0:0:0:0:1]:1234/cb",
                                               "http://[::ffff:127.0.0.1]:1234/cb",
                                               "http://localhost:1234/cb",
                                               "http://localhost/cb",
                                               "http://evil.example:8080/cb"};
  HttpClient fresh;
  for (HttpClient* b : {&fresh, &logged_in}) {
    for (const auto& uri : lookalikes) {
      expect_error_page(b->get(w().authorize_url(request(c, uri))), "redirect_uri [" + uri + "]");
    }
  }
  EXPECT_EQ(codes_of(c), codes_before) << "a code was issued for a look-alike redirect URI";

  // Another port of each loopback literal is answered at that very URI.
  const int port = w().signet.port == 51234 ? 51235 : 51234;
  for (const std::string& uri : {"http://127.0.0.1:" + std::to_string(port) + "/cb",
                                 "http://[::1]:" + std::to_string(port) + "/cb"}) {
    AuthorizeRequest req = request(c, uri);
    auto a = w().authorize(logged_in, req, u);
    ASSERT_FALSE(a.code().empty()) << uri << ": " << a.last.status << " " << a.last.body;
    EXPECT_EQ(a.redirect.rfind(uri + "?", 0), 0u) << a.redirect;
    // RFC 6749 §4.1.3: /token wants the URI of the request, not the registered one.
    const std::string registered = uri.find('[') == std::string::npos ? v4 : v6;
    auto wrong = w().exchange_code(c, a.code(), registered, req.code_verifier);
    EXPECT_EQ(wrong.status, 400) << wrong.body;
    EXPECT_EQ(wrong.json().value("error", ""), "invalid_grant");
    auto right = w().exchange_code(c, a.code(), uri, req.code_verifier);
    EXPECT_EQ(right.status, 200) << right.body;
  }
}

TEST_F(FlowAttacksTest, RepeatedRedirectUriParameterNeverReachesTheSecondUri) {
  User u = user();
  Client c = app();
  HttpClient logged_in;
  ASSERT_FALSE(w().authorize(logged_in, request(c), u).code().empty());
  const std::string evil = "https://evil.example/cb";

  // RFC 6749 §3.1: a parameter must not be sent twice. When both copies reach
  // Signet (here: a percent-encoded name), the request is refused with a page.
  AuthorizeRequest req = request(c);
  std::string encoded_twice = w().authorize_url(req) + "&redirect%5Furi=" + url_encode(evil);
  expect_error_page(logged_in.get(encoded_twice), "redirect%5Furi repeated");

  // Pistache 0.0.5 keeps one copy of a plain repeated query key before Signet
  // sees the query (README, known limits). Whichever copy it keeps, the browser
  // is never sent to the other one: the URI validated is the URI redirected to.
  for (bool evil_first : {true, false}) {
    AuthorizeRequest r = request(c);
    std::string url = issuer() + "/authorize?" +
                      form_encode({{"response_type", "code"},
                                   {"client_id", c.client_id},
                                   {"redirect_uri", evil_first ? evil : kRedirect},
                                   {"redirect_uri", evil_first ? kRedirect : evil},
                                   {"scope", r.scope},
                                   {"state", r.state},
                                   {"code_challenge", pkce_challenge(r.code_verifier)},
                                   {"code_challenge_method", "S256"}});
    HttpResponse resp = logged_in.get(url);
    if (resp.has_header("location")) {
      EXPECT_EQ(resp.location().rfind(kRedirect + "?", 0), 0u) << resp.location();
      EXPECT_EQ(resp.location().find("evil"), std::string::npos) << resp.location();
      // And the code is bound to the URI it was sent to.
      std::string code = query_params(resp.location())["code"];
      ASSERT_FALSE(code.empty()) << resp.location();
      EXPECT_EQ(w().exchange_code(c, code, evil, r.code_verifier).status, 400);
    } else {
      expect_error_page(resp, evil_first ? "evil first" : "evil second");
    }
  }
}

// ---------------------------------------------------------------------------
// 2. No open redirector on error paths (§4.11; RFC 6749 §4.1.2.1)

TEST_F(FlowAttacksTest, ErrorsBeforeTheRedirectUriIsProvenAnswerWithAPage) {
  Client a = app();
  Client b = w().add_client(w().unique("Other"), {"https://other.example/cb"}, "read:accounts");
  const std::string evil = "https://evil.example/cb";
  const std::string challenge = pkce_challenge(random_hex(32));
  // Each request also carries errors that would be redirected if the redirect
  // URI had been proven: the URI check comes first, and the state is not echoed.
  const std::string state = "evil-state-marker";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no client_id", "response_type=token&redirect_uri=" + url_encode(evil)},
      {"empty client_id", "client_id=&response_type=code&redirect_uri=" + url_encode(kRedirect)},
      {"unknown client_id",
       "client_id=no-such-client&response_type=code&redirect_uri=" + url_encode(kRedirect)},
      {"another client's redirect_uri",
       "client_id=" + url_encode(a.client_id) + "&response_type=code&redirect_uri=" +
           url_encode("https://other.example/cb") + "&scope=read%3Aaccounts"},
      {"no redirect_uri and a bad response_type",
       "client_id=" + url_encode(a.client_id) + "&response_type=token"},
      {"unregistered redirect_uri and every other error",
       "client_id=" + url_encode(a.client_id) + "&response_type=token&redirect_uri=" +
           url_encode(evil) + "&scope=bogus&request=x&code_challenge_method=plain"},
      {"malformed query with a registered redirect_uri",
       "client_id=" + url_encode(a.client_id) +
           "&response_type=code&redirect_uri=" + url_encode(kRedirect) + "&scope=%zz"},
      {"client_id repeated through an encoded name",
       "client_id=" + url_encode(b.client_id) + "&client%5Fid=" + url_encode(a.client_id) +
           "&response_type=code&redirect_uri=" + url_encode(kRedirect)},
  };
  for (const auto& [what, query] : cases) {
    HttpClient browser;
    HttpResponse r = browser.get(issuer() + "/authorize?" + query + "&state=" + state +
                                 "&code_challenge=" + challenge);
    expect_error_page(r, what);
    EXPECT_EQ(r.body.find(state), std::string::npos) << what << ": state echoed into the page";
    expect_anti_framing(r, what);
  }
}

TEST_F(FlowAttacksTest, ErrorsAfterTheRedirectUriIsProvenGoOnlyThereWithIssAndState) {
  Client c = app();
  struct Case {
    std::string what;
    std::string client_id;
    Params params;
    std::string error;
  };
  const std::string challenge = pkce_challenge(random_hex(32));
  auto with = [&](Params extra, const std::vector<std::string>& drop = {}) {
    Params p{{"response_type", "code"},
             {"scope", "read:accounts"},
             {"code_challenge", challenge},
             {"code_challenge_method", "S256"}};
    std::erase_if(p, [&](auto& kv) {
      return std::find(drop.begin(), drop.end(), kv.first) != drop.end() ||
             std::any_of(extra.begin(), extra.end(), [&](auto& e) { return e.first == kv.first; });
    });
    p.insert(p.end(), extra.begin(), extra.end());
    return p;
  };
  const std::vector<Case> cases = {
      {"response_type=token", c.client_id, with({{"response_type", "token"}}),
       "unsupported_response_type"},
      {"no response_type", c.client_id, with({}, {"response_type"}), "invalid_request"},
      {"no code_challenge", c.client_id, with({}, {"code_challenge"}), "invalid_request"},
      {"malformed code_challenge", c.client_id, with({{"code_challenge", "short"}}),
       "invalid_request"},
      {"scope not allowed", c.client_id, with({{"scope", "write:payments"}}), "invalid_scope"},
      {"request object", c.client_id, with({{"request", "eyJhbGciOiJub25lIn0.e30."}}),
       "request_not_supported"},
      {"request_uri", c.client_id, with({{"request_uri", "https://evil.example/req"}}),
       "request_uri_not_supported"},
      {"prompt=none without a session", c.client_id, with({{"prompt", "none"}}), "login_required"},
      {"malformed resource", c.client_id, with({{"resource", "not a uri"}}), "invalid_target"},
  };
  for (const auto& k : cases) {
    const std::string state = "st-" + random_hex(6);
    Params q{{"client_id", k.client_id}, {"redirect_uri", kTenantRedirect}, {"state", state}};
    q.insert(q.end(), k.params.begin(), k.params.end());
    HttpClient browser;
    HttpResponse r = browser.get(url_at("/authorize", q));
    ASSERT_EQ(r.status, 303) << k.what << ": " << r.body.substr(0, 300);
    // Exactly the registered URI, its own query kept, ours appended (RFC 6749 §3.1.2).
    EXPECT_EQ(r.location().rfind(kTenantRedirect + "&", 0), 0u) << k.what << ": " << r.location();
    auto list = query_list(r.location());
    auto p = query_params(r.location());
    EXPECT_EQ(p["error"], k.error) << k.what << ": " << r.location();
    EXPECT_EQ(p["tenant"], "1") << k.what;
    EXPECT_EQ(p["state"], state) << k.what;
    EXPECT_EQ(p["iss"], issuer()) << k.what << ": RFC 9207 §2";
    EXPECT_EQ(count_key(list, "iss"), 1u) << k.what;
    EXPECT_EQ(count_key(list, "code"), 0u) << k.what;
    EXPECT_EQ(browser.cookie("signet_session"), "") << k.what;
  }
}

TEST_F(FlowAttacksTest, LogoutNeverRedirectsToALookalikeOrAnotherClientsUri) {
  User u = user();
  Client c = rp();
  Client other = rp();
  HttpClient browser;
  AuthorizeRequest req = request(c, kRedirect, "openid");
  auto a = w().authorize(browser, req, u);
  ASSERT_FALSE(a.code().empty()) << a.last.body;
  auto t = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string id_token = t.json().at("id_token").get<std::string>();

  // Without an id_token_hint, with the client named by client_id (oidc_it covers
  // the hint): look-alikes of the registered URI get the signed-out page.
  const std::vector<std::string> lookalikes = {"https://evil.example/",
                                               "https://app.example@evil.example/logged-out",
                                               kLoggedOut + "/",
                                               kLoggedOut + "/../../evil",
                                               "https://APP.example/logged-out",
                                               "http://app.example/logged-out",
                                               kLoggedOut + "#x",
                                               "//evil.example/logged-out"};
  for (const auto& uri : lookalikes) {
    HttpClient anonymous;
    auto r = anonymous.get(
        url_at("/logout",
               {{"client_id", c.client_id}, {"post_logout_redirect_uri", uri}, {"state", "s"}}));
    EXPECT_EQ(r.status, 200) << uri;
    EXPECT_FALSE(r.has_header("location")) << uri << " -> " << r.location();
  }
  // A registered URI without the client it belongs to, or with an unknown client.
  for (const Params& p :
       {Params{{"post_logout_redirect_uri", kLoggedOut}},
        Params{{"client_id", "no-such-client"}, {"post_logout_redirect_uri", kLoggedOut}}}) {
    HttpClient anonymous;
    auto r = anonymous.get(url_at("/logout", p));
    EXPECT_FALSE(r.has_header("location")) << r.location();
  }
  // The hint of one client with client_id of another (OpenID RP-Initiated
  // Logout 1.0 §2: they must agree): refused, no redirect, still signed in.
  const std::string session = browser.cookie("signet_session");
  auto mixed = browser.get(url_at("/logout", {{"id_token_hint", id_token},
                                              {"client_id", other.client_id},
                                              {"post_logout_redirect_uri", kLoggedOut}}));
  expect_error_page(mixed, "id_token_hint of another client");
  EXPECT_EQ(browser.cookie("signet_session"), session);

  // The confirmation form (no hint, signed in) posted back with a look-alike
  // swapped in: signed out, but no redirect.
  auto confirm = browser.get(
      url_at("/logout", {{"client_id", c.client_id}, {"post_logout_redirect_uri", kLoggedOut}}));
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  auto fields = form_fields(confirm.body, "/logout");
  bool swapped = false;
  for (auto& [k, v] : fields) {
    if (k == "post_logout_redirect_uri") {
      v = "https://app.example@evil.example/logged-out";
      swapped = true;
    }
  }
  ASSERT_TRUE(swapped) << confirm.body;
  auto r = browser.post_form(issuer() + "/logout", fields);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.has_header("location")) << r.location();
  EXPECT_EQ(browser.cookie("signet_session"), "");
}

TEST_F(FlowAttacksTest, LoginReturnToCannotLeaveSignet) {
  // return_to is the authorization request's query; the login re-validates it
  // before redirecting (browser_security_it covers absolute and // URLs).
  Client c = app();
  User u = user();
  AuthorizeRequest good = request(c);
  AuthorizeRequest foreign = request(c);
  foreign.redirect_uri = "https://evil.example/cb";
  std::string base_query = w().authorize_url(good).substr(issuer().size() + 11);
  const std::vector<std::string> targets = {
      "//evil.example", "/\\evil.example", "https:evil.example", "https:/evil.example",
      "\\\\evil.example\\authorize", "/%2F%2Fevil.example", "@evil.example",
      // a well-formed authorization request naming an unregistered redirect URI
      w().authorize_url(foreign).substr(issuer().size() + 11),
      // a valid request with a header break or a fragment appended to a value
      base_query + "&x=%0d%0aSet-Cookie:%20signet_session=evil",
      base_query + "&x=\r\nSet-Cookie: signet_session=evil",
      base_query + "&x=\nSet-Cookie: signet_session=evil", base_query + "#@evil.example"};
  for (const auto& target : targets) {
    HttpClient browser;
    HttpResponse page = browser.get(w().authorize_url(good));
    ASSERT_EQ(page.status, 200);
    auto fields = form_fields(page.body, "/login");
    for (auto& [k, v] : fields) {
      if (k == "username") v = u.username;
      if (k == "password") v = u.password;
      if (k == "return_to") v = target;
    }
    HttpResponse r = browser.post_form(issuer() + "/login", fields);
    std::string loc = r.location();
    if (!loc.empty()) {
      // Back to Signet's /authorize, every byte of the query percent-encoded, and
      // naming only the registered redirect URI.
      EXPECT_EQ(loc.rfind(issuer() + "/authorize?", 0), 0u) << target << " -> " << loc;
      EXPECT_EQ(loc.find_first_of("\r\n#\\ @"), std::string::npos) << target << " -> " << loc;
      EXPECT_EQ(query_params(loc)["redirect_uri"], kRedirect) << target << " -> " << loc;
    } else {
      expect_error_page(r, "return_to " + target);
    }
    for (auto [it, end] = r.headers.equal_range("set-cookie"); it != end; ++it) {
      EXPECT_EQ(it->second.find("evil"), std::string::npos) << target << ": " << it->second;
    }
    EXPECT_NE(browser.cookie("signet_session"), "evil") << target;
  }
}

// ---------------------------------------------------------------------------
// 3. Code injection (§4.5) and PKCE downgrade (§4.8.2, §2.1.1)

TEST_F(FlowAttacksTest, CodeOfOneClientIsUselessToAnotherAndStaysRedeemableByItsOwner) {
  // RFC 6749 §4.1.3: the code must have been issued to the authenticated client.
  // A failed attempt by another client is not a "use" of the code (§4.1.2 speaks
  // of redemption), and burning it would let anyone who sees a code (referrer,
  // logs, §4.2) cancel the user's login. So the code stays bound to its client,
  // PKCE verifier and redirect URI, and its owner can still redeem it once.
  User u = user();
  Client owner = app();
  Client thief = app();  // same redirect URIs registered: only the binding stops it
  Client public_thief = app({kRedirect, kTenantRedirect}, "read:transactions", true);
  HttpClient browser;
  AuthorizeRequest req = request(owner);
  auto a = w().authorize(browser, req, u);
  ASSERT_FALSE(a.code().empty()) << a.last.body;

  HttpResponse by_thief = w().exchange_code(thief, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(by_thief.status, 400) << by_thief.body;
  EXPECT_EQ(by_thief.json().value("error", ""), "invalid_grant");
  HttpResponse by_public = w().exchange_code(public_thief, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(by_public.status, 400) << by_public.body;
  EXPECT_EQ(by_public.json().value("error", ""), "invalid_grant");
  for (const auto* r : {&by_thief, &by_public}) {
    EXPECT_EQ(r->body.find("access_token"), std::string::npos) << r->body;
  }
  auto used =
      w().db->query("SELECT used_at IS NULL FROM authorization_codes WHERE code_digest = $1",
                    {b64url(sha256(a.code()))});
  ASSERT_EQ(used.size(), 1u);
  EXPECT_EQ(used[0][0], "t") << "a failed attempt by another client redeemed the code";

  HttpResponse by_owner = w().exchange_code(owner, a.code(), kRedirect, req.code_verifier);
  EXPECT_EQ(by_owner.status, 200) << by_owner.body;
  EXPECT_EQ(
      jwt_claims(by_owner.json().at("access_token").get<std::string>()).value("client_id", ""),
      owner.client_id);
}

TEST_F(FlowAttacksTest, CodeIsBoundToTheRedirectUriOfItsRequest) {
  // RFC 6749 §4.1.3: the redemption names the same redirect_uri; another URI
  // registered for the same client does not do (flow_it covers an unregistered one).
  User u = user();
  Client c = app();
  HttpClient browser;
  AuthorizeRequest req = request(c, kTenantRedirect);
  auto a = w().authorize(browser, req, u);
  ASSERT_FALSE(a.code().empty()) << a.redirect << a.last.body;
  for (const std::string& uri :
       {kRedirect, std::string("https://app.example/cb2"), kTenantRedirect + "&x=1"}) {
    HttpResponse r = w().exchange_code(c, a.code(), uri, req.code_verifier);
    EXPECT_EQ(r.status, 400) << uri << ": " << r.body;
    EXPECT_EQ(r.json().value("error", ""), "invalid_grant") << uri;
  }
  HttpResponse missing = w().token_request({{"grant_type", "authorization_code"},
                                            {"code", a.code()},
                                            {"code_verifier", req.code_verifier}},
                                           &c);
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(missing.json().value("error", ""), "invalid_request");
  EXPECT_EQ(w().exchange_code(c, a.code(), kTenantRedirect, req.code_verifier).status, 200);
}

TEST_F(FlowAttacksTest, PkceDowngradeToPlainOrNoneIsRefused) {
  // RFC 7636 §4.3: a challenge without a method means "plain". An attacker who
  // strips or changes the method must not obtain a code usable without S256.
  User u = user();
  Client c = app();
  HttpClient browser;
  ASSERT_FALSE(w().authorize(browser, request(c), u).code().empty());
  const std::string verifier = std::string(43, 'v');
  struct Case {
    std::string what;
    Params extra;
  };
  const std::vector<Case> cases = {
      {"challenge without a method (defaults to plain)", {{"code_challenge", verifier}}},
      {"method plain, challenge = verifier",
       {{"code_challenge", verifier}, {"code_challenge_method", "plain"}}},
      {"method S256 without a challenge", {{"code_challenge_method", "S256"}}},
      {"empty challenge", {{"code_challenge", ""}, {"code_challenge_method", "S256"}}},
      {"unknown method",
       {{"code_challenge", pkce_challenge(verifier)}, {"code_challenge_method", "S512"}}},
  };
  for (const auto& k : cases) {
    AuthorizeRequest req = request(c);
    req.code_verifier.clear();
    req.extra = k.extra;
    HttpResponse r = browser.get(w().authorize_url(req));
    ASSERT_EQ(r.status, 303) << k.what << ": " << r.body.substr(0, 300);
    auto p = query_params(r.location());
    EXPECT_EQ(p["error"], "invalid_request") << k.what << ": " << r.location();
    EXPECT_EQ(p.count("code"), 0u) << k.what;
  }
  auto meta = HttpClient().get(issuer() + "/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(meta["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
}

TEST_F(FlowAttacksTest, VerifierOfWrongLengthOrCharsetIsRefusedEvenWhenItsHashMatches) {
  // RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. The challenge
  // here is the true S256 of each bad verifier, so only that rule can refuse it.
  User u = user();
  Client c = app();
  HttpClient browser;
  ASSERT_FALSE(w().authorize(browser, request(c), u).code().empty());
  const std::vector<std::string> bad = {std::string(42, 'a'),
                                        std::string(129, 'a'),
                                        std::string(42, 'a') + "+",
                                        std::string(42, 'a') + "/",
                                        std::string(42, 'a') + "=",
                                        std::string(42, 'a') + " ",
                                        std::string(42, 'a') + "\xc3\xa9",
                                        std::string(42, 'a') + "%"};
  for (const auto& verifier : bad) {
    AuthorizeRequest req = request(c);
    req.code_verifier.clear();
    req.extra = {{"code_challenge", pkce_challenge(verifier)}, {"code_challenge_method", "S256"}};
    HttpResponse r = browser.get(w().authorize_url(req));
    std::string code = query_params(r.location())["code"];
    ASSERT_FALSE(code.empty()) << r.status << " " << r.location();
    HttpResponse t = w().token_request({{"grant_type", "authorization_code"},
                                        {"code", code},
                                        {"redirect_uri", kRedirect},
                                        {"code_verifier", verifier}},
                                       &c);
    EXPECT_EQ(t.status, 400) << "verifier of " << verifier.size() << " bytes: " << t.body;
    EXPECT_EQ(t.body.find("access_token"), std::string::npos);
  }
  // Control: 43 and 128 characters of the whole alphabet are accepted.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  for (const std::string& verifier :
       {alphabet.substr(0, 43), (alphabet + alphabet).substr(4, 128)}) {
    AuthorizeRequest req = request(c);
    req.code_verifier = verifier;
    auto a = w().authorize(browser, req, u);
    ASSERT_FALSE(a.code().empty());
    EXPECT_EQ(w().exchange_code(c, a.code(), kRedirect, verifier).status, 200) << verifier;
  }
}

// ---------------------------------------------------------------------------
// 4. Mix-up (§4.4; RFC 9207)

TEST_F(FlowAttacksTest, EveryAuthorizationResponseNamesTheIssuer) {
  HttpClient http;
  for (const std::string doc :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto meta = http.get(issuer() + doc).json();
    EXPECT_EQ(meta["authorization_response_iss_parameter_supported"], true) << doc;
    EXPECT_EQ(meta["issuer"], issuer()) << doc;
  }
  User u = user();
  Client c = app();
  auto check = [&](const std::string& what, const std::string& location, const std::string& field) {
    auto list = query_list(location);
    EXPECT_EQ(count_key(list, field), 1u) << what << ": " << location;
    EXPECT_EQ(count_key(list, "iss"), 1u) << what << ": " << location;
    EXPECT_EQ(query_params(location)["iss"], issuer()) << what << ": " << location;
  };
  HttpClient browser;
  // Denied at the consent page.
  auto denied = w().authorize(browser, request(c), u, "deny");
  EXPECT_EQ(denied.params["error"], "access_denied") << denied.redirect;
  check("access_denied", denied.redirect, "error");
  // Success, from the consent page and then straight from /authorize.
  auto granted = w().authorize(browser, request(c), u);
  check("code after consent", granted.redirect, "code");
  auto again = browser.get(w().authorize_url(request(c)));
  ASSERT_EQ(again.status, 303);
  check("code without consent page", again.location(), "code");
  // Errors: consent_required by prompt=none, and invalid_scope.
  AuthorizeRequest none = request(c, kRedirect, "read:accounts");
  none.extra = {{"prompt", "none"}};
  auto cr = browser.get(w().authorize_url(none));
  EXPECT_EQ(query_params(cr.location())["error"], "consent_required") << cr.location();
  check("consent_required", cr.location(), "error");
  auto scope = browser.get(w().authorize_url(request(c, kRedirect, "write:payments")));
  check("invalid_scope", scope.location(), "error");
  // An attacker-chosen state cannot smuggle in a second iss or code.
  AuthorizeRequest smuggle = request(c);
  smuggle.state = "x&iss=https://evil.example&code=forged";
  auto s = browser.get(w().authorize_url(smuggle));
  check("state with &iss=", s.location(), "code");
  EXPECT_EQ(query_params(s.location())["state"], smuggle.state);
}

// ---------------------------------------------------------------------------
// 5. CSRF, framing, session fixation (RFC 6749 §10.12, §10.13; §4.7, §4.16)

TEST_F(FlowAttacksTest, ConsentCsrfTokenDiesWithItsSession) {
  // browser_security_it covers a missing token, another session's token and no
  // session at all; here the token of this browser's previous session.
  User u = user();
  Client c = app();
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(c)));
  ASSERT_EQ(submit_login(browser, issuer(), login, u.username, u.password).status, 303);
  const std::string first_session = browser.cookie("signet_session");
  HttpResponse consent = browser.get(w().authorize_url(request(c)));
  const std::string old_token = form_value(consent.body, "csrf_token");
  ASSERT_FALSE(old_token.empty()) << consent.body;
  EXPECT_NE(old_token, first_session) << "the CSRF token must not be the session id";
  EXPECT_EQ(consent.body.find(first_session), std::string::npos) << "session id in the page";
  EXPECT_GE(old_token.size(), 22u) << "fewer than 128 bits: " << old_token;

  // Signed in again (prompt=login): a new session with a new token.
  AuthorizeRequest relogin = request(c);
  relogin.extra = {{"prompt", "login"}};
  HttpResponse page = browser.get(w().authorize_url(relogin));
  ASSERT_EQ(submit_login(browser, issuer(), page, u.username, u.password).status, 303);
  ASSERT_NE(browser.cookie("signet_session"), first_session);
  HttpResponse fresh = browser.get(w().authorize_url(request(c)));
  auto fields = form_fields(fresh.body, "/consent");
  ASSERT_FALSE(fields.empty()) << fresh.body;
  EXPECT_NE(form_value(fresh.body, "csrf_token"), old_token);
  for (auto& [k, v] : fields) {
    if (k == "csrf_token") v = old_token;
  }
  fields.emplace_back("decision", "allow");
  HttpResponse r = browser.post_form(issuer() + "/consent", fields);
  expect_error_page(r, "consent with the previous session's token");
  EXPECT_EQ(codes_of(c), "0");
}

TEST_F(FlowAttacksTest, LoginCsrfTokenOfAnotherBrowserIsRefused) {
  // Login CSRF (RFC 6749 §10.12): the attacker's own, genuine form token, sent
  // from the victim's browser to sign the victim in as the attacker.
  Client c = app();
  User mallory = user("mallory");
  HttpClient attacker;
  HttpResponse theirs = attacker.get(w().authorize_url(request(c)));
  const std::string attacker_token = form_value(theirs.body, "csrf_token");
  ASSERT_FALSE(attacker_token.empty());

  HttpClient victim;
  HttpResponse own = victim.get(w().authorize_url(request(c)));
  ASSERT_EQ(own.status, 200);
  auto fields = form_fields(own.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = mallory.username;
    if (k == "password") v = mallory.password;
    if (k == "csrf_token") v = attacker_token;
  }
  HttpResponse r = victim.post_form(issuer() + "/login", fields);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_FALSE(r.has_header("location")) << r.location();
  EXPECT_EQ(victim.cookie("signet_session"), "") << "the victim was signed in as the attacker";
}

TEST_F(FlowAttacksTest, EveryPageRefusesToBeFramed) {
  // browser_security_it covers the login, consent and /authorize error pages.
  User u = user();
  Client c = rp();
  HttpClient browser;
  HttpResponse login = browser.get(w().authorize_url(request(c, kRedirect, "openid")));
  expect_anti_framing(submit_login(browser, issuer(), login, u.username, "wrong"),
                      "login failure page");
  HttpClient anonymous;
  expect_anti_framing(anonymous.get(issuer() + "/account/apps"), "connected apps sign-in page");
  expect_anti_framing(anonymous.post_form(issuer() + "/consent", {{"csrf_token", "x"}}),
                      "consent without a session");
  expect_anti_framing(anonymous.request("POST", issuer() + "/login", "{}", {}, "application/json"),
                      "415 page");
  expect_anti_framing(anonymous.post_form(issuer() + "/login", {{"csrf_token", "x"}}),
                      "login CSRF failure page");
  expect_anti_framing(anonymous.get(issuer() + "/authorize?x=%zz"), "malformed request page");

  auto a = w().authorize(browser, request(c, kRedirect, "openid"), u);
  ASSERT_FALSE(a.code().empty()) << a.last.body;
  expect_anti_framing(browser.get(issuer() + "/account/apps"), "connected apps page");
  expect_anti_framing(browser.get(issuer() + "/logout"), "logout confirmation page");
  expect_anti_framing(browser.post_form(issuer() + "/logout", {{"csrf_token", "x"}}),
                      "logout CSRF failure page");
  expect_anti_framing(anonymous.get(issuer() + "/logout"), "signed-out page");
}

TEST_F(FlowAttacksTest, AttackersOwnSessionPlantedBeforeLoginIsReplacedAndEnded) {
  // Session fixation (OWASP Session Management): the attacker plants the cookie
  // of a session of their own (browser_security_it plants an unknown id).
  User victim = user();
  User mallory = user("mallory");
  Client c = app();
  HttpClient attacker;
  ASSERT_FALSE(w().authorize(attacker, request(c), mallory).code().empty());
  const std::string planted = attacker.cookie("signet_session");
  ASSERT_FALSE(planted.empty());

  HttpClient browser;
  browser.set_cookie("127.0.0.1", "signet_session", planted);
  AuthorizeRequest req = request(c);
  req.extra = {{"prompt", "login"}};
  auto a = w().authorize(browser, req, victim);
  ASSERT_FALSE(a.code().empty()) << a.last.body;
  EXPECT_NE(browser.cookie("signet_session"), planted);
  auto t = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(jwt_claims(t.json().at("access_token").get<std::string>()).value("sub", ""),
            victim.subject)
      << "the code was issued for the planted session's user";

  // The planted id is not the victim's session: it was ended at the login.
  auto rows = w().db->query("SELECT subject::text FROM sessions WHERE id_digest = $1",
                            {b64url(sha256(planted))});
  for (const auto& row : rows) EXPECT_NE(row[0], victim.subject);
  HttpResponse theirs = attacker.get(w().authorize_url(request(c)));
  EXPECT_NE(theirs.status, 303) << "the attacker's cookie still opens a session: "
                                << theirs.location();
}

// ---------------------------------------------------------------------------
// 6. User enumeration (OWASP Authentication Cheat Sheet: the same message, status
//    and time for an unknown user and a wrong password)

TEST_F(FlowAttacksTest, UnknownUserAndWrongPasswordLookAndTakeTheSame) {
  Client c = app();
  constexpr int kAttempts = 15;
  // A different account per attempt: no throttling per account can kick in.
  std::vector<User> known;
  for (int i = 0; i < kAttempts; ++i) known.push_back(user("known"));
  HttpClient browser;
  HttpResponse page = browser.get(w().authorize_url(request(c)));
  ASSERT_EQ(page.status, 200);

  auto attempt = [&](const std::string& username, double* ms) {
    auto fields = form_fields(page.body, "/login");
    for (auto& [k, v] : fields) {
      if (k == "username") v = username;
      if (k == "password") v = "not the password";
    }
    auto start = std::chrono::steady_clock::now();
    HttpResponse r = browser.post_form(issuer() + "/login", fields);
    *ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  // Compare pages with the username (echoed into the form) and CSRF token blanked.
  auto normalized = [](std::string body, const std::string& username) {
    for (size_t p; (p = body.find(username)) != std::string::npos;)
      body.replace(p, username.size(), "USER");
    const std::string csrf = form_value(body, "csrf_token");
    for (size_t p; !csrf.empty() && (p = body.find(csrf)) != std::string::npos;) {
      body.replace(p, csrf.size(), "CSRF");
    }
    return body;
  };
  double warm = 0;
  attempt(w().unique("warmup"), &warm);  // the first unknown user computes the dummy hash

  std::vector<double> known_ms, unknown_ms;
  std::string known_body, unknown_body;
  for (int i = 0; i < kAttempts; ++i) {  // interleaved, so drift hits both alike
    double ms = 0;
    HttpResponse k = attempt(known[i].username, &ms);
    known_ms.push_back(ms);
    EXPECT_EQ(k.status, 401) << k.body.substr(0, 300);
    std::string unknown_name = known[i].username;
    unknown_name[0] = 'u';  // same length, never registered
    HttpResponse n = attempt(unknown_name, &ms);
    unknown_ms.push_back(ms);
    EXPECT_EQ(n.status, 401) << n.body.substr(0, 300);
    EXPECT_EQ(k.headers.count("set-cookie"), n.headers.count("set-cookie"));
    if (i == 0) {
      known_body = normalized(k.body, known[i].username);
      unknown_body = normalized(n.body, unknown_name);
    }
  }
  EXPECT_EQ(known_body, unknown_body) << "the pages differ for a known and an unknown user";
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double k = median(known_ms), n = median(unknown_ms);
  const double ratio = n / k;
  std::cout << "login failure median: known user " << k << " ms, unknown user " << n
            << " ms, ratio " << ratio << "\n";
  EXPECT_GT(ratio, 0.5) << "an unknown user is answered faster: the password check is skipped";
  EXPECT_LT(ratio, 2.0) << "an unknown user is answered slower";
}

// ---------------------------------------------------------------------------
// 7. state, nonce, and the authorization code itself (§4.2.4, §4.5.3, RFC 6749 §10.10)

TEST_F(FlowAttacksTest, StateAndNonceRoundTripUnchanged) {
  User u = user();
  Client c = rp();
  const std::string odd = "a b+c&d=e/f?g#h%20i<j>\"k'l\xc3\xa9m;n,o";
  const std::string state = odd + "|" + random_hex(100);
  const std::string nonce = odd + "|" + random_hex(8);
  HttpClient browser;
  AuthorizeRequest req = request(c, kRedirect, "openid read:accounts");
  req.state = state;
  req.extra = {{"nonce", nonce}};
  auto a = w().authorize(browser, req, u);
  ASSERT_FALSE(a.code().empty()) << a.redirect << a.last.body;
  EXPECT_EQ(a.params["state"], state);
  auto list = query_list(a.redirect);
  EXPECT_EQ(list.size(), 3u) << "code, state and iss only: " << a.redirect;
  auto t = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(jwt_claims(t.json().at("id_token").get<std::string>()).value("nonce", ""), nonce);

  // And on an error redirect.
  AuthorizeRequest denied = request(c, kRedirect, "openid");
  denied.state = state;
  denied.extra = {{"prompt", "consent"}};
  auto d = w().authorize(browser, denied, u, "deny");
  EXPECT_EQ(d.params["error"], "access_denied") << d.redirect;
  EXPECT_EQ(d.params["state"], state);
}

TEST_F(FlowAttacksTest, CodesAreUnguessableAndStoredOnlyAsDigests) {
  User u = user();
  Client c = app();
  HttpClient browser;
  ASSERT_FALSE(w().authorize(browser, request(c), u).code().empty());
  std::set<std::string> codes;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = browser.get(w().authorize_url(request(c)));
    ASSERT_EQ(r.status, 303) << r.body;
    std::string code = query_params(r.location())["code"];
    // RFC 6749 §10.10, RFC 6819 §5.1.4.2.2: at least 128 bits; base64url
    // carries 6 bits a character.
    EXPECT_GE(code.size() * 6, 128u) << code;
    EXPECT_EQ(
        code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << code;
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 20u) << "codes repeat";
  // RFC 6819 §5.1.4.1.3: the store keeps a digest, never the code; nor do the logs.
  const std::string log = w().signet.process->log();
  for (const auto& code : codes) {
    auto found = w().db->query(
        "SELECT count(*) FROM authorization_codes a WHERE strpos(a::text, $1) > 0", {code});
    EXPECT_EQ(found[0][0], "0") << "code stored in clear";
    EXPECT_EQ(log.find(code), std::string::npos) << "code in the log";
  }
  EXPECT_EQ(w().db->query("SELECT count(*) FROM authorization_codes WHERE client_id = $1 AND "
                          "code_digest = $2",
                          {c.client_id, b64url(sha256(*codes.begin()))})[0][0],
            "1");
}

TEST_F(FlowAttacksTest, ConcurrentRedemptionsOfOneCodeYieldOneTokenAtMost) {
  // §4.5.3 / RFC 6749 §4.1.2: single use, also when the attacker races the client.
  User u = user();
  Client c = app();
  HttpClient browser;
  AuthorizeRequest req = request(c);
  auto a = w().authorize(browser, req, u);
  ASSERT_FALSE(a.code().empty());
  constexpr int kRacers = 8;
  std::vector<HttpResponse> results(kRacers);
  std::atomic<bool> go{false};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
    });
  }
  go = true;
  for (auto& t : racers) t.join();
  int ok = 0;
  std::string jti;
  for (const auto& r : results) {
    if (r.status == 200) {
      ++ok;
      jti = jwt_claims(r.json().at("access_token").get<std::string>()).value("jti", "");
    } else {
      EXPECT_EQ(r.status, 400) << r.body;
      EXPECT_EQ(r.json().value("error", ""), "invalid_grant") << r.body;
    }
  }
  EXPECT_EQ(ok, 1) << "one code bought " << ok << " tokens";
  // The replays revoke what the first redemption issued.
  if (!jti.empty()) {
    EXPECT_EQ(w().db->query("SELECT count(*) FROM revoked_tokens WHERE jti = $1", {jti})[0][0],
              "1");
  }
}

TEST_F(FlowAttacksTest, CodesExpireAfterTheConfiguredLifetime) {
  // §4.1.1 / RFC 6749 §4.1.2: short-lived codes. The default is 60 s, the
  // maximum; a server configured with 1 s refuses a code 2 s old.
  User u = user();
  Client c = app();
  HttpClient browser;
  auto a = w().authorize(browser, request(c), u);
  ASSERT_FALSE(a.code().empty());
  auto life =
      w().db->query("SELECT expires_at - issued_at FROM authorization_codes WHERE code_digest = $1",
                    {b64url(sha256(a.code()))});
  ASSERT_EQ(life.size(), 1u);
  EXPECT_EQ(life[0][0], "60");

  static std::string why;
  static Server quick = w().start_signet({{"SIGNET_CODE_TTL", "1"}}, &why);
  ASSERT_TRUE(quick.process) << why;
  // The same database: the session and consent of `browser` hold there too.
  AuthorizeRequest req = request(c);
  std::string url = w().authorize_url(req);
  url.replace(0, issuer().size(), quick.base_url);
  HttpResponse r = browser.get(url);
  ASSERT_EQ(r.status, 303) << r.body;
  std::string code = query_params(r.location())["code"];
  ASSERT_FALSE(code.empty()) << r.location();
  EXPECT_EQ(query_params(r.location())["iss"], quick.base_url);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  HttpClient http;
  HttpResponse t = http.post_form(quick.base_url + "/token",
                                  {{"grant_type", "authorization_code"},
                                   {"code", code},
                                   {"redirect_uri", kRedirect},
                                   {"code_verifier", req.code_verifier}},
                                  {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  EXPECT_EQ(t.status, 400) << t.body;
  EXPECT_EQ(t.json().value("error", ""), "invalid_grant") << t.body;
  EXPECT_EQ(t.body.find("access_token"), std::string::npos);
}

}  // namespace
}  // namespace signet::it
