// Refresh tokens (rotation, reuse detection, narrowing, client binding, expiry),
// introspection and revocation, on in-memory stores. Each test names the rule it
// proves.
#include <gtest/gtest.h>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/form.h"
#include "jose/jws.h"
#include "jose/key_ring.h"
#include "memory_lifecycle_store.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/introspection.h"
#include "protocol/token/access_token.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

const jose::PrivateKey& test_key() {
  static const jose::PrivateKey key = [] {
    auto k = jose::PrivateKey::generate(jose::Alg::ES256);
    if (!k) std::abort();
    return std::move(k.value());
  }();
  return key;
}

TokenSettings token_settings() {
  TokenSettings s;
  s.issuer = kIssuer;
  s.audience = kAudience;
  s.access_token_lifetime = 600;
  return s;
}

std::string basic(const std::string& id, const std::string& secret) {
  return "Basic " + base64_encode(url_encode(id) + ":" + url_encode(secret));
}

Client refreshing(Client c) {
  c.grant_types.push_back("refresh_token");
  return c;
}

// A registry holding one resource server.
class OneResource final : public ResourceStore {
 public:
  explicit OneResource(ResourceServer r) : r_(std::move(r)) {}
  StoreResult<std::optional<ResourceServer>> find_resource(std::string_view audience) override {
    if (audience != r_.audience) return std::optional<ResourceServer>{};
    return std::optional<ResourceServer>{r_};
  }

 private:
  ResourceServer r_;
};

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest() {
    keys_.add(test_key(), jose::KeyState::kActive);
    clients_.add(refreshing(finance_app()));
    Client other = refreshing(finance_app("other-secret"));
    other.client_id = "other-app";
    clients_.add(other);
    Client rp = refreshing(finance_app("rp-secret"));
    rp.client_id = "rp-app";
    rp.scopes.insert(rp.scopes.end(), {"openid", "offline_access"});
    clients_.add(rp);
    Client plain = finance_app("plain-secret");
    plain.client_id = "plain-app";
    clients_.add(plain);
  }

  std::string mint_code(const std::string& client_id = "finance-app",
                        const std::string& scope = "read:accounts read:transactions") {
    Params q = authorize_query();
    q["client_id"] = client_id;
    q["scope"] = scope;
    auto req = validate_with_clients(q, clients_);
    EXPECT_TRUE(req.ok());
    if (!req) return {};
    auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
    EXPECT_TRUE(code.ok());
    return code.ok() ? *code : std::string{};
  }

  Result<TokenResponse, OAuthError> redeem(const std::string& code,
                                           const std::string& client_id = "finance-app",
                                           const std::string& secret = "finance-secret") {
    TokenRequest r;
    r.form = {{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", kRedirect},
              {"code_verifier", kVerifier}};
    r.authorization = basic(client_id, secret);
    return endpoint_.handle(r);
  }

  Result<TokenResponse, OAuthError> refresh(const std::string& token, const std::string& scope = {},
                                            const std::string& client_id = "finance-app",
                                            const std::string& secret = "finance-secret") {
    TokenRequest r;
    r.form = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
    if (!scope.empty()) r.form["scope"] = scope;
    r.authorization = basic(client_id, secret);
    return endpoint_.handle(r);
  }

  TokenResponse first_tokens() {
    auto r = redeem(mint_code());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    EXPECT_FALSE(r.ok() && r->refresh_token.empty());
    return r.ok() ? *r : TokenResponse{};
  }

  nlohmann::json introspect(const std::string& token, const std::string& client_id = "finance-app",
                            const std::string& secret = "finance-secret") {
    TokenRequest r;
    r.form = {{"token", token}};
    r.authorization = basic(client_id, secret);
    auto out = introspection_.introspect(r);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().detail);
    return out.ok() ? *out : nlohmann::json{};
  }

  void revoke(const std::string& token, const std::string& client_id = "finance-app",
              const std::string& secret = "finance-secret") {
    TokenRequest r;
    r.form = {{"token", token}};
    r.authorization = basic(client_id, secret);
    auto out = introspection_.revoke(r);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().detail);
  }

  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  MemoryLifecycleStore store_;
  jose::KeyRing keys_;
  // Refresh tokens on, with the endpoint's own sink recording into events_.
  WiredTokenEndpoint endpoint_{
      clients_, codes_, keys_, clock_,
      TokenWiring{token_settings(), nullptr, nullptr, &store_, RefreshSettings{3600, 4 * 3600},
                  [this](const nlohmann::json& e) { events_.push_back(e); }}};
  TestClientAuthentication auth_{clients_, clock_};
  Introspection introspection_{token_settings(), auth_.authenticator, store_, keys_, clock_};
  std::vector<nlohmann::json> events_;
};

