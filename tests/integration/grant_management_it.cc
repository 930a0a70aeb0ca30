// The grant management API (FAPI Grant Management for OAuth 2.0 §6) over HTTP
// against the real signet process and PostgreSQL: concurrent grants of one
// customer and client, queried and ended apart; update and replace at
// /authorize; a client never reaches another client's grant. Each security
// test fails when its defence is removed.
#include <chrono>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
const std::string kManage = "grant_management_query grant_management_revoke";
using Fields = std::vector<std::pair<std::string, std::string>>;

class GrantManagementTest : public IntegrationTest {
 protected:
  User alice() { return w().add_user(w().unique("alice"), kPassword); }
  // A client that runs the code flow for the customer's grants and manages
  // them with client_credentials tokens.
  Client finance() {
    return w().add_client(w().unique("FinanceApp"), {kRedirect},
                          "read:accounts read:transactions " + kManage, false,
                          {"authorization_code", "refresh_token", "client_credentials"});
  }
  // The code flow with grant_management_action (and grant_id); the token response.
  nlohmann::json grant(HttpClient& browser, const Client& c, const User& u,
                       const std::string& scope, const std::string& action = "create",
                       const std::string& grant_id = {}) {
    AuthorizeRequest req{c.client_id, kRedirect, scope, random_hex(12), random_hex(32), {}};
    req.extra.emplace_back("grant_management_action", action);
    if (!grant_id.empty()) req.extra.emplace_back("grant_id", grant_id);
    AuthorizationResult a = w().authorize(browser, req, u);
    EXPECT_FALSE(a.code().empty()) << a.redirect << a.last.body;
    HttpResponse r = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : nlohmann::json::object();
  }
  std::string client_token(const Client& c, const std::string& scope) {
    HttpResponse r =
        w().token_request({{"grant_type", "client_credentials"}, {"scope", scope}}, &c);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json()["access_token"].get<std::string>() : std::string();
  }
  HttpResponse grants(const std::string& method, const std::string& grant_id,
                      const std::string& token) {
    HttpClient http;
    Headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return http.request(method, w().signet.base_url + "/grants/" + grant_id, "", h, "");
  }
  bool active(const Client& c, const std::string& token) {
    HttpClient http;
    HttpResponse r = http.post_form(w().signet.base_url + "/introspect", {{"token", token}},
                                    {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 && r.json()["active"] == true;
  }
  HttpResponse refresh(const Client& c, const std::string& token) {
    return w().token_request({{"grant_type", "refresh_token"}, {"refresh_token", token}}, &c);
  }
  static std::string scope_of(const nlohmann::json& grant) {
    return grant.contains("scopes") ? grant["scopes"][0]["scope"].get<std::string>() : "";
  }
};

TEST_F(GrantManagementTest, TwoGrantsAreQueriedAndEndedApart) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto first = grant(browser, c, u, "read:accounts");
  auto second = grant(browser, c, u, "read:transactions");
  ASSERT_TRUE(first.contains("grant_id") && second.contains("grant_id"));
  const std::string g1 = first["grant_id"], g2 = second["grant_id"];
  ASSERT_NE(g1, g2) << "action=create must make a new grant";

  const std::string query = client_token(c, "grant_management_query");
  HttpResponse q1 = grants("GET", g1, query);
  ASSERT_EQ(q1.status, 200) << q1.body;
  EXPECT_EQ(q1.header("cache-control"), "no-store");
  EXPECT_EQ(scope_of(q1.json()), "read:accounts");
  EXPECT_TRUE(q1.json().contains("created_at"));
  EXPECT_FALSE(q1.json().contains("authorization_details")) << "empty members are left out";
  HttpResponse q2 = grants("GET", g2, query);
  ASSERT_EQ(q2.status, 200) << q2.body;
  EXPECT_EQ(scope_of(q2.json()), "read:transactions");

  // Ending the first grant ends its tokens, and only its own.
  const std::string revoke = client_token(c, "grant_management_revoke");
  HttpResponse d = grants("DELETE", g1, revoke);
  EXPECT_EQ(d.status, 204) << d.body;
  EXPECT_TRUE(d.body.empty());
  EXPECT_FALSE(active(c, first["access_token"]));
  EXPECT_EQ(refresh(c, first["refresh_token"]).json()["error"], "invalid_grant");
  EXPECT_TRUE(active(c, second["access_token"]));
  EXPECT_EQ(refresh(c, second["refresh_token"]).status, 200);
  EXPECT_EQ(grants("GET", g1, query).status, 404);
  EXPECT_EQ(grants("DELETE", g1, revoke).status, 404) << "a grant ends once";
  EXPECT_EQ(grants("GET", g2, query).status, 200);

  // The audit trail names the grant ended (written in the background: wait a while).
  std::string audited;
  for (int i = 0; i < 50 && audited != "1"; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    audited = w().db->query(
        "SELECT count(*) FROM audit_events WHERE event = 'grant.revoked' AND client_id = $1 "
        "AND detail->>'grant_id' = $2",
        {c.client_id, g1})[0][0];
  }
  EXPECT_EQ(audited, "1");
}

// RFC 9449 §7.1: a DPoP-bound token (a FAPI 2.0 client's kind) is used at
// /grants with the DPoP scheme and a proof of its key for this method and URL;
// as a bearer token, or with another key's proof, it is refused.
TEST_F(GrantManagementTest, DpopBoundTokenNeedsAProofByItsKey) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  const std::string g = grant(browser, c, u, "read:accounts")["grant_id"];
  ASSERT_FALSE(g.empty());
  const std::string token_url = w().signet.base_url + "/token";
  const std::string grant_url = w().signet.base_url + "/grants/" + g;
  EcKey key = EcKey::generate();
  // The token request, with the server's nonce when it asks for one (§8).
  auto bound_token = [&](const std::string& scope) {
    std::string nonce;
    for (int i = 0; i < 2; ++i) {
      HttpClient http;
      HttpResponse t =
          http.post_form(token_url, {{"grant_type", "client_credentials"}, {"scope", scope}},
                         {{"Authorization", basic_auth(c.client_id, c.client_secret)},
                          {"DPoP", dpop_proof(key, "POST", token_url, nonce)}});
      if (t.status == 200) {
        EXPECT_EQ(t.json().value("token_type", ""), "DPoP");
        return t.json().value("access_token", "");
      }
      nonce = t.header("dpop-nonce");
    }
    ADD_FAILURE() << "no DPoP-bound token";
    return std::string();
  };
  const std::string token = bound_token("grant_management_query");
  ASSERT_FALSE(token.empty());
  auto call = [&](const std::string& scheme, const EcKey* prover) {
    HttpClient http;
    Headers h{{"Authorization", scheme + " " + token}};
    std::string nonce;
    for (int i = 0; i < 2; ++i) {
      Headers with = h;
      if (prover) with.emplace_back("DPoP", dpop_proof(*prover, "GET", grant_url, nonce, token));
      HttpResponse r = http.request("GET", grant_url, "", with, "");
      if (r.status == 400 && r.body.find("use_dpop_nonce") != std::string::npos) {
        nonce = r.header("dpop-nonce");
        continue;
      }
      return r;
    }
    return HttpResponse{};
  };
  EXPECT_EQ(call("Bearer", nullptr).status, 401) << "a bound token is no bearer token";
  EXPECT_EQ(call("DPoP", nullptr).status, 401) << "the DPoP scheme needs a proof";
  EcKey other = EcKey::generate();
  EXPECT_EQ(call("DPoP", &other).status, 401) << "another key's proof";
  HttpResponse ok = call("DPoP", &key);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(scope_of(ok.json()), "read:accounts");
}

