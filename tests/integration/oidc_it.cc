// OpenID Connect Core 1.0 over HTTP against the real signet: ID tokens (nonce,
// at_hash, auth_time), prompt and max_age, /userinfo, discovery, single sign-on
// and RP-initiated logout. The tests act as the relying party.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://rp.example.com/callback";
const std::string kLoggedOut = "https://rp.example.com/logged-out";
const std::string kPassword = "correct horse battery staple";

class OidcTest : public IntegrationTest {
 protected:
  User alice() {
    User u{w().unique("alice"), kPassword, ""};
    auto r = w().cli({"user", "add", u.username, "--password-stdin", "--name", "Alice Martin",
                      "--email", u.username + "@example.com", "--email-verified"},
                     kPassword + "\n");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    u.subject = nlohmann::json::parse(r.out).at("subject").get<std::string>();
    return u;
  }
  Client rp(const std::string& extra_alg = {}) {
    std::vector<std::string> args{"client",         "add",     "--name",
                                  w().unique("RP"), "--scope", "openid profile email read:accounts",
                                  "--redirect-uri", kRedirect, "--post-logout-redirect-uri",
                                  kLoggedOut};
    if (!extra_alg.empty()) {
      args.push_back("--id-token-alg");
      args.push_back(extra_alg);
    }
    auto r = w().cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Client c;
    c.raw = nlohmann::json::parse(r.out);
    c.client_id = c.raw.at("client_id").get<std::string>();
    c.client_secret = c.raw.at("client_secret").get<std::string>();
    c.redirect_uris = {kRedirect};
    return c;
  }
  AuthorizeRequest request(const Client& c, const std::string& scope,
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
    return AuthorizeRequest{c.client_id,    kRedirect,      scope,
                            random_hex(12), random_hex(32), std::move(extra)};
  }
  // The whole code flow; returns the token response.
  nlohmann::json tokens(HttpClient& browser, const Client& c, const User& u,
                        const AuthorizeRequest& req, AuthorizationResult* result = nullptr) {
    auto a = w().authorize(browser, req, u);
    if (result) *result = a;
    EXPECT_FALSE(a.code().empty()) << a.redirect << a.last.body;
    auto t = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
    EXPECT_EQ(t.status, 200) << t.body;
    return t.json();
  }
};

TEST_F(OidcTest, IdTokenCarriesNonceAtHashAuthTimeAndClaimsByScope) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  const std::string nonce = random_hex(16);
  const int64_t before = now_seconds();
  auto t = tokens(browser, c, u, request(c, "openid profile", {{"nonce", nonce}}));
  ASSERT_TRUE(t.contains("id_token")) << t.dump();
  const std::string id_token = t["id_token"];
  auto h = jwt_header(id_token);
  auto claims = jwt_claims(id_token);
  EXPECT_EQ(h["alg"], "RS256");
  EXPECT_EQ(h["typ"], "JWT");
  EXPECT_EQ(claims["iss"], w().signet.base_url);
  EXPECT_EQ(claims["aud"], c.client_id);
  EXPECT_EQ(claims["sub"], u.subject);
  EXPECT_EQ(claims["nonce"], nonce);
  EXPECT_GE(claims["auth_time"].get<int64_t>(), before - 1);
  EXPECT_GT(claims["exp"].get<int64_t>(), claims["iat"].get<int64_t>());
  const std::string digest = sha256(t["access_token"].get<std::string>());
  EXPECT_EQ(claims["at_hash"], b64url(digest.substr(0, 16)));
  EXPECT_EQ(claims["name"], "Alice Martin");
  EXPECT_EQ(claims["preferred_username"], u.username);
  EXPECT_FALSE(claims.contains("email")) << "email claim without the email scope";

  // The RP compares the nonce it stored with the one in the token: a token minted
  // for another request is recognised.
  auto other = tokens(browser, c, u, request(c, "openid", {{"nonce", random_hex(16)}}));
  EXPECT_NE(jwt_claims(other["id_token"].get<std::string>())["nonce"], nonce);

  // The signature verifies against the published RS256 key.
  auto jwks = HttpClient().get(w().signet.base_url + "/jwks").json();
  bool found = false;
  for (const auto& k : jwks["keys"]) found = found || (k["kid"] == h["kid"] && k["kty"] == "RSA");
  EXPECT_TRUE(found) << jwks.dump();
}

