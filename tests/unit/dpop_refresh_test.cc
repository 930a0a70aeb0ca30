// Refresh tokens under DPoP and the FAPI 2.0 profile: a public client's family
// is bound to the DPoP key its code redemption proved (RFC 9449 §5); a
// confidential client may move to a new key; a FAPI 2.0 client's refresh token
// is not rotated (FAPI 2.0 Security Profile §5.3.2.1 item 9) yet still slides,
// and ends with its grant.
#include <gtest/gtest.h>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jose/dpop.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "jose/key_ring.h"
#include "jose_test_keys.h"
#include "memory_lifecycle_store.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/token/client_assertion.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

// The DPoP holder, a stranger, and the FAPI partner's assertion key: one key of
// each algorithm the profile allows.
const jose::PrivateKey& holder_key() { return jose::testing::key_of(jose::Alg::EdDSA); }
const jose::PrivateKey& other_key() { return jose::testing::key_of(jose::Alg::PS256); }
const jose::PrivateKey& partner_key() { return jose::testing::key_of(jose::Alg::ES256); }

Client with_refresh(Client c) {
  c.grant_types.push_back("refresh_token");
  return c;
}

// A FAPI 2.0 client: private_key_jwt, pushed requests only, DPoP-bound tokens.
Client fapi_partner() {
  Client c = with_refresh(finance_app());
  c.client_id = "partner";
  c.secret_digest.clear();
  c.token_endpoint_auth_method = "private_key_jwt";
  c.jwks = nlohmann::json{{"keys", nlohmann::json::array({partner_key().public_jwk()})}}.dump();
  c.require_pushed_authorization_requests = true;
  c.dpop_bound_access_tokens = true;
  return c;
}

class DpopRefreshTest : public ::testing::Test {
 protected:
  DpopRefreshTest() {
    ring_.add(*jose::PrivateKey::generate(jose::Alg::ES256), jose::KeyState::kActive);
    Client mobile = with_refresh(mobile_app());
    clients_.add(mobile);
    authorizing_.add(mobile);
    clients_.add(with_refresh(finance_app()));
    authorizing_.add(with_refresh(finance_app()));
    clients_.add(fapi_partner());
    // The code is minted as if pushed: the authorization step is not under test.
    Client pushed = fapi_partner();
    pushed.require_pushed_authorization_requests = false;
    authorizing_.add(pushed);
  }

  std::string proof(const jose::PrivateKey& key = holder_key()) {
    return jose::make_dpop_proof(key, "POST", std::string(kIssuer) + "/token", clock_.now(),
                                 random_token(12), std::nullopt);
  }

  std::string code_for(const std::string& client_id, const std::string& redirect) {
    Params q = authorize_query();
    q["client_id"] = client_id;
    q["redirect_uri"] = redirect;
    q["scope"] = "read:accounts";
    auto req = validate_with_clients(q, authorizing_);
    EXPECT_TRUE(req.ok()) << (req ? "" : req.error().error.description);
    if (!req) return {};
    auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
    EXPECT_TRUE(code.ok());
    return code ? *code : std::string();
  }

  // The client's own authentication: none, its secret, or a fresh assertion.
  void authenticate(TokenRequest& r, const std::string& client_id) {
    if (client_id == "mobile-app") {
      r.form["client_id"] = client_id;
    } else if (client_id == "finance-app") {
      r.authorization = "Basic " + base64_encode("finance-app:finance-secret");
    } else {
      const nlohmann::json claims = {{"iss", client_id},         {"sub", client_id},
                                     {"aud", kIssuer},           {"iat", clock_.now()},
                                     {"exp", clock_.now() + 60}, {"jti", random_token(12)}};
      r.form["client_assertion_type"] = std::string(kJwtBearerAssertionType);
      r.form["client_assertion"] = jose::sign_compact(partner_key(), {{"typ", "JWT"}}, claims);
    }
  }

  Result<TokenResponse, OAuthError> redeem(const std::string& client_id,
                                           std::optional<std::string> dpop) {
    const std::string redirect =
        client_id == "mobile-app" ? "com.example.mobile:/callback" : kRedirect;
    TokenRequest r;
    r.form = {{"grant_type", "authorization_code"},
              {"code", code_for(client_id, redirect)},
              {"redirect_uri", redirect},
              {"code_verifier", kVerifier}};
    authenticate(r, client_id);
    r.dpop = std::move(dpop);
    return endpoint_.handle(r);
  }

  Result<TokenResponse, OAuthError> refresh(const std::string& client_id, const std::string& token,
                                            std::optional<std::string> dpop) {
    TokenRequest r;
    r.form = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
    authenticate(r, client_id);
    r.dpop = std::move(dpop);
    return endpoint_.handle(r);
  }