TEST_F(LifecycleTest, CodeGrantIssuesRefreshTokenOnlyToClientsWithTheGrant) {
  TokenResponse t = first_tokens();
  EXPECT_GE(t.refresh_token.size(), 43u);  // 256 random bits
  EXPECT_EQ(t.to_json()["refresh_token"], t.refresh_token);

  auto plain = redeem(mint_code("plain-app"), "plain-app", "plain-secret");
  ASSERT_TRUE(plain.ok()) << plain.error().detail;
  EXPECT_TRUE(plain->refresh_token.empty());
  EXPECT_FALSE(plain->to_json().contains("refresh_token"));
}

TEST_F(LifecycleTest, ClientWithoutTheGrantCannotRefresh) {
  auto r = refresh(first_tokens().refresh_token, "", "plain-app", "plain-secret");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized_client");
}

TEST_F(LifecycleTest, RefreshRotatesTheToken) {
  TokenResponse t = first_tokens();
  clock_.advance(60);
  auto r = refresh(t.refresh_token);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_FALSE(r->access_token.empty());
  EXPECT_NE(r->refresh_token, t.refresh_token);
  EXPECT_EQ(r->scope, "read:accounts read:transactions");
  EXPECT_EQ(r->expires_in, 600);
  // The successor works once more.
  auto again = refresh(r->refresh_token);
  ASSERT_TRUE(again.ok()) << again.error().detail;
}

TEST_F(LifecycleTest, ReuseOfRotatedTokenRevokesTheWholeFamily) {
  TokenResponse t = first_tokens();
  auto second = refresh(t.refresh_token);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(events_.empty());

  // The old token comes back (an attacker, or the client's stolen copy).
  auto reuse = refresh(t.refresh_token);
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error().code, "invalid_grant");

  // Every token of the family is dead: the successor and its access tokens.
  auto successor = refresh(second->refresh_token);
  ASSERT_FALSE(successor.ok());
  EXPECT_EQ(successor.error().code, "invalid_grant");
  EXPECT_EQ(introspect(second->access_token)["active"], false);
  EXPECT_EQ(introspect(t.access_token)["active"], false);

  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["event"], "refresh_token_reuse");
  EXPECT_EQ(events_[0]["client_id"], "finance-app");
  const std::string logged = events_[0].dump();
  EXPECT_EQ(logged.find(t.refresh_token), std::string::npos) << "token value in the log";
  EXPECT_EQ(logged.find(second->refresh_token), std::string::npos);
}

TEST_F(LifecycleTest, ReuseIsReportedToTheRequestsOwnSinkForTheAuditTrail) {
  TokenResponse t = first_tokens();
  auto second = refresh(t.refresh_token);
  ASSERT_TRUE(second.ok());
  // The audit trail needs who the token is for, without parsing it.
  EXPECT_EQ(second->client_id, "finance-app");
  EXPECT_FALSE(second->subject.empty());
  EXPECT_FALSE(second->jti.empty());

  std::vector<nlohmann::json> request_events;
  TokenRequest r;
  r.form = {{"grant_type", "refresh_token"}, {"refresh_token", t.refresh_token}};
  r.authorization = basic("finance-app", "finance-secret");
  r.security_events = [&](const nlohmann::json& e) { request_events.push_back(e); };
  auto reuse = endpoint_.handle(r);
  ASSERT_FALSE(reuse.ok());
  ASSERT_EQ(request_events.size(), 1u);
  EXPECT_EQ(request_events[0]["event"], "refresh_token_reuse");
  EXPECT_EQ(request_events[0]["subject"], second->subject);
  EXPECT_EQ(events_.size(), 1u) << "the endpoint's own sink still hears it";
}