TEST_F(GrantManagementTest, AnotherClientsGrantIsAnsweredAsUnknown) {
  User u = alice();
  Client c = finance();
  Client other = finance();
  HttpClient browser;
  const std::string g = grant(browser, c, u, "read:accounts")["grant_id"];
  HttpResponse q = grants("GET", g, client_token(other, "grant_management_query"));
  EXPECT_EQ(q.status, 404) << q.body;
  HttpResponse unknown =
      grants("GET", "no-such-grant", client_token(other, "grant_management_query"));
  EXPECT_EQ(q.body, unknown.body) << "another client's grant looks unknown";
  EXPECT_EQ(grants("DELETE", g, client_token(other, "grant_management_revoke")).status, 404);
  EXPECT_EQ(grants("GET", g, client_token(c, "grant_management_query")).status, 200)
      << "still there";
}

TEST_F(GrantManagementTest, EachActionNeedsItsScopeAndAToken) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  const std::string g = grant(browser, c, u, "read:accounts")["grant_id"];
  HttpResponse q = grants("GET", g, client_token(c, "read:accounts"));
  EXPECT_EQ(q.status, 403) << q.body;
  EXPECT_EQ(q.json()["error"], "insufficient_scope");
  EXPECT_NE(q.header("www-authenticate").find("scope=\"grant_management_query\""),
            std::string::npos);
  HttpResponse d = grants("DELETE", g, client_token(c, "grant_management_query"));
  EXPECT_EQ(d.status, 403) << d.body;
  EXPECT_EQ(grants("GET", g, client_token(c, "grant_management_query")).status, 200);

  HttpResponse none = grants("GET", g, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"signet\"");
  EXPECT_EQ(grants("GET", g, "not.a.token").status, 401);
  // A customer's own access token of the grant carries no management scope.
  auto t = grant(browser, c, u, "read:accounts");
  EXPECT_EQ(grants("GET", t["grant_id"], t["access_token"]).status, 403);
  HttpClient http;
  EXPECT_EQ(http.request("POST", w().signet.base_url + "/grants/" + g, "", {}, "").status, 405);
}