TEST_F(OidcTest, Es256IdTokenWhenTheClientAsks) {
  User u = alice();
  Client c = rp("ES256");
  EXPECT_EQ(c.raw["id_token_signed_response_alg"], "ES256");
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "openid"));
  EXPECT_EQ(jwt_header(t["id_token"].get<std::string>())["alg"], "ES256");
  EXPECT_FALSE(jwt_claims(t["id_token"].get<std::string>()).contains("nonce"));
}

TEST_F(OidcTest, NoIdTokenWithoutOpenid) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "read:accounts"));
  EXPECT_FALSE(t.contains("id_token"));
}

TEST_F(OidcTest, PromptNoneWithoutSessionIsLoginRequired) {
  Client c = rp();
  HttpClient browser;
  auto req = request(c, "openid", {{"prompt", "none"}});
  auto r = browser.get(w().authorize_url(req));
  ASSERT_EQ(r.status, 303) << r.body;
  auto p = query_params(r.location());
  EXPECT_EQ(r.location().rfind(kRedirect + "?", 0), 0u);
  EXPECT_EQ(p["error"], "login_required");
  EXPECT_EQ(p["state"], req.state);
  EXPECT_EQ(p["iss"], w().signet.base_url);
}

TEST_F(OidcTest, PromptNoneWithSessionButNoConsentIsConsentRequiredThenIssues) {
  User u = alice();
  Client c = rp();
  Client other = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid"));  // session and consent for c
  auto r = browser.get(w().authorize_url(request(other, "openid", {{"prompt", "none"}})));
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(query_params(r.location())["error"], "consent_required");
  r = browser.get(w().authorize_url(request(c, "openid", {{"prompt", "none"}})));
  ASSERT_EQ(r.status, 303);
  EXPECT_FALSE(query_params(r.location())["code"].empty()) << r.location();
}

TEST_F(OidcTest, PromptLoginForcesLoginEvenWithASession) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid"));
  AuthorizationResult a;
  a = w().authorize(browser, request(c, "openid"), u);
  EXPECT_TRUE(a.pages.empty()) << "session and consent: straight back";
  a = w().authorize(browser, request(c, "openid", {{"prompt", "login"}}), u);
  ASSERT_EQ(a.pages, std::vector<std::string>{"login"});
  EXPECT_FALSE(a.code().empty()) << "after the login the flow continues: " << a.last.body;
}

TEST_F(OidcTest, PromptConsentAlwaysShowsConsent) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid"));
  auto a = w().authorize(browser, request(c, "openid", {{"prompt", "consent"}}), u);
  EXPECT_EQ(a.pages, std::vector<std::string>{"consent"});
  EXPECT_FALSE(a.code().empty());
}

TEST_F(OidcTest, MaxAgeOlderSessionMustLoginAgain) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto first = tokens(browser, c, u, request(c, "openid"));
  const int64_t first_auth = jwt_claims(first["id_token"].get<std::string>())["auth_time"];
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  AuthorizationResult a;
  auto t = tokens(browser, c, u, request(c, "openid", {{"max_age", "3600"}}), &a);
  EXPECT_TRUE(a.pages.empty());
  EXPECT_EQ(jwt_claims(t["id_token"].get<std::string>())["auth_time"], first_auth);
  t = tokens(browser, c, u, request(c, "openid", {{"max_age", "1"}}), &a);
  EXPECT_EQ(a.pages, std::vector<std::string>{"login"});
  EXPECT_GT(jwt_claims(t["id_token"].get<std::string>())["auth_time"].get<int64_t>(), first_auth);
}