TEST_F(LifecycleTest, RefreshMayNarrowScopeAndTheGrantKeepsItsScope) {
  TokenResponse t = first_tokens();
  auto narrow = refresh(t.refresh_token, "read:accounts");
  ASSERT_TRUE(narrow.ok()) << narrow.error().detail;
  EXPECT_EQ(narrow->scope, "read:accounts");
  // RFC 6749 §6: the new refresh token keeps the original scope.
  auto full = refresh(narrow->refresh_token);
  ASSERT_TRUE(full.ok()) << full.error().detail;
  EXPECT_EQ(full->scope, "read:accounts read:transactions");
}

TEST_F(LifecycleTest, RefreshCannotWidenScope) {
  Params q = authorize_query();
  q["scope"] = "read:accounts";
  auto req = validate_with_clients(q, clients_);
  ASSERT_TRUE(req.ok());
  auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
  ASSERT_TRUE(code.ok());
  auto t = redeem(*code);
  ASSERT_TRUE(t.ok());

  auto wider = refresh(t->refresh_token, "read:accounts read:transactions");
  ASSERT_FALSE(wider.ok());
  EXPECT_EQ(wider.error().code, "invalid_scope");
  // Refused without consuming the token: no reuse alarm on the next, honest use.
  auto honest = refresh(t->refresh_token);
  ASSERT_TRUE(honest.ok()) << honest.error().detail;
  EXPECT_EQ(honest->scope, "read:accounts");
  EXPECT_TRUE(events_.empty());
}

// A scope taken from the client (`signet client update --scope`) leaves the
// grant at the next refresh: the access token carries the intersection, and
// the successor refresh token too, so restoring the scope does not bring it back.
TEST_F(LifecycleTest, ScopeRemovedFromTheClientLeavesTheNextRefresh) {
  TokenResponse t = first_tokens();
  Client narrowed = refreshing(finance_app());
  narrowed.scopes = {"read:accounts", "write:payments"};
  clients_.add(narrowed);

  auto asked = refresh(t.refresh_token, "read:transactions");
  ASSERT_FALSE(asked.ok());
  EXPECT_EQ(asked.error().code, "invalid_scope");

  auto r = refresh(t.refresh_token);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->scope, "read:accounts");
  auto v = jose::verify_compact(r->access_token,
                                [this](std::string_view kid) { return keys_.find_public(kid); });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->payload["scope"], "read:accounts");

  clients_.add(refreshing(finance_app()));  // the scope comes back to the client
  auto later = refresh(r->refresh_token);
  ASSERT_TRUE(later.ok()) << later.error().detail;
  EXPECT_EQ(later->scope, "read:accounts") << "the successor kept the removed scope";
  EXPECT_EQ(introspect(later->refresh_token)["scope"], "read:accounts");
}