TEST_F(GrantManagementTest, UpdateAddsToTheGrant) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  const std::string g = grant(browser, c, u, "read:accounts")["grant_id"];
  auto updated = grant(browser, c, u, "read:transactions", "update", g);
  EXPECT_EQ(updated["grant_id"], g);
  EXPECT_EQ(jwt_claims(updated["access_token"].get<std::string>())["grant_id"], g);
  HttpResponse q = grants("GET", g, client_token(c, "grant_management_query"));
  ASSERT_EQ(q.status, 200) << q.body;
  const std::string scope = scope_of(q.json());
  EXPECT_NE(scope.find("read:accounts"), std::string::npos) << scope;
  EXPECT_NE(scope.find("read:transactions"), std::string::npos) << scope;
}

TEST_F(GrantManagementTest, ReplaceEndsTheGrantsOldTokens) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto before = grant(browser, c, u, "read:accounts");
  const std::string g = before["grant_id"];
  auto after = grant(browser, c, u, "read:transactions", "replace", g);
  EXPECT_EQ(after["grant_id"], g);
  EXPECT_FALSE(active(c, before["access_token"]));
  EXPECT_EQ(refresh(c, before["refresh_token"]).json()["error"], "invalid_grant");
  EXPECT_TRUE(active(c, after["access_token"]));
  HttpResponse q = grants("GET", g, client_token(c, "grant_management_query"));
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(scope_of(q.json()), "read:transactions");
}

TEST_F(GrantManagementTest, AnotherClientsGrantIdAtAuthorizeIsRefused) {
  User u = alice();
  Client c = finance();
  Client other = finance();
  HttpClient browser;
  const std::string g = grant(browser, c, u, "read:accounts")["grant_id"];
  AuthorizeRequest req{other.client_id, kRedirect,
                       "read:accounts", random_hex(12),
                       random_hex(32),  {{"grant_management_action", "update"}, {"grant_id", g}}};
  AuthorizationResult a = w().authorize(browser, req, u);
  EXPECT_TRUE(a.code().empty());
  EXPECT_EQ(a.params["error"], "invalid_grant_id") << a.redirect << a.last.body;
  EXPECT_EQ(a.params["state"], req.state);
}

// The connected-apps page: one "End this access" per grant, for the customer's
// own grants only, behind the session's CSRF token.
TEST_F(GrantManagementTest, CustomerEndsOneGrantOnTheConnectedAppsPage) {
  User u = alice();
  Client c = finance();
  HttpClient browser;
  auto first = grant(browser, c, u, "read:accounts");
  auto second = grant(browser, c, u, "read:transactions");
  const std::string g1 = first["grant_id"], g2 = second["grant_id"];
  ASSERT_NE(g1, g2);
  const std::string apps = w().signet.base_url + "/account/apps";
  HttpResponse page = browser.get(apps);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("value=\"" + g1 + "\""), std::string::npos);
  EXPECT_NE(page.body.find("value=\"" + g2 + "\""), std::string::npos);
  // The first form's grant is the one ended (grants of the same second may come
  // in either order); `first` is made to be that one.
  Fields f = form_fields(page.body, "/account/apps/end-grant");
  if (form_value(page.body, "grant_id") != g1) std::swap(first, second);
  const std::string ending = first["grant_id"], kept = second["grant_id"];

  // Without the session's CSRF token nothing ends.
  Fields forged = f;
  for (auto& [k, v] : forged) {
    if (k == "csrf_token") v = random_hex(16);
  }
  EXPECT_EQ(browser.post_form(w().signet.base_url + "/account/apps/end-grant", forged).status, 403);
  EXPECT_TRUE(active(c, first["access_token"]));

  // Another customer's session cannot end this customer's grant.
  User mallory = w().add_user(w().unique("mallory"), kPassword);
  HttpClient other;
  grant(other, c, mallory, "read:accounts");
  HttpResponse their = other.get(apps);
  Fields theirs = form_fields(their.body, "/account/apps/end-grant");
  for (auto& [k, v] : theirs) {
    if (k == "grant_id") v = ending;
  }
  EXPECT_EQ(other.post_form(w().signet.base_url + "/account/apps/end-grant", theirs).status, 404);
  EXPECT_TRUE(active(c, first["access_token"]));

  HttpResponse ended = browser.post_form(w().signet.base_url + "/account/apps/end-grant", f);
  EXPECT_EQ(ended.status, 303) << ended.body;
  EXPECT_EQ(ended.location(), apps + "?ended=1");
  EXPECT_FALSE(active(c, first["access_token"]));
  EXPECT_EQ(refresh(c, first["refresh_token"]).json()["error"], "invalid_grant");
  EXPECT_TRUE(active(c, second["access_token"]));
  HttpResponse after = browser.get(ended.location());
  EXPECT_NE(after.body.find("That access was ended."), std::string::npos);
  EXPECT_EQ(after.body.find(ending), std::string::npos);
  EXPECT_NE(after.body.find(kept), std::string::npos);
}

}  // namespace
}  // namespace signet::it
