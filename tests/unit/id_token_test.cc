// OpenID Connect ID tokens (provider/protocol/id_token.h): claims (nonce,
// at_hash, auth_time, claims by scope), the token endpoint issuing them with
// scope openid, and the checks on an id_token_hint.
#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <map>
#include <string>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jose/jws.h"
#include "jose/key_ring.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/id_token.h"
#include "protocol/token/access_token.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

const jose::PrivateKey& key_of(jose::Alg alg) {
  static const jose::PrivateKey es = jose::PrivateKey::generate(jose::Alg::ES256).value();
  static const jose::PrivateKey rs = jose::PrivateKey::generate(jose::Alg::RS256).value();
  return alg == jose::Alg::ES256 ? es : rs;
}

class MemoryUserStore final : public UserStore {
 public:
  void add(User u) { users_[u.subject] = std::move(u); }
  StoreResult<std::optional<User>> find_user_by_username(std::string_view username) override {
    for (const auto& [_, u] : users_) {
      if (u.username == username) return std::optional<User>(u);
    }
    return std::optional<User>{};
  }
  StoreResult<std::optional<User>> find_user_by_subject(std::string_view subject) override {
    if (unavailable) {
      return fail(OAuthError::temporarily_unavailable("user store switched off by the test"));
    }
    auto it = users_.find(std::string(subject));
    if (it == users_.end()) return std::optional<User>{};
    return std::optional<User>(it->second);
  }

  bool unavailable = false;

 private:
  std::map<std::string, User> users_;
};

User alice() {
  User u;
  u.subject = "alice";
  u.username = "alice";
  u.name = "Alice Martin";
  u.email = "alice@example.com";
  u.email_verified = true;
  return u;
}

IdTokenInput input() {
  IdTokenInput in;
  in.issuer = kIssuer;
  in.client_id = "finance-app";
  in.user = alice();
  in.scopes = {"openid"};
  in.nonce = "n-0S6_WzA2Mj";
  in.auth_time = 1'699'999'000;
  in.access_token = "an-access-token";
  in.now = 1'700'000'000;
  in.lifetime = 300;
  return in;
}