TEST_F(LifecycleTest, ClientLeftWithNoScopeOfTheGrantCannotRefresh) {
  TokenResponse t = first_tokens();
  Client emptied = refreshing(finance_app());
  emptied.scopes = {"write:payments"};
  clients_.add(emptied);
  auto r = refresh(t.refresh_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_grant");
  EXPECT_TRUE(events_.empty()) << "no reuse alarm: the token was not consumed";
}

TEST_F(LifecycleTest, ClientWhoseRefreshGrantWasRemovedCannotRefresh) {
  TokenResponse t = first_tokens();
  clients_.add(finance_app());  // grant_types back to authorization_code only
  auto r = refresh(t.refresh_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized_client");
}

// OpenID Connect Core §11: a sign-in yields a refresh token only with
// offline_access requested and granted; plain OAuth keeps the client's grant.
TEST_F(LifecycleTest, SignInGetsARefreshTokenOnlyWithOfflineAccess) {
  auto online = redeem(mint_code("rp-app", "openid read:accounts"), "rp-app", "rp-secret");
  ASSERT_TRUE(online.ok()) << online.error().detail;
  EXPECT_TRUE(online->refresh_token.empty());

  auto offline =
      redeem(mint_code("rp-app", "openid offline_access read:accounts"), "rp-app", "rp-secret");
  ASSERT_TRUE(offline.ok()) << offline.error().detail;
  EXPECT_FALSE(offline->refresh_token.empty());

  auto plain = redeem(mint_code("rp-app", "read:accounts"), "rp-app", "rp-secret");
  ASSERT_TRUE(plain.ok()) << plain.error().detail;
  EXPECT_FALSE(plain->refresh_token.empty());

  // offline_access taken from the client ends the sign-in's refreshes.
  Client rp = refreshing(finance_app("rp-secret"));
  rp.client_id = "rp-app";
  rp.scopes.push_back("openid");
  clients_.add(rp);
  auto r = refresh(offline->refresh_token, "", "rp-app", "rp-secret");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_grant");
}

TEST_F(LifecycleTest, RefreshTokenIsBoundToItsClient) {
  TokenResponse t = first_tokens();
  auto stolen = refresh(t.refresh_token, "", "other-app", "other-secret");
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().code, "invalid_grant");
  // The owner still can.
  auto owner = refresh(t.refresh_token);
  ASSERT_TRUE(owner.ok()) << owner.error().detail;
}

TEST_F(LifecycleTest, SlidingExpiryAndAbsoluteFamilyLimit) {
  TokenResponse t = first_tokens();
  // Sliding: each rotation renews the hour, until the 4-hour family limit.
  std::string token = t.refresh_token;
  for (int i = 0; i < 3; ++i) {
    clock_.advance(3000);
    auto r = refresh(token);
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().detail;
    token = r->refresh_token;
  }
  clock_.advance(3000);  // 12000 s: the successor is capped at the family limit, 14400 s
  auto r = refresh(token);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  token = r->refresh_token;
  clock_.advance(2401);  // 14401 s: beyond the family's absolute limit
  auto late = refresh(token);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "invalid_grant");
}