// Signet's own parameters (the login mark) never come from the query: with a
// live session, prompt=login and max_age still show the sign-in page whatever
// internal parameter is added, and a mark made for another session (here the
// same user's, in another browser) counts for nothing.
TEST_F(OidcTest, InternalParametersFromTheQueryNeverSatisfyPromptLoginOrMaxAge) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid"));  // session and consent
  // Another session of the same user, logged in through prompt=login: the way
  // back from /login carries that session's mark.
  HttpClient other;
  tokens(other, c, u, request(c, "openid"));
  auto page = other.get(w().authorize_url(request(c, "openid", {{"prompt", "login"}})));
  ASSERT_NE(page.body.find("action=\"/login\""), std::string::npos) << page.status;
  auto fields = login_fields(page.body, u);
  auto back = other.post_form(w().signet.base_url + "/login", fields);
  ASSERT_EQ(back.status, 303) << back.body;
  auto marked = query_params(back.location());
  ASSERT_FALSE(marked["signet_login_mark"].empty()) << back.location();
  ASSERT_FALSE(marked["signet_login_time"].empty()) << back.location();
  // max_age=0 asks for a login once the browser's session is a second old.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  const std::string now = std::to_string(now_seconds());
  const std::vector<std::vector<std::pair<std::string, std::string>>> internal = {
      {{"signet_login_after", "0"}},
      {{"signet_login_after", now}},
      {{"signet_login_time", now}},
      {{"signet_login_time", now}, {"signet_login_mark", random_hex(32)}},
      {{"signet_login_after", "0"}, {"signet_login_time", now}, {"signet_login_mark", "x"}},
      {{"signet_login_time", marked["signet_login_time"]},
       {"signet_login_mark", marked["signet_login_mark"]}},
  };
  for (const auto& asked :
       std::vector<std::pair<std::string, std::string>>{{"prompt", "login"}, {"max_age", "0"}}) {
    for (const auto& extra : internal) {
      auto params = extra;
      params.push_back(asked);
      auto r = browser.get(w().authorize_url(request(c, "openid", params)));
      EXPECT_EQ(r.status, 200) << asked.first << " with " << extra.front().first << ": "
                               << r.location();
      EXPECT_NE(r.body.find("action=\"/login\""), std::string::npos)
          << asked.first << " with " << extra.front().first;
    }
  }
  // The mark works for the session it was made for: the flow completes there.
  auto done = other.get(back.location());
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_FALSE(query_params(done.location())["code"].empty()) << done.location();
}

TEST_F(OidcTest, LoginHintPrefillsTheUsername) {
  Client c = rp();
  HttpClient browser;
  auto r = browser.get(w().authorize_url(request(c, "openid", {{"login_hint", "bob-hint"}})));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(form_value(r.body, "username"), "bob-hint");
}

TEST_F(OidcTest, UserinfoReturnsClaimsByScope) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "openid email"));
  const std::string at = t["access_token"];
  HttpClient http;
  auto r = http.get(w().signet.base_url + "/userinfo", {{"Authorization", "Bearer " + at}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["sub"], u.subject);
  EXPECT_EQ(j["email"], u.username + "@example.com");
  EXPECT_EQ(j["email_verified"], true);
  EXPECT_FALSE(j.contains("name"));
  r = http.request("POST", w().signet.base_url + "/userinfo", "",
                   {{"Authorization", "Bearer " + at}});
  EXPECT_EQ(r.status, 200) << r.body;

  // Errors per RFC 6750.
  r = http.get(w().signet.base_url + "/userinfo");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u);
  r = http.get(w().signet.base_url + "/userinfo",
               {{"Authorization", "Bearer " + t["id_token"].get<std::string>()}});
  EXPECT_EQ(r.status, 401) << "an ID token is not an access token";
  EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos);
  auto no_openid = tokens(browser, c, u, request(c, "read:accounts"));
  r = http.get(w().signet.base_url + "/userinfo",
               {{"Authorization", "Bearer " + no_openid["access_token"].get<std::string>()}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.header("www-authenticate").find("insufficient_scope"), std::string::npos);
}

// RFC 6750 §3.1, as bank-api answers: no bearer credentials (no header, another
// scheme) is a bare 401 challenge without an error code; a malformed Bearer value
// is 400 invalid_request; a well-formed but bad token is 401 invalid_token.
TEST_F(OidcTest, UserinfoAnswersPerRfc6750) {
  HttpClient http;
  const std::string url = w().signet.base_url + "/userinfo";
  for (const Headers& h : {Headers{}, Headers{{"Authorization", "Basic " + b64url("a:b")}}}) {
    auto r = http.get(url, h);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"signet\"");
    EXPECT_FALSE(r.json().contains("error")) << r.body;
  }
  for (const std::string& v : {std::string("Bearer"), std::string("Bearer a b"),
                               std::string("Bearer a\"b"), std::string("Bearer abc@def")}) {
    auto r = http.get(url, {{"Authorization", v}});
    EXPECT_EQ(r.status, 400) << v << ": " << r.body;
    EXPECT_EQ(
        r.header("www-authenticate").rfind("Bearer realm=\"signet\", error=\"invalid_request\"", 0),
        0u)
        << v << ": " << r.header("www-authenticate");
    EXPECT_EQ(r.json().value("error", ""), "invalid_request") << v;
  }
  auto bad = http.get(url, {{"Authorization", "Bearer not.a.token"}});
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_NE(bad.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
  EXPECT_EQ(bad.json().value("error", ""), "invalid_token");
}

