// Key rotation, client administration and resource indicators against the real
// servers: bank-api keeps verifying across a rotation without restart, several
// signet processes on one database follow a rotation, client changes reach a
// running server through the client cache invalidation, and `resource` sets `aud`.
#include <chrono>
#include <set>
#include <thread>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";

class KeysClientsTest : public IntegrationTest {
 protected:
  // A machine client (client_credentials) for `scope`.
  Client machine(const std::string& scope) {
    return w().add_client(w().unique("Machine"), {}, scope, false, {"client_credentials"});
  }
  HttpResponse cc_token(const Client& c, const std::string& base_url = {},
                        std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"grant_type", "client_credentials"}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    if (base_url.empty()) return w().token_request(fields, &c);
    HttpClient http;
    return http.post_form(base_url + "/token", fields,
                          {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
  }
  static std::set<std::string> jwks_kids(const std::string& base_url) {
    HttpClient http;
    std::set<std::string> kids;
    auto r = http.get(base_url + "/jwks");
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    if (r.status != 200) return kids;
    const nlohmann::json body = r.json();  // kept alive for the loop
    for (const auto& k : body["keys"]) kids.insert(k.value("kid", ""));
    return kids;
  }
  // Polls until a fresh token from `base_url` is signed with `kid` (replicas reload
  // through LISTEN signet_keys).
  std::string token_signed_with(const Client& c, const std::string& kid,
                                const std::string& base_url) {
    for (int i = 0; i < 100; ++i) {
      auto r = cc_token(c, base_url);
      if (r.status == 200) {
        std::string token = r.json()["access_token"];
        if (jwt_header(token).value("kid", "") == kid) return token;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return {};
  }
  // bank-api refetches its JWKS on an unknown kid at most every 30 s (the
  // resource library's guard against kid floods): a token signed by a key newer
  // than its last fetch is accepted within that interval, without a restart.
  HttpResponse bank_get_eventually(const std::string& path, const std::string& token) {
    HttpResponse r;
    for (int i = 0; i < 80; ++i) {
      r = w().bank_get(path, token);
      if (r.status == 200 || r.body.find("unknown signing key") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return r;
  }
  nlohmann::json keys_list() {
    auto r = w().cli({"keys", "list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(KeysClientsTest, RotationWhileBankApiServesKeepsTokensAccepted) {
  Client c = machine("read:accounts");
  auto first = cc_token(c);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string old_token = first.json()["access_token"];
  ASSERT_EQ(w().bank_get("/accounts", old_token).status, 200);
  const std::string old_kid = jwt_header(old_token)["kid"];

  auto rotated = w().cli({"keys", "rotate", "--now"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto j = nlohmann::json::parse(rotated.out);
  const std::string new_kid = j["kid"];
  EXPECT_EQ(j["state"], "active");
  EXPECT_NE(new_kid, old_kid);

  const std::string new_token = token_signed_with(c, new_kid, w().signet.base_url);
  ASSERT_FALSE(new_token.empty()) << "signet never signed with the new key";
  auto kids = jwks_kids(w().signet.base_url);
  EXPECT_TRUE(kids.count(new_kid));
  EXPECT_TRUE(kids.count(old_kid)) << "the retired key must stay published";
  // bank-api has the old JWKS cached: it refetches on the unknown kid.
  auto r = bank_get_eventually("/accounts", new_token);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w().bank_get("/accounts", old_token).status, 200) << "old tokens stay valid";

  bool old_retired = false;
  for (const auto& k : keys_list()) {
    if (k["kid"] == old_kid) old_retired = k["state"] == "retired" && !k["retired_at"].is_null();
  }
  EXPECT_TRUE(old_retired);
}

TEST_F(KeysClientsTest, TwoSignetProcessesFollowOneRotation) {
  std::string error;
  Server second = w().start_signet({}, &error);
  Forget forget{second};
  ASSERT_TRUE(second.process) << error;
  Client c = machine("read:accounts");
  ASSERT_EQ(cc_token(c, second.base_url).status, 200);

  auto rotated = w().cli({"keys", "rotate", "--now"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const std::string new_kid = nlohmann::json::parse(rotated.out)["kid"];
  EXPECT_FALSE(token_signed_with(c, new_kid, second.base_url).empty())
      << "the second process never reloaded its keys";
  EXPECT_FALSE(token_signed_with(c, new_kid, w().signet.base_url).empty());
  EXPECT_TRUE(jwks_kids(second.base_url).count(new_kid));
}

TEST_F(KeysClientsTest, NextKeyIsPublishedAtOnceAndPromotedAfterTheDelay) {
  std::string error;
  Server fast = w().start_signet({{"SIGNET_KEY_PUBLISH_DELAY", "2"}}, &error);
  Forget forget{fast};
  ASSERT_TRUE(fast.process) << error;
  Client c = machine("read:accounts");

  auto rotated = w().cli({"keys", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto j = nlohmann::json::parse(rotated.out);
  EXPECT_EQ(j["state"], "next");
  const std::string kid = j["kid"];
  // Published at once (after the reload), not signing yet.
  bool published = false;
  for (int i = 0; i < 50 && !published; ++i) {
    published = jwks_kids(fast.base_url).count(kid) > 0;
    if (!published) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(published);
  // Within a few seconds the server promotes it; then it signs.
  EXPECT_FALSE(token_signed_with(c, kid, fast.base_url).empty());
  bool active = false;
  for (const auto& k : keys_list()) {
    if (k["kid"] == kid) active = k["state"] == "active";
  }
  EXPECT_TRUE(active);
}

TEST_F(KeysClientsTest, RotatedSecretReplacesTheOldOneOnARunningServer) {
  Client c = machine("read:accounts");
  ASSERT_EQ(cc_token(c).status, 200);  // now cached by the server
  auto rotated = w().cli({"client", "rotate-secret", c.client_id});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  Client fresh = c;
  fresh.client_secret = nlohmann::json::parse(rotated.out)["client_secret"];
  ASSERT_NE(fresh.client_secret, c.client_secret);
  HttpResponse old_secret;
  for (int i = 0; i < 50; ++i) {  // the NOTIFY reaches the cache within moments
    old_secret = cc_token(c);
    if (old_secret.status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(old_secret.status, 401) << old_secret.body;
  EXPECT_EQ(old_secret.json().value("error", ""), "invalid_client");
  EXPECT_EQ(cc_token(fresh).status, 200);
}

TEST_F(KeysClientsTest, DeletedClientIsInvalidClient) {
  Client c = machine("read:accounts");
  ASSERT_EQ(cc_token(c).status, 200);
  auto deleted = w().cli({"client", "delete", c.client_id});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  HttpResponse r;
  for (int i = 0; i < 50; ++i) {
    r = cc_token(c);
    if (r.status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.json().value("error", ""), "invalid_client");
  EXPECT_NE(w().cli({"client", "show", c.client_id}).exit_code, 0);
}

TEST_F(KeysClientsTest, PerClientAccessTokenLifetime) {
  Client c = machine("read:accounts");
  auto updated = w().cli({"client", "update", c.client_id, "--access-token-ttl", "120"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_EQ(nlohmann::json::parse(updated.out)["access_token_ttl"], 120);
  HttpResponse r;
  for (int i = 0; i < 50; ++i) {
    r = cc_token(c);
    if (r.status == 200 && r.json()["expires_in"] == 120) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["expires_in"], 120);
  const auto claims = jwt_claims(r.json()["access_token"].get<std::string>());
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 120);
}

TEST_F(KeysClientsTest, ResourceIndicatorSetsTheAudience) {
  const std::string other = "https://" + w().unique("ledger") + ".example.com/api";
  auto added = w().cli(
      {"resource", "add", "--audience", other, "--name", "Ledger", "--scope", "read:accounts"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  Client c = machine("read:accounts write:payments");

  auto bank = cc_token(c, {}, {{"resource", kBankAudience}});
  ASSERT_EQ(bank.status, 200) << bank.body;
  const std::string bank_token = bank.json()["access_token"];
  EXPECT_EQ(jwt_claims(bank_token)["aud"], kBankAudience);
  EXPECT_EQ(bank_get_eventually("/accounts", bank_token).status, 200);

  auto ledger = cc_token(c, {}, {{"resource", other}});
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  EXPECT_EQ(ledger.json()["scope"], "read:accounts") << "only the scopes the resource owns";
  const std::string ledger_token = ledger.json()["access_token"];
  EXPECT_EQ(jwt_claims(ledger_token)["aud"], other);
  // bank-api accepts only tokens for its own audience.
  auto refused = bank_get_eventually("/accounts", ledger_token);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.header("www-authenticate").find("invalid_token"), std::string::npos);

  auto unknown = cc_token(c, {}, {{"resource", "https://unknown.example.com/"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json().value("error", ""), "invalid_target");
  auto foreign_scope = cc_token(c, {}, {{"resource", other}, {"scope", "write:payments"}});
  EXPECT_EQ(foreign_scope.status, 400);
  EXPECT_EQ(foreign_scope.json().value("error", ""), "invalid_scope");
}

// RFC 8707 §2: `resource` is an absolute URI without a fragment, one per
// request. Anything else is invalid_target at /token and at /authorize (back at
// the redirect URI). A repeated `resource` at /authorize cannot be seen: Pistache
// keeps the first of repeated query keys before Signet reads them (README, Known
// limits).
TEST_F(KeysClientsTest, ResourceMustBeOneAbsoluteUriWithoutFragment) {
  Client c = machine("read:accounts");
  for (const std::string bad : {"bank-api", "/accounts", "https://api.example/#frag"}) {
    auto r = cc_token(c, {}, {{"resource", bad}});
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(r.json().value("error", ""), "invalid_target") << bad;
  }
  auto twice = cc_token(c, {}, {{"resource", kBankAudience}, {"resource", kBankAudience}});
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(twice.json().value("error", ""), "invalid_target") << twice.body;
  // Another repeated parameter stays a plain invalid_request (RFC 6749 §3.1).
  auto scope_twice = cc_token(c, {}, {{"scope", "read:accounts"}, {"scope", "read:accounts"}});
  EXPECT_EQ(scope_twice.json().value("error", ""), "invalid_request") << scope_twice.body;
  auto ok = cc_token(c, {}, {{"resource", kBankAudience}});
  EXPECT_EQ(ok.status, 200) << ok.body;

  User user = w().add_user(w().unique("rita"), "correct horse battery staple");
  Client app = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts");
  HttpClient browser;
  AuthorizeRequest req{app.client_id, kRedirect,      "read:accounts",
                       random_hex(8), random_hex(32), {{"resource", "bank-api"}}};
  auto refused = w().authorize(browser, req, user);
  EXPECT_TRUE(refused.code().empty());
  auto p = query_params(refused.redirect);
  EXPECT_EQ(p["error"], "invalid_target") << refused.redirect << refused.last.body;
  EXPECT_EQ(p["state"], req.state);
}

TEST_F(KeysClientsTest, ResourceIndicatorInTheCodeFlow) {
  User user = w().add_user(w().unique("rita"), "correct horse battery staple");
  Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts");
  HttpClient browser;
  AuthorizeRequest req;
  req.client_id = c.client_id;
  req.redirect_uri = kRedirect;
  req.scope = "read:accounts";
  req.state = random_hex(8);
  req.code_verifier = random_hex(32);
  req.extra = {{"resource", kBankAudience}};
  auto result = w().authorize(browser, req, user);
  ASSERT_FALSE(result.code().empty()) << result.redirect << result.last.body;
  auto token = w().exchange_code(c, result.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(jwt_claims(token.json()["access_token"].get<std::string>())["aud"], kBankAudience);

  // An unregistered resource is refused at /authorize already (RFC 8707 §2),
  // back at the client's redirect URI: no code is issued.
  req.extra = {{"resource", "https://unknown.example.com/"}};
  req.state = random_hex(8);
  auto second = w().authorize(browser, req, user);
  EXPECT_TRUE(second.code().empty());
  auto p = query_params(second.redirect);
  EXPECT_EQ(p["error"], "invalid_target") << second.redirect << second.last.body;
  EXPECT_EQ(p["state"], req.state);
}

TEST_F(KeysClientsTest, RefreshKeepsTheResourceOfTheGrant) {
  const std::string ledger = "https://" + w().unique("ledger") + ".example.com/api";
  auto added = w().cli(
      {"resource", "add", "--audience", ledger, "--name", "Ledger", "--scope", "read:accounts"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  User user = w().add_user(w().unique("rita"), "correct horse battery staple");
  Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts", false,
                            {"authorization_code", "refresh_token"});
  HttpClient browser;
  AuthorizeRequest req;
  req.client_id = c.client_id;
  req.redirect_uri = kRedirect;
  req.scope = "read:accounts";
  req.state = random_hex(8);
  req.code_verifier = random_hex(32);
  req.extra = {{"resource", ledger}};
  auto result = w().authorize(browser, req, user);
  ASSERT_FALSE(result.code().empty()) << result.redirect << result.last.body;
  auto token = w().exchange_code(c, result.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(jwt_claims(token.json()["access_token"].get<std::string>())["aud"], ledger);
  const std::string rt = token.json()["refresh_token"];

  HttpClient http;
  const Headers basic = {{"Authorization", basic_auth(c.client_id, c.client_secret)}};
  // RFC 8707 §2.2: another resource is refused and the token stays usable.
  auto other = http.post_form(
      w().signet.base_url + "/token",
      {{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"resource", kBankAudience}}, basic);
  EXPECT_EQ(other.status, 400) << other.body;
  EXPECT_EQ(other.json().value("error", ""), "invalid_target");
  // Without a resource, and with the same one, the new token keeps the grant's audience.
  auto refreshed = http.post_form(w().signet.base_url + "/token",
                                  {{"grant_type", "refresh_token"}, {"refresh_token", rt}}, basic);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(jwt_claims(refreshed.json()["access_token"].get<std::string>())["aud"], ledger);
  auto again =
      http.post_form(w().signet.base_url + "/token",
                     {{"grant_type", "refresh_token"},
                      {"refresh_token", refreshed.json()["refresh_token"].get<std::string>()},
                      {"resource", ledger}},
                     basic);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(jwt_claims(again.json()["access_token"].get<std::string>())["aud"], ledger);
}

// signet keys revoke withdraws a (leaked) signing key: it leaves /jwks at once,
// and bank-api, which refetches its JWKS every BANK_API_JWKS_REFRESH_SECONDS,
// refuses the key's tokens within that interval, even one it had already verified
// and cached. New tokens carry the replacement key and are accepted. (Last in this
// file: afterwards the shared bank-api meets the new key as an unknown kid.)
TEST_F(KeysClientsTest, RevokedKeyIsRefusedByBankApiWithinItsRefreshInterval) {
  constexpr int kRefresh = 2;  // seconds
  constexpr int kMargin = 3;   // signet's reload, the polling, a busy machine
  std::string error;
  Server bank =
      w().start_bank_api({{"BANK_API_JWKS_REFRESH_SECONDS", std::to_string(kRefresh)}}, &error);
  Forget forget{bank};
  ASSERT_TRUE(bank.process) << error;
  Client c = machine("read:accounts");
  auto issued = cc_token(c);
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token = issued.json()["access_token"];
  const std::string kid = jwt_header(token)["kid"];
  ASSERT_EQ(w().bank_get("/accounts", token, bank.base_url).status, 200);
  ASSERT_EQ(w().bank_get("/accounts", token, bank.base_url).status, 200);  // now cached

  auto revoked = w().cli({"keys", "revoke", kid});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  const auto start = std::chrono::steady_clock::now();
  const auto j = nlohmann::json::parse(revoked.out);
  EXPECT_EQ(j["previous_state"], "active");
  ASSERT_TRUE(j["activated"].is_string()) << revoked.out;
  const std::string replacement = j["activated"];
  EXPECT_NE(replacement, kid);

  HttpResponse refused;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(kRefresh + kMargin)) {
    refused = w().bank_get("/accounts", token, bank.base_url);
    if (refused.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(refused.status, 401) << "bank-api still accepts a revoked key's token after "
                                 << kRefresh + kMargin << " s: " << refused.body;
  EXPECT_NE(refused.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos)
      << refused.header("www-authenticate");
  EXPECT_FALSE(jwks_kids(w().signet.base_url).count(kid)) << "the revoked key is still published";
  EXPECT_EQ(keys_list().dump().find(kid), std::string::npos);

  const std::string fresh = token_signed_with(c, replacement, w().signet.base_url);
  ASSERT_FALSE(fresh.empty()) << "signet never signed with the replacement key";
  EXPECT_TRUE(jwks_kids(w().signet.base_url).count(replacement));
  HttpResponse accepted;
  for (int i = 0; i < 10 * (kRefresh + kMargin); ++i) {
    accepted = w().bank_get("/accounts", fresh, bank.base_url);
    if (accepted.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(accepted.status, 200) << accepted.body;

  auto trail = w().db->query(
      "SELECT detail->'key'->>'previous_state' FROM audit_events WHERE event = 'key.changed' "
      "AND detail->>'action' = 'revoke' AND detail->'key'->>'kid' = $1",
      {kid});
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0][0], "active");
}

}  // namespace
}  // namespace signet::it