TEST_F(LifecycleTest, UnusedTokenExpiresAfterItsLifetime) {
  TokenResponse t = first_tokens();
  clock_.advance(3600);
  auto r = refresh(t.refresh_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_grant");
}

TEST_F(LifecycleTest, ReplayedCodeRevokesTheRefreshFamily) {
  std::string code = mint_code();
  auto first = redeem(code);
  ASSERT_TRUE(first.ok());
  clock_.advance(2);
  auto replay = redeem(code);
  ASSERT_FALSE(replay.ok());
  auto r = refresh(first->refresh_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_grant");
}

TEST_F(LifecycleTest, UsedCodePresentedByAnotherClientKeepsTheOwnersFamily) {
  std::string code = mint_code();
  auto first = redeem(code);
  ASSERT_TRUE(first.ok());
  auto stranger = redeem(code, "other-app", "other-secret");
  ASSERT_FALSE(stranger.ok());
  EXPECT_EQ(stranger.error().code, "invalid_grant");
  auto r = refresh(first->refresh_token);
  EXPECT_TRUE(r.ok()) << "a stranger's replay ended the owner's grant";
}

TEST_F(LifecycleTest, IntrospectionDescribesActiveTokens) {
  TokenResponse t = first_tokens();
  auto at = introspect(t.access_token);
  EXPECT_EQ(at["active"], true);
  EXPECT_EQ(at["token_type"], "Bearer");
  EXPECT_EQ(at["client_id"], "finance-app");
  EXPECT_EQ(at["sub"], "alice");
  EXPECT_EQ(at["aud"], kAudience);
  EXPECT_EQ(at["iss"], kIssuer);
  EXPECT_EQ(at["scope"], "read:accounts read:transactions");
  EXPECT_EQ(at["exp"], clock_.now() + 600);

  auto rt = introspect(t.refresh_token);
  EXPECT_EQ(rt["active"], true);
  EXPECT_EQ(rt["token_type"], "refresh_token");
  EXPECT_EQ(rt["exp"], clock_.now() + 3600);
  // Another client never sees someone else's refresh token.
  EXPECT_EQ(introspect(t.refresh_token, "other-app", "other-secret")["active"], false);

  clock_.advance(600);
  EXPECT_EQ(introspect(t.access_token)["active"], false);  // expired
  EXPECT_EQ(introspect("not-a-token")["active"], false);
  EXPECT_EQ(introspect("a.b.c")["active"], false);
}

TEST_F(LifecycleTest, AccessTokenIsDescribedOnlyToItsClientOrItsResourceServer) {
  // RFC 7662 §4: a confidential client that is neither the token's client nor
  // registered for its audience learns nothing, not even that it is valid.
  TokenResponse t = first_tokens();
  const nlohmann::json inactive = {{"active", false}};
  EXPECT_EQ(introspect(t.access_token, "other-app", "other-secret"), inactive);
  EXPECT_EQ(introspect(t.access_token)["active"], true);  // its own client

  OneResource bank({kAudience, "Bank", {"read:accounts"}, {"plain-app"}});
  introspection_.enable_resource_servers(bank);
  auto seen = introspect(t.access_token, "plain-app", "plain-secret");
  EXPECT_EQ(seen["active"], true);
  EXPECT_EQ(seen["client_id"], "finance-app");
  EXPECT_EQ(introspect(t.access_token, "other-app", "other-secret"), inactive);

  // Registered for another audience only: nothing.
  OneResource ledger({"https://ledger.example/api", "Ledger", {"read:accounts"}, {"other-app"}});
  introspection_.enable_resource_servers(ledger);
  EXPECT_EQ(introspect(t.access_token, "other-app", "other-secret"), inactive);
  EXPECT_EQ(introspect(t.access_token, "plain-app", "plain-secret"), inactive);
}

TEST_F(LifecycleTest, PublicClientsCannotIntrospect) {
  clients_.add(mobile_app());
  TokenRequest r;
  r.form = {{"token", "x"}, {"client_id", "mobile-app"}};
  auto out = introspection_.introspect(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "invalid_client");
}

TEST_F(LifecycleTest, RevocationOfRefreshTokenEndsTheFamilyAndItsAccessTokens) {
  TokenResponse t = first_tokens();
  revoke(t.refresh_token);
  EXPECT_EQ(introspect(t.refresh_token)["active"], false);
  EXPECT_EQ(introspect(t.access_token)["active"], false);
  auto r = refresh(t.refresh_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_grant");
  EXPECT_TRUE(events_.empty()) << "a revoked token is not a reuse";
}

TEST_F(LifecycleTest, RevocationOfAccessTokenByJti) {
  TokenResponse t = first_tokens();
  revoke(t.access_token);
  EXPECT_EQ(introspect(t.access_token)["active"], false);
  EXPECT_EQ(introspect(t.refresh_token)["active"], true);
}

TEST_F(LifecycleTest, ClientCannotRevokeAnotherClientsTokens) {
  TokenResponse t = first_tokens();
  revoke(t.refresh_token, "other-app", "other-secret");
  revoke(t.access_token, "other-app", "other-secret");
  EXPECT_EQ(introspect(t.refresh_token)["active"], true);
  EXPECT_EQ(introspect(t.access_token)["active"], true);
  revoke("unknown-token");  // still a success
}

// A request that loses the race for a code (another redeemed it between the
// lookup and the redemption) is a second use: it revokes what the winner got.
// When that revocation fails, the answer says so (503, the client retries and
// the retry revokes) instead of a quiet invalid_grant that leaves the winner's
// family alive.
TEST_F(LifecycleTest, ALostRaceWhoseRevocationFailsIsAnOutageNotASilentRefusal) {
  const std::string code = mint_code();
  bool raced = false;
  std::optional<TokenResponse> winner;
  codes_.before_redeem = [&](MemoryCodeStore&, std::string_view) {
    if (raced) return;  // the winner's own redemption passes through here too
    raced = true;
    auto won = redeem(code);
    ASSERT_TRUE(won.ok()) << won.error().detail;
    winner = *won;
    store_.revocations_fail = true;
  };
  auto loser = redeem(code);
  ASSERT_TRUE(winner.has_value());
  ASSERT_FALSE(loser.ok());
  EXPECT_EQ(loser.error().code, "temporarily_unavailable") << loser.error().detail;
  auto found = store_.find_refresh_token(sha256_b64url(winner->refresh_token));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_FALSE((*found)->family_revoked_at);

  // The retry, with the store back, is a plain replay and revokes the family.
  store_.revocations_fail = false;
  codes_.before_redeem = nullptr;
  auto retry = redeem(code);
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code, "invalid_grant");
  EXPECT_TRUE(store_.family_revoked((*found)->family_id));
}

}  // namespace
}  // namespace signet::protocol::testing