TEST_F(OidcTest, UserinfoRefusesARevokedAccessToken) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "openid email"));
  const std::string at = t["access_token"];
  HttpClient http;
  const Headers bearer = {{"Authorization", "Bearer " + at}};
  ASSERT_EQ(http.get(w().signet.base_url + "/userinfo", bearer).status, 200);
  auto revoked = http.post_form(w().signet.base_url + "/revoke",
                                {{"token", at}, {"token_type_hint", "access_token"}},
                                {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  auto r = http.get(w().signet.base_url + "/userinfo", bearer);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos);
}

// OpenID Connect Core §11: a sign-in gets a refresh token only when
// offline_access was requested and granted; the consent page names it.
// Plain OAuth (no openid) keeps the client's refresh_token grant as the rule.
TEST_F(OidcTest, RefreshTokenOnlyWithOfflineAccess) {
  User u = alice();
  Client c =
      w().add_client(w().unique("OfflineRp"), {kRedirect}, "openid offline_access read:accounts",
                     false, {"authorization_code", "refresh_token"});
  HttpClient browser;
  auto online = tokens(browser, c, u, request(c, "openid read:accounts"));
  EXPECT_TRUE(online.contains("id_token")) << online.dump();
  EXPECT_FALSE(online.contains("refresh_token")) << online.dump();

  AuthorizeRequest req = request(c, "openid offline_access read:accounts");
  auto consent = browser.get(w().authorize_url(req));
  EXPECT_NE(consent.body.find("action=\"/consent\""), std::string::npos) << consent.body;
  EXPECT_NE(consent.body.find("Keep access while you are not using the app"), std::string::npos)
      << consent.body;
  auto offline = tokens(browser, c, u, req);
  ASSERT_TRUE(offline.contains("refresh_token")) << offline.dump();
  auto refreshed =
      w().token_request({{"grant_type", "refresh_token"},
                         {"refresh_token", offline["refresh_token"].get<std::string>()}},
                        &c);
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;

  auto plain = tokens(browser, c, u, request(c, "read:accounts"));
  EXPECT_TRUE(plain.contains("refresh_token")) << plain.dump();
}

// OpenID Connect Core §3.1.2.1: POST /authorize with the parameters as a form
// body is the same request as GET; a repeated parameter is refused.
TEST_F(OidcTest, AuthorizeAcceptsTheSameRequestAsAFormPost) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid profile"));  // session and consent

  AuthorizeRequest req = request(c, "openid profile", {{"nonce", "post-nonce"}});
  const std::string url = w().authorize_url(req);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [k, v] : query_params(url)) fields.emplace_back(k, v);
  HttpResponse posted = browser.post_form(w().signet.base_url + "/authorize", fields);
  ASSERT_EQ(posted.status, 303) << posted.body;
  EXPECT_EQ(query_params(posted.location()), query_params(url)) << posted.location();
  HttpResponse back = browser.get(posted.location());
  ASSERT_EQ(back.status, 303) << back.body;
  const auto params = query_params(back.location());
  ASSERT_EQ(back.location().rfind(kRedirect + "?", 0), 0u) << back.location();
  ASSERT_TRUE(params.count("code")) << back.location();
  auto t = w().exchange_code(c, params.at("code"), kRedirect, req.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(jwt_claims(t.json()["id_token"].get<std::string>())["nonce"], "post-nonce");

  auto repeated = fields;
  repeated.emplace_back("redirect_uri", "https://evil.example/cb");
  HttpResponse dup = browser.post_form(w().signet.base_url + "/authorize", repeated);
  EXPECT_EQ(dup.status, 400) << dup.body;
  EXPECT_FALSE(dup.has_header("location")) << dup.location();
  HttpResponse json =
      browser.request("POST", w().signet.base_url + "/authorize", "{}", {}, "application/json");
  EXPECT_EQ(json.status, 415) << json.body;
}

// A response_mode other than query is an error at the (proven) redirect URI,
// in the query, never a silent fallback.
TEST_F(OidcTest, UnsupportedResponseModeIsAnError) {
  Client c = rp();
  HttpClient http;
  for (const char* mode : {"fragment", "form_post", "query.jwt"}) {
    auto r = http.get(w().authorize_url(request(c, "openid", {{"response_mode", mode}})));
    ASSERT_EQ(r.status, 303) << mode << ": " << r.body;
    EXPECT_EQ(r.location().rfind(kRedirect + "?", 0), 0u) << r.location();
    EXPECT_EQ(query_params(r.location())["error"], "invalid_request") << mode;
    EXPECT_EQ(r.location().find('#'), std::string::npos) << r.location();
  }
  auto query = http.get(w().authorize_url(request(c, "openid", {{"response_mode", "query"}})));
  EXPECT_EQ(query.status, 200) << "the query mode is the login page as usual";
  EXPECT_NE(query.body.find("action=\"/login\""), std::string::npos);
}

