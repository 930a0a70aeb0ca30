// The token lifecycle over HTTP against the real signet process: refresh-token
// rotation and reuse detection, scope narrowing, revocation (RFC 7009),
// introspection (RFC 7662) and the connected-apps page. Each security test fails
// when its defence is removed.
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
using Fields = std::vector<std::pair<std::string, std::string>>;

class LifecycleTest : public IntegrationTest {
 protected:
  User alice() { return w().add_user(w().unique("alice"), kPassword); }
  Client finance(const std::string& scope = "read:accounts read:transactions") {
    return w().add_client(w().unique("FinanceApp"), {kRedirect}, scope, false,
                          {"authorization_code", "refresh_token"});
  }
  // A resource server: a confidential client registered for bank-api's audience.
  Client resource_server() { return w().add_resource_server(w().unique("ResourceServer")); }
  AuthorizeRequest request(const Client& c, const std::string& scope) {
    return AuthorizeRequest{c.client_id,    c.redirect_uris.at(0), scope,
                            random_hex(12), random_hex(32),        {}};
  }
  // Code flow in `browser`; returns the token response JSON.
  nlohmann::json tokens(HttpClient& browser, const Client& c, const User& u,
                        const std::string& scope = "read:accounts read:transactions") {
    AuthorizeRequest req = request(c, scope);
    AuthorizationResult a = w().authorize(browser, req, u);
    EXPECT_FALSE(a.code().empty()) << a.last.body;
    HttpResponse r = w().exchange_code(c, a.code(), req.redirect_uri, req.code_verifier);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : nlohmann::json::object();
  }
  HttpResponse refresh(const Client& c, const std::string& token, const std::string& scope = {},
                       const std::string& base = {}) {
    Fields f{{"grant_type", "refresh_token"}, {"refresh_token", token}};
    if (!scope.empty()) f.emplace_back("scope", scope);
    HttpClient http;
    return http.post_form((base.empty() ? w().signet.base_url : base) + "/token", f,
                          {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  }
  HttpResponse post_as(const Client& c, const std::string& path, const Fields& f,
                       const std::string& base = {}) {
    HttpClient http;
    return http.post_form((base.empty() ? w().signet.base_url : base) + path, f,
                          {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  }
  nlohmann::json introspect(const Client& rs, const std::string& token,
                            const std::string& base = {}) {
    HttpResponse r = post_as(rs, "/introspect", {{"token", token}}, base);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    return r.status == 200 ? r.json() : nlohmann::json::object();
  }
};

TEST_F(LifecycleTest, MetadataAdvertisesRevocationIntrospectionAndRefresh) {
  HttpClient http;
  auto m = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(m["revocation_endpoint"], w().signet.base_url + "/revoke");
  EXPECT_EQ(m["introspection_endpoint"], w().signet.base_url + "/introspect");
  auto grants = m["grant_types_supported"];
  EXPECT_NE(std::find(grants.begin(), grants.end(), "refresh_token"), grants.end());
}

TEST_F(LifecycleTest, RefreshRotatesAndReuseRevokesTheFamily) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  HttpClient browser;
  auto first = tokens(browser, c, u);
  ASSERT_TRUE(first.contains("refresh_token")) << first.dump();
  const std::string rt1 = first["refresh_token"];

  HttpResponse second = refresh(c, rt1);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.header("cache-control"), "no-store");
  const std::string rt2 = second.json()["refresh_token"];
  const std::string at2 = second.json()["access_token"];
  EXPECT_NE(rt1, rt2);
  EXPECT_EQ(introspect(rs, at2)["active"], true);
  // The new access token works at the bank.
  EXPECT_EQ(w().bank_get("/accounts", at2).status, 200);

  const std::size_t mark = w().signet.process->log_size();
  HttpResponse reuse = refresh(c, rt1);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.json()["error"], "invalid_grant");
  // The whole family is gone: the successor, and the access tokens issued from it.
  HttpResponse after = refresh(c, rt2);
  EXPECT_EQ(after.status, 400) << "successor still works after reuse: " << after.body;
  EXPECT_EQ(introspect(rs, at2)["active"], false);
  EXPECT_EQ(introspect(rs, first["access_token"])["active"], false);

  // A security event, without token values.
  std::string log;
  for (int i = 0; i < 20 && log.find("refresh_token_reuse") == std::string::npos; ++i) {
    usleep(50000);
    log = w().signet.process->log_since(mark);
  }
  EXPECT_NE(log.find("\"event\":\"refresh_token_reuse\""), std::string::npos) << log;
  EXPECT_EQ(log.find(rt1), std::string::npos);
  EXPECT_EQ(log.find(rt2), std::string::npos);
}

TEST_F(LifecycleTest, RefreshNarrowsButNeverWidensScope) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto t = tokens(browser, c, u, "read:accounts");
  const std::string rt = t["refresh_token"];