TEST(IdTokenClaims, CarryIssSubAudIatExpAuthTimeAndNonce) {
  auto c = id_token_claims(input());
  EXPECT_EQ(c["iss"], kIssuer);
  EXPECT_EQ(c["sub"], "alice");
  EXPECT_EQ(c["aud"], "finance-app");
  EXPECT_EQ(c["iat"], 1'700'000'000);
  EXPECT_EQ(c["exp"], 1'700'000'300);
  EXPECT_EQ(c["auth_time"], 1'699'999'000);
  EXPECT_EQ(c["nonce"], "n-0S6_WzA2Mj");
}

TEST(IdTokenClaims, NoNonceClaimWhenNoneWasSent) {
  auto in = input();
  in.nonce.clear();
  EXPECT_FALSE(id_token_claims(in).contains("nonce"));
}

TEST(IdTokenClaims, AtHashIsLeftHalfOfSha256OfTheAccessToken) {
  // Computed independently with OpenSSL's one-shot SHA256.
  const std::string token = "an-access-token";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  const std::string expected =
      base64url_encode(std::string(reinterpret_cast<char*>(digest), SHA256_DIGEST_LENGTH / 2));
  EXPECT_EQ(access_token_hash(token), expected);
  EXPECT_EQ(id_token_claims(input())["at_hash"], expected);
  EXPECT_EQ(expected.size(), 22u);
}

TEST(IdTokenClaims, ProfileAndEmailClaimsOnlyWithTheirScopes) {
  auto c = id_token_claims(input());
  EXPECT_FALSE(c.contains("name"));
  EXPECT_FALSE(c.contains("email"));
  auto in = input();
  in.scopes = {"openid", "profile", "email"};
  c = id_token_claims(in);
  EXPECT_EQ(c["name"], "Alice Martin");
  EXPECT_EQ(c["preferred_username"], "alice");
  EXPECT_EQ(c["email"], "alice@example.com");
  EXPECT_EQ(c["email_verified"], true);
}

class IdTokenEndpointTest : public ::testing::Test {
 protected:
  IdTokenEndpointTest() {
    keys_.add(key_of(jose::Alg::ES256), jose::KeyState::kActive);
    keys_.add(key_of(jose::Alg::RS256), jose::KeyState::kActive);
    Client c = finance_app();
    c.scopes.insert(c.scopes.end(), {"openid", "profile", "email"});
    clients_.add(c);
    c.client_id = "es-app";
    c.id_token_signed_response_alg = "ES256";
    clients_.add(c);
    users_.add(alice());
    settings_.issuer = kIssuer;
    settings_.audience = kAudience;
    settings_.access_token_lifetime = 600;
  }

  std::string code_for(const std::string& client_id, const std::string& scope,
                       const std::string& nonce) {
    Params q = authorize_query();
    q["client_id"] = client_id;
    q["scope"] = scope;
    if (nonce.empty()) {
      q.erase("nonce");
    } else {
      q["nonce"] = nonce;
    }
    auto req = validate_with_clients(q, clients_);
    EXPECT_TRUE(req.ok());
    auto code = issue_authorization_code(*req, "alice", clock_.now() - 30, codes_, clock_, 60);
    EXPECT_TRUE(code.ok());
    return code.ok() ? *code : std::string();
  }

  Result<TokenResponse, OAuthError> exchange(const std::string& client_id,
                                             const std::string& code) {
    TokenWiring wiring;
    wiring.settings = settings_;
    wiring.users = &users_;  // ID tokens on
    WiredTokenEndpoint endpoint(clients_, codes_, keys_, clock_, wiring);
    TokenRequest r;
    r.form = {{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", kRedirect},
              {"code_verifier", kVerifier},
              {"client_id", client_id},
              {"client_secret", "finance-secret"}};
    return endpoint.handle(r);
  }

  Result<TokenResponse, OAuthError> run(const std::string& client_id, const std::string& scope,
                                        const std::string& nonce) {
    return exchange(client_id, code_for(client_id, scope, nonce));
  }

  jose::VerifiedJws verify(const std::string& token) {
    auto v = jose::verify_compact(token,
                                  [this](std::string_view kid) { return keys_.find_public(kid); });
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : jose::VerifiedJws{};
  }

  jose::KeyRing keys_;
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  MemoryUserStore users_;
  FakeClock clock_;
  TokenSettings settings_;
};

TEST_F(IdTokenEndpointTest, OpenidScopeYieldsAnRs256IdTokenWithNonceAtHashAndAuthTime) {
  auto r = run("finance-app", "openid profile read:accounts", "nonce-123");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_FALSE(r->id_token.empty());
  EXPECT_EQ(r->to_json()["id_token"], r->id_token);
  auto v = verify(r->id_token);
  EXPECT_EQ(v.header["alg"], "RS256");
  EXPECT_EQ(v.header["typ"], "JWT");
  EXPECT_EQ(v.payload["aud"], "finance-app");
  EXPECT_EQ(v.payload["iss"], kIssuer);
  EXPECT_EQ(v.payload["sub"], "alice");
  EXPECT_EQ(v.payload["nonce"], "nonce-123");
  EXPECT_EQ(v.payload["auth_time"], clock_.now() - 30);
  EXPECT_EQ(v.payload["at_hash"], access_token_hash(r->access_token));
  EXPECT_EQ(v.payload["name"], "Alice Martin");
  EXPECT_FALSE(v.payload.contains("email"));
  // The access token stays an RFC 9068 token for the API.
  EXPECT_EQ(verify(r->access_token).header["typ"], "at+jwt");
}

TEST_F(IdTokenEndpointTest, ClientMetadataSelectsEs256) {
  auto r = run("es-app", "openid", "");
  ASSERT_TRUE(r.ok());
  auto v = verify(r->id_token);
  EXPECT_EQ(v.header["alg"], "ES256");
  EXPECT_EQ(v.payload["aud"], "es-app");
  EXPECT_FALSE(v.payload.contains("nonce"));
}

TEST_F(IdTokenEndpointTest, NoIdTokenWithoutOpenidScope) {
  auto r = run("finance-app", "read:accounts", "nonce-123");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->id_token.empty());
  EXPECT_FALSE(r->to_json().contains("id_token"));
}

// The user is read before the code is spent: when that read fails, the client
// is told to retry and its code still works (a spent code would make the retry
// look like a replay and revoke the tokens it never received).
TEST_F(IdTokenEndpointTest, AnOutageBeforeTheIdTokenLeavesTheCodeRedeemable) {
  const std::string code = code_for("finance-app", "openid profile", "n");
  users_.unavailable = true;
  auto failed = exchange("finance-app", code);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "temporarily_unavailable");
  users_.unavailable = false;
  auto retried = exchange("finance-app", code);
  ASSERT_TRUE(retried.ok()) << retried.error().detail;
  EXPECT_FALSE(retried->id_token.empty());
  EXPECT_EQ(codes_.issued_jtis(sha256_b64url(code)).size(), 1u);
}

TEST_F(IdTokenEndpointTest, IdTokenHintAcceptsOurIdTokensOnly) {
  auto r = run("finance-app", "openid", "n");
  ASSERT_TRUE(r.ok());
  auto claims = verify_id_token_hint(keys_, kIssuer, r->id_token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ((*claims)["aud"], "finance-app");
  // An access token (typ at+jwt) is not an ID token.
  EXPECT_FALSE(verify_id_token_hint(keys_, kIssuer, r->access_token).ok());
  // Another issuer's token, or a tampered one, is refused.
  EXPECT_FALSE(verify_id_token_hint(keys_, "https://other.example", r->id_token).ok());
  std::string tampered = r->id_token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_id_token_hint(keys_, kIssuer, tampered).ok());
  // Signed by a key we do not hold.
  jose::KeyRing other;
  other.add(jose::PrivateKey::generate(jose::Alg::RS256).value(), jose::KeyState::kActive);
  auto foreign = sign_id_token(other, "RS256", {{"iss", kIssuer}, {"aud", "x"}, {"sub", "s"}});
  ASSERT_TRUE(foreign.ok());
  EXPECT_FALSE(verify_id_token_hint(keys_, kIssuer, *foreign).ok());
}

}  // namespace
}  // namespace signet::protocol::testing