TEST_F(OidcTest, DiscoveryDocumentIsTruthful) {
  HttpClient http;
  auto r = http.get(w().signet.base_url + "/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  auto d = r.json();
  const std::string base = w().signet.base_url;
  EXPECT_EQ(d["issuer"], base);
  EXPECT_EQ(d["response_types_supported"], nlohmann::json({"code"}));
  EXPECT_EQ(d["subject_types_supported"], nlohmann::json({"public"}));
  EXPECT_EQ(d["code_challenge_methods_supported"], nlohmann::json({"S256"}));
  EXPECT_EQ(d["id_token_signing_alg_values_supported"], nlohmann::json({"RS256", "ES256"}));
  EXPECT_EQ(d["authorization_response_iss_parameter_supported"], true);
  for (const char* scope : {"openid", "profile", "email", "offline_access"}) {
    EXPECT_NE(std::find(d["scopes_supported"].begin(), d["scopes_supported"].end(), scope),
              d["scopes_supported"].end())
        << scope;
  }
  // Every advertised endpoint answers (with its own error for an empty request).
  EXPECT_EQ(http.get(d["authorization_endpoint"].get<std::string>()).status, 400);
  EXPECT_EQ(http.post_form(d["token_endpoint"].get<std::string>(), {}).status, 400);
  EXPECT_EQ(http.get(d["userinfo_endpoint"].get<std::string>()).status, 401);
  EXPECT_EQ(http.get(d["end_session_endpoint"].get<std::string>()).status, 200);
  auto jwks = http.get(d["jwks_uri"].get<std::string>());
  ASSERT_EQ(jwks.status, 200);
  std::set<std::string> algs;
  const auto jwks_json = jwks.json();
  for (const auto& k : jwks_json["keys"]) algs.insert(k["alg"].get<std::string>());
  for (const auto& alg : d["id_token_signing_alg_values_supported"]) {
    EXPECT_TRUE(algs.count(alg.get<std::string>())) << "no published key for " << alg;
  }
  for (const char* key : {"revocation_endpoint", "introspection_endpoint"}) {
    if (d.contains(key)) {
      auto a = http.post_form(d[key].get<std::string>(), {});
      EXPECT_NE(a.status, 404) << key;
    }
  }
  // The same document as RFC 8414 metadata for the shared members.
  auto oauth = http.get(base + "/.well-known/oauth-authorization-server").json();
  for (const auto& [k, v] : oauth.items()) EXPECT_EQ(d[k], v) << k;
}

TEST_F(OidcTest, SecondAppInTheSameBrowserSkipsTheLoginPage) {
  User u = alice();
  Client first = rp();
  Client second = rp();
  HttpClient browser;
  AuthorizationResult a;
  tokens(browser, first, u, request(first, "openid"), &a);
  EXPECT_EQ(a.pages, (std::vector<std::string>{"login", "consent"}));
  auto t = tokens(browser, second, u, request(second, "openid"), &a);
  EXPECT_EQ(a.pages, std::vector<std::string>{"consent"});
  EXPECT_EQ(jwt_claims(t["id_token"].get<std::string>())["sub"], u.subject);
}

TEST_F(OidcTest, LogoutWithIdTokenHintRedirectsWithStateAndEndsTheSession) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "openid"));
  ASSERT_FALSE(browser.cookie("signet_session").empty());
  const std::string state = random_hex(8);
  auto r = browser.get(w().signet.base_url + "/logout?" +
                       form_encode({{"id_token_hint", t["id_token"].get<std::string>()},
                                    {"post_logout_redirect_uri", kLoggedOut},
                                    {"state", state}}));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.location(), kLoggedOut + "?state=" + state);
  EXPECT_EQ(browser.cookie("signet_session"), "");
  // The session is gone: prompt=none now needs a login.
  auto again = browser.get(w().authorize_url(request(c, "openid", {{"prompt", "none"}})));
  EXPECT_EQ(query_params(again.location())["error"], "login_required");
}