  HttpResponse wider = refresh(c, rt, "read:accounts read:transactions");
  EXPECT_EQ(wider.status, 400) << wider.body;
  EXPECT_EQ(wider.json()["error"], "invalid_scope");
  HttpResponse other = refresh(c, rt, "write:payments");
  EXPECT_EQ(other.json()["error"], "invalid_scope");

  HttpResponse same = refresh(c, rt, "read:accounts");
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(jwt_claims(same.json()["access_token"].get<std::string>())["scope"], "read:accounts");
}

// A scope taken away with `signet client update --scope` is gone at the next
// refresh of every grant the client holds, not at the family's end (90 days).
TEST_F(LifecycleTest, ScopeRemovedByClientUpdateLeavesTheNextRefresh) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  const std::string rt = tokens(browser, c, u)["refresh_token"];

  auto updated = w().cli({"client", "update", c.client_id, "--scope", "read:accounts"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  // The running server learns of the change through its client cache; asking
  // /authorize for the removed scope shows when it has (and spends nothing).
  HttpResponse probe;
  for (int i = 0; i < 50; ++i) {
    HttpClient anonymous;
    probe = anonymous.get(w().authorize_url(request(c, "read:transactions")));
    if (probe.location().find("error=invalid_scope") != std::string::npos) break;
    usleep(100000);
  }
  ASSERT_NE(probe.location().find("error=invalid_scope"), std::string::npos) << probe.status;

  HttpResponse r = refresh(c, rt);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["scope"], "read:accounts");
  EXPECT_EQ(jwt_claims(r.json()["access_token"].get<std::string>())["scope"], "read:accounts");
  EXPECT_EQ(w().bank_get("/accounts", r.json()["access_token"].get<std::string>()).status, 200);
  std::string next = r.json()["refresh_token"];
  EXPECT_EQ(refresh(c, next, "read:transactions").json()["error"], "invalid_scope");

  // Nothing of the grant left: the refresh token is refused.
  updated = w().cli({"client", "update", c.client_id, "--scope", "write:payments"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  HttpResponse last;
  for (int i = 0; i < 50; ++i) {
    last = refresh(c, next);
    if (last.status != 200) break;
    next = last.json()["refresh_token"];  // the cache had not heard yet: rotated
    usleep(100000);
  }
  EXPECT_EQ(last.status, 400) << last.body;
  EXPECT_EQ(last.json().value("error", ""), "invalid_grant");
}

TEST_F(LifecycleTest, RefreshTokenIsBoundToItsClient) {
  User u = alice();
  Client c = finance();
  Client thief = finance();
  HttpClient browser;
  const std::string rt = tokens(browser, c, u)["refresh_token"];
  HttpResponse stolen = refresh(thief, rt);
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.json()["error"], "invalid_grant");
  EXPECT_EQ(refresh(c, rt).status, 200);
}

TEST_F(LifecycleTest, ClientWithoutRefreshGrantGetsNoRefreshToken) {
  User u = alice();
  Client c = w().add_client(w().unique("Plain"), {kRedirect}, "read:accounts");
  HttpClient browser;
  auto t = tokens(browser, c, u, "read:accounts");
  EXPECT_FALSE(t.contains("refresh_token")) << t.dump();
}

TEST_F(LifecycleTest, RevocationOfRefreshAndAccessTokens) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  const std::string rt = t["refresh_token"];
  const std::string at = t["access_token"];

  // Another client cannot revoke them (and learns nothing: still 200).
  Client other = finance();
  EXPECT_EQ(post_as(other, "/revoke", {{"token", rt}}).status, 200);
  EXPECT_EQ(post_as(other, "/revoke", {{"token", at}}).status, 200);
  EXPECT_EQ(introspect(rs, at)["active"], true);

  // The access token, by its jti.
  HttpResponse r1 = post_as(c, "/revoke", {{"token", at}, {"token_type_hint", "access_token"}});
  EXPECT_EQ(r1.status, 200) << r1.body;
  EXPECT_EQ(introspect(rs, at)["active"], false);
  EXPECT_EQ(refresh(c, rt).status, 200) << "revoking an access token keeps the grant";
}