  std::string jkt_of(const std::string& access_token) {
    auto v = jose::verify_compact(access_token,
                                  [this](std::string_view kid) { return ring_.find_public(kid); });
    EXPECT_TRUE(v.ok());
    return v ? v->payload["cnf"].value("jkt", "") : std::string();
  }
  std::string jti_of(const std::string& access_token) {
    auto v = jose::verify_compact(access_token,
                                  [this](std::string_view kid) { return ring_.find_public(kid); });
    return v ? v->payload.value("jti", "") : std::string();
  }

  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryClientStore authorizing_;
  MemoryCodeStore codes_;
  MemoryLifecycleStore store_;
  jose::KeyRing ring_;
  WiredTokenEndpoint endpoint_{
      clients_, codes_, ring_, clock_,
      TokenWiring{test_token_settings(), nullptr, nullptr, &store_, RefreshSettings{3600, 4 * 3600},
                  [](const nlohmann::json&) {}}};
};

TEST_F(DpopRefreshTest, APublicClientsRefreshNeedsTheKeyOfItsRedemption) {
  auto first = redeem("mobile-app", proof());
  ASSERT_TRUE(first.ok()) << first.error().detail;
  ASSERT_FALSE(first->refresh_token.empty());

  auto bare = refresh("mobile-app", first->refresh_token, std::nullopt);
  ASSERT_FALSE(bare.ok()) << "a bound refresh token without a proof";
  EXPECT_EQ(bare.error().code, "invalid_grant");
  auto stranger = refresh("mobile-app", first->refresh_token, proof(other_key()));
  ASSERT_FALSE(stranger.ok()) << "a bound refresh token with another key's proof";
  EXPECT_EQ(stranger.error().code, "invalid_grant");

  // Refused attempts spend nothing: the holder refreshes, and the successor is bound too.
  auto next = refresh("mobile-app", first->refresh_token, proof());
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_EQ(next->token_type, "DPoP");
  EXPECT_EQ(jkt_of(next->access_token), *jose::jwk_thumbprint(holder_key().public_jwk()));
  EXPECT_NE(next->refresh_token, first->refresh_token) << "a public client keeps rotation";
  auto stolen = refresh("mobile-app", next->refresh_token, proof(other_key()));
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().code, "invalid_grant");
}

TEST_F(DpopRefreshTest, APublicClientWithoutDpopKeepsABearerRefreshToken) {
  auto first = redeem("mobile-app", std::nullopt);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  auto next = refresh("mobile-app", first->refresh_token, std::nullopt);
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_EQ(next->token_type, "Bearer");
}

TEST_F(DpopRefreshTest, AConfidentialClientMayMoveItsTokensToANewKey) {
  // Its refresh token is bound to its authentication, not to a key (RFC 9449 §5).
  auto first = redeem("finance-app", proof());
  ASSERT_TRUE(first.ok()) << first.error().detail;
  auto moved = refresh("finance-app", first->refresh_token, proof(other_key()));
  ASSERT_TRUE(moved.ok()) << moved.error().detail;
  EXPECT_EQ(jkt_of(moved->access_token), *jose::jwk_thumbprint(other_key().public_jwk()));
}

TEST_F(DpopRefreshTest, AFapiClientsRefreshTokenIsNotRotatedButSlides) {
  auto first = redeem("partner", proof());
  ASSERT_TRUE(first.ok()) << first.error().detail;
  const std::string token = first->refresh_token;
  ASSERT_FALSE(token.empty());
  std::vector<std::string> jtis = {jti_of(first->access_token)};
  // Lifetime 3600 s: four refreshes 3000 s apart prove the expiry slides (12000 s
  // in all), and the same token is answered back each time.
  for (int i = 0; i < 4; ++i) {
    clock_.advance(3000);
    auto r = refresh("partner", token, proof());
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().detail;
    EXPECT_EQ(r->refresh_token, token) << i;
    EXPECT_EQ(r->token_type, "DPoP");
    jtis.push_back(jti_of(r->access_token));
  }
  EXPECT_NE(jtis[1], jtis[2]) << "each refresh is a new access token";
  // Still bound to the grant: a revoked family takes every access token with it.
  auto record = store_.find_refresh_token(sha256_b64url(token));
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_FALSE((*record)->used_at) << "a token not rotated is never marked used";
  ASSERT_TRUE(store_.revoke_family((*record)->family_id, clock_.now(), "test").ok());
  auto after = refresh("partner", token, proof());
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, "invalid_grant");
  for (const auto& jti : jtis) EXPECT_TRUE(*store_.is_access_token_revoked(jti)) << jti;
}

TEST_F(DpopRefreshTest, AClientOutsideTheFapiProfileKeepsRotation) {
  // Control for the rule above: the same client without require PAR rotates.
  Client partial = fapi_partner();
  partial.require_pushed_authorization_requests = false;
  clients_.add(partial);
  auto first = redeem("partner", proof());
  ASSERT_TRUE(first.ok()) << first.error().detail;
  auto r = refresh("partner", first->refresh_token, proof());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_NE(r->refresh_token, first->refresh_token);
}

}  // namespace
}  // namespace signet::protocol::testing