// An ID token from an earlier session of the same user (kept in history, or
// stolen) does not sign the browser out without a question: only a hint whose
// sid is the current session's does (RP-Initiated Logout 1.0 §2).
TEST_F(OidcTest, LogoutWithAnOlderSessionsIdTokenAsksFirst) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  const std::string old_token = tokens(browser, c, u, request(c, "openid"))["id_token"];
  const std::string first_session = browser.cookie("signet_session");
  AuthorizationResult a;
  auto t = tokens(browser, c, u, request(c, "openid", {{"prompt", "login"}}), &a);
  ASSERT_EQ(a.pages, std::vector<std::string>{"login"});
  const std::string session = browser.cookie("signet_session");
  ASSERT_NE(session, first_session) << "a login starts a new session";
  const std::string current_token = t["id_token"];
  const auto old_sid = jwt_claims(old_token)["sid"];
  const auto current_sid = jwt_claims(current_token)["sid"];
  ASSERT_TRUE(old_sid.is_string() && current_sid.is_string()) << jwt_claims(current_token);
  EXPECT_NE(old_sid, current_sid);
  EXPECT_EQ(current_token.find(session), std::string::npos);
  EXPECT_NE(current_sid.get<std::string>(), b64url(sha256(session))) << "not the stored digest";
  HttpClient http;
  auto claims_supported = http.get(w().signet.base_url + "/.well-known/openid-configuration")
                              .json()["claims_supported"];
  EXPECT_NE(std::find(claims_supported.begin(), claims_supported.end(), "sid"),
            claims_supported.end());

  auto logout = [&](const std::string& hint) {
    return browser.get(
        w().signet.base_url + "/logout?" +
        form_encode(
            {{"id_token_hint", hint}, {"post_logout_redirect_uri", kLoggedOut}, {"state", "s"}}));
  };
  auto asked = logout(old_token);
  EXPECT_EQ(asked.status, 200) << asked.location();
  EXPECT_NE(asked.body.find("action=\"/logout\""), std::string::npos) << asked.body;
  EXPECT_EQ(browser.cookie("signet_session"), session);
  auto still = browser.get(w().authorize_url(request(c, "openid", {{"prompt", "none"}})));
  EXPECT_FALSE(query_params(still.location())["code"].empty()) << "still signed in";

  auto out = logout(current_token);
  ASSERT_EQ(out.status, 303) << out.body;
  EXPECT_EQ(out.location(), kLoggedOut + "?state=s");
  EXPECT_EQ(browser.cookie("signet_session"), "");
}

TEST_F(OidcTest, LogoutNeverRedirectsToAnUnregisteredUri) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  auto t = tokens(browser, c, u, request(c, "openid"));
  for (const std::string& uri :
       {std::string("https://evil.example/"), kRedirect, kLoggedOut + "/x", kLoggedOut + "?a=b"}) {
    auto r = browser.get(w().signet.base_url + "/logout?" +
                         form_encode({{"id_token_hint", t["id_token"].get<std::string>()},
                                      {"post_logout_redirect_uri", uri},
                                      {"state", "s"}}));
    EXPECT_EQ(r.status, 200) << uri;
    EXPECT_EQ(r.location(), "") << uri;
    EXPECT_NE(r.body.find("You are signed out"), std::string::npos) << uri;
  }
  // An access token is no id_token_hint.
  auto r = browser.get(w().signet.base_url + "/logout?" +
                       form_encode({{"id_token_hint", t["access_token"].get<std::string>()},
                                    {"post_logout_redirect_uri", kLoggedOut}}));
  EXPECT_EQ(r.location(), "");
}

TEST_F(OidcTest, LogoutWithoutHintAsksAndNeedsTheCsrfToken) {
  User u = alice();
  Client c = rp();
  HttpClient browser;
  tokens(browser, c, u, request(c, "openid"));
  const std::string session = browser.cookie("signet_session");
  auto page = browser.get(w().signet.base_url + "/logout");
  ASSERT_EQ(page.status, 200);
  ASSERT_NE(page.body.find("action=\"/logout\""), std::string::npos) << page.body;
  EXPECT_EQ(browser.cookie("signet_session"), session) << "a bare GET must not log out";
  auto fields = form_fields(page.body, "/logout");
  // Without (or with a wrong) CSRF token: refused, still signed in.
  auto bad = browser.post_form(w().signet.base_url + "/logout", {{"csrf_token", "x"}});
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(browser.cookie("signet_session"), session);
  auto ok = browser.post_form(w().signet.base_url + "/logout", fields);
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("You are signed out"), std::string::npos);
  EXPECT_EQ(browser.cookie("signet_session"), "");
}

}  // namespace
}  // namespace signet::it