TEST_F(LifecycleTest, RevokingRefreshTokenEndsItsFamily) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  const std::string rt = t["refresh_token"];
  HttpResponse rot = refresh(c, rt);
  ASSERT_EQ(rot.status, 200);
  const std::string rt2 = rot.json()["refresh_token"];
  const std::string at2 = rot.json()["access_token"];

  HttpResponse r = post_as(c, "/revoke", {{"token", rt2}, {"token_type_hint", "refresh_token"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(refresh(c, rt2).json()["error"], "invalid_grant");
  EXPECT_EQ(introspect(rs, at2)["active"], false);
  // Unknown and garbage tokens: still 200 (RFC 7009 §2.2).
  EXPECT_EQ(post_as(c, "/revoke", {{"token", "no-such-token"}}).status, 200);
  EXPECT_EQ(post_as(c, "/revoke", {{"token", "a.b.c"}}).status, 200);
  // Client authentication is required.
  HttpClient anon;
  EXPECT_EQ(anon.post_form(w().signet.base_url + "/revoke", {{"token", rt2}}).status, 401);
}

TEST_F(LifecycleTest, IntrospectionActiveAndInactive) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  const std::string at = t["access_token"];

  auto a = introspect(rs, at);
  EXPECT_EQ(a["active"], true) << a.dump();
  EXPECT_EQ(a["token_type"], "Bearer");
  EXPECT_EQ(a["client_id"], c.client_id);
  EXPECT_EQ(a["sub"], u.subject);
  EXPECT_EQ(a["iss"], w().signet.base_url);
  EXPECT_EQ(a["scope"], "read:accounts read:transactions");
  for (const char* k : {"aud", "exp", "iat", "jti"}) EXPECT_TRUE(a.contains(k)) << k;

  // The refresh token is visible to its own client only.
  auto own = introspect(c, t["refresh_token"]);
  EXPECT_EQ(own["active"], true);
  EXPECT_EQ(own["token_type"], "refresh_token");
  EXPECT_EQ(introspect(rs, t["refresh_token"])["active"], false);

  // A token signed by someone else, with our claims: inactive.
  EcKey forger = EcKey::generate();
  nlohmann::json claims = jwt_claims(at);
  std::string forged =
      make_jws({{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", jwt_header(at)["kid"]}}, claims,
               [&](std::string_view in) { return forger.sign_es256(in); });
  EXPECT_EQ(introspect(rs, forged)["active"], false);
  EXPECT_EQ(introspect(rs, "garbage")["active"], false);

  // Public clients and unauthenticated callers may not introspect.
  Client pub = w().add_client(w().unique("Public"), {kRedirect}, "read:accounts", true);
  HttpClient http;
  EXPECT_EQ(http.post_form(w().signet.base_url + "/introspect",
                           {{"token", at}, {"client_id", pub.client_id}})
                .status,
            401);
  EXPECT_EQ(http.post_form(w().signet.base_url + "/introspect", {{"token", at}}).status, 401);
}

// RFC 7662 §4: an access token is described to its own client and to the
// resource servers registered for its audience (signet resource add|update
// --client), never to any other confidential client.
TEST_F(LifecycleTest, AccessTokenIntrospectionOnlyByItsClientOrItsResourceServer) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  Client third =
      w().add_client(w().unique("ThirdParty"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient browser;
  auto t = tokens(browser, c, u);
  const std::string at = t["access_token"];
  ASSERT_EQ(jwt_claims(at)["aud"], kBankAudience);

  EXPECT_EQ(introspect(third, at), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect(c, at)["active"], true);
  auto seen = introspect(rs, at);
  EXPECT_EQ(seen["active"], true) << seen.dump();
  EXPECT_EQ(seen["client_id"], c.client_id);

  // `resource list` shows the link; removing it reaches the server at once
  // (LISTEN signet_resources): the resource server then learns nothing either.
  auto list = w().cli({"resource", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool linked = false;
  for (const auto& r : nlohmann::json::parse(list.out)) {
    if (r["audience"] == kBankAudience) {
      for (const auto& id : r["client_ids"]) linked = linked || id == rs.client_id;
    }
  }
  EXPECT_TRUE(linked) << list.out;
  auto removed = w().cli({"resource", "update", kBankAudience, "--remove-client", rs.client_id});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  bool hidden = false;
  for (int i = 0; i < 50 && !hidden; ++i) {
    hidden = introspect(rs, at) == nlohmann::json({{"active", false}});
    if (!hidden) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(hidden) << "an unregistered resource server still sees the token";
  EXPECT_EQ(introspect(c, at)["active"], true);
}

// Introspection answers from memory once a refresh token has been looked up
// (store/refresh_token_cache.h): each change made through this server is seen by
// the very next answer, however often the token was asked about before.
TEST_F(LifecycleTest, IntrospectionSeesRotationAndRevocationAtOnce) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  const std::string rt1 = t["refresh_token"];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(introspect(c, rt1)["active"], true);

  HttpResponse rot = refresh(c, rt1);
  ASSERT_EQ(rot.status, 200) << rot.body;
  const std::string rt2 = rot.json()["refresh_token"];
  EXPECT_EQ(introspect(c, rt1)["active"], false) << "rotated token still active";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(introspect(c, rt2)["active"], true);

  // Reuse of the rotated token revokes the family: its live successor too.
  EXPECT_EQ(refresh(c, rt1).json()["error"], "invalid_grant");
  EXPECT_EQ(introspect(c, rt2)["active"], false) << "family revoked by reuse, still active";

  // A fresh family, revoked through RFC 7009.
  auto t2 = tokens(browser, c, u);
  const std::string rt3 = t2["refresh_token"];
  ASSERT_EQ(introspect(c, rt3)["active"], true);
  ASSERT_EQ(post_as(c, "/revoke", {{"token", rt3}}).status, 200);
  EXPECT_EQ(introspect(c, rt3)["active"], false) << "revoked token still active";
}

TEST_F(LifecycleTest, ExpiredTokensAreInactive) {
  // Kept for the whole binary: the harness watches every process it started.
  static std::string why;
  static Server s =
      w().start_signet({{"SIGNET_ACCESS_TOKEN_TTL", "5"}, {"SIGNET_REFRESH_TOKEN_TTL", "5"}}, &why);
  ASSERT_TRUE(s.process) << why;
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  AuthorizeRequest req = request(c, "read:accounts");
  std::string base = s.base_url;
  HttpClient browser;
  // Same database, other process: run the flow against it.
  std::string url = w().authorize_url(req);
  url.replace(0, w().signet.base_url.size(), base);
  HttpResponse login = browser.get(url);
  auto fields = form_fields(login.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = u.username;
    if (k == "password") v = u.password;
  }
  HttpResponse after = browser.post_form(base + "/login", fields);
  ASSERT_EQ(after.status, 303) << after.body;
  std::string next = after.location();
  if (next.rfind("/", 0) == 0) next = base + next;
  HttpResponse consent = browser.get(next);
  auto cf = form_fields(consent.body, "/consent");
  cf.emplace_back("decision", "allow");
  HttpResponse done = browser.post_form(base + "/consent", cf);
  auto params = query_params(done.location());
  ASSERT_TRUE(params.count("code")) << done.status << done.body;
  HttpClient http;
  HttpResponse tok = http.post_form(base + "/token",
                                    {{"grant_type", "authorization_code"},
                                     {"code", params["code"]},
                                     {"redirect_uri", req.redirect_uri},
                                     {"code_verifier", req.code_verifier}},
                                    {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  ASSERT_EQ(tok.status, 200) << tok.body;
  const std::string at = tok.json()["access_token"];
  const std::string rt = tok.json()["refresh_token"];
  EXPECT_EQ(introspect(rs, at, base)["active"], true);
  sleep(6);
  EXPECT_EQ(introspect(rs, at, base)["active"], false);
  EXPECT_EQ(introspect(c, rt, base)["active"], false);
  EXPECT_EQ(refresh(c, rt, {}, base).json()["error"], "invalid_grant");
}

// --- connected apps -----------------------------------------------------------

TEST_F(LifecycleTest, AccountAppsAsksForLoginAndReturnsThere) {
  User u = alice();
  HttpClient browser;
  HttpResponse page = browser.get(w().signet.base_url + "/account/apps");
  ASSERT_EQ(page.status, 200);
  ASSERT_NE(page.body.find("action=\"/login\""), std::string::npos) << page.body;
  EXPECT_EQ(form_value(page.body, "return_to"), "account/apps");
  auto fields = form_fields(page.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = u.username;
    if (k == "password") v = u.password;
  }
  HttpResponse after = browser.post_form(w().signet.base_url + "/login", fields);
  ASSERT_EQ(after.status, 303) << after.body;
  EXPECT_EQ(after.location(), w().signet.base_url + "/account/apps");
  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps");
  EXPECT_EQ(apps.status, 200);
  EXPECT_NE(apps.body.find("Connected apps"), std::string::npos);
  EXPECT_NE(lower(apps.header("content-security-policy")).find("frame-ancestors 'none'"),
            std::string::npos);

  // No open redirect through return_to.
  HttpClient b2;
  HttpResponse p2 = b2.get(w().signet.base_url + "/account/apps");
  auto f2 = form_fields(p2.body, "/login");
  for (auto& [k, v] : f2) {
    if (k == "username") v = u.username;
    if (k == "password") v = u.password;
    if (k == "return_to") v = "//evil.example/account/apps";
  }
  HttpResponse evil = b2.post_form(w().signet.base_url + "/login", f2);
  EXPECT_NE(evil.status, 303) << evil.location();
}

TEST_F(LifecycleTest, RevokingAConnectedAppCascades) {
  User u = alice();
  Client c = finance();
  Client rs = resource_server();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  HttpResponse rot = refresh(c, t["refresh_token"]);
  ASSERT_EQ(rot.status, 200);
  const std::string rt = rot.json()["refresh_token"];
  const std::string at = rot.json()["access_token"];
  // Introspected (and so held in the server's cache) before the app is revoked.
  ASSERT_EQ(introspect(c, rt)["active"], true);

  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps");
  ASSERT_EQ(apps.status, 200);
  std::string name = c.raw["client_name"];
  ASSERT_NE(apps.body.find(name), std::string::npos) << apps.body;
  EXPECT_NE(apps.body.find("Read your transactions"), std::string::npos);
  EXPECT_NE(apps.body.find("Revoke access"), std::string::npos);
  auto fields = form_fields(apps.body, "/account/apps/revoke");
  ASSERT_FALSE(form_value(apps.body, "csrf_token").empty());
  for (auto& [k, v] : fields) {
    if (k == "client_id") {
      EXPECT_EQ(v, c.client_id);
    }
  }
  HttpResponse revoked = browser.post_form(w().signet.base_url + "/account/apps/revoke", fields);
  ASSERT_EQ(revoked.status, 303) << revoked.body;
  HttpResponse after = browser.get(w().signet.base_url + "/account/apps");
  EXPECT_EQ(after.body.find(name), std::string::npos) << "app still listed";

  EXPECT_EQ(introspect(c, rt)["active"], false) << "revoked family still active";
  EXPECT_EQ(refresh(c, rt).json()["error"], "invalid_grant");
  EXPECT_EQ(introspect(rs, at)["active"], false);
  EXPECT_EQ(introspect(rs, t["access_token"])["active"], false);
  // The consent is gone: the next authorization asks again.
  AuthorizationResult again = w().authorize(browser, request(c, "read:accounts"), u, "deny");
  ASSERT_FALSE(again.pages.empty());
  EXPECT_EQ(again.pages.back(), "consent");
}

TEST_F(LifecycleTest, RevokeFormNeedsTheSessionCsrfToken) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto t = tokens(browser, c, u);
  std::string name = c.raw["client_name"];

  for (const std::string& csrf : {std::string(), std::string("forged-token")}) {
    Fields f{{"client_id", c.client_id}};
    if (!csrf.empty()) f.emplace_back("csrf_token", csrf);
    HttpResponse r = browser.post_form(w().signet.base_url + "/account/apps/revoke", f);
    EXPECT_EQ(r.status, 403) << r.body;
  }
  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps");
  EXPECT_NE(apps.body.find(name), std::string::npos) << "revoked without a CSRF token";
  EXPECT_EQ(refresh(c, t["refresh_token"]).status, 200);
  // Without a session: no revocation either.
  HttpClient stranger;
  HttpResponse r = stranger.post_form(w().signet.base_url + "/account/apps/revoke",
                                      {{"client_id", c.client_id}, {"csrf_token", "x"}});
  EXPECT_EQ(r.status, 401);
}

}  // namespace
}  // namespace signet::it
