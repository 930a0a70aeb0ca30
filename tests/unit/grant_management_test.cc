// The grant management API's rules (Grant Management §6) against in-memory
// stores: who may query or end which grant, and what a query answers.
#include "protocol/grant_management.h"

#include <gtest/gtest.h>

#include <string>

#include "jose/jws.h"
#include "memory_lifecycle_store.h"
#include "memory_stores.h"

namespace signet::protocol {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://signet.example";

class GrantManagementTest : public ::testing::Test {
 protected:
  GrantManagementTest() {
    ring_.add(key_, jose::KeyState::kActive);
    Grant g;
    g.grant_id = "grant-1";
    g.subject = "alice";
    g.client_id = "finance-app";
    g.scopes = {"openid", "read:accounts"};
    g.authorization_details = R"([{"type":"account_information","actions":["read"]}])";
    g.created_at = kNow - 100;
    g.updated_at = kNow - 50;
    grants_.add(g);
  }

  static json claims(const std::string& scope, const std::string& client_id,
                     const std::string& jti) {
    // Any audience: the API is the issuer's own (see grant_management.cc).
    return {{"iss", kIssuer},         {"sub", client_id}, {"aud", "https://bank.example/api"},
            {"client_id", client_id}, {"scope", scope},   {"iat", kNow},
            {"exp", kNow + 600},      {"jti", jti}};
  }
  std::string token(const std::string& scope, const std::string& client_id = "finance-app",
                    const std::string& jti = "jti-1", json extra = json::object()) const {
    json c = claims(scope, client_id, jti);
    c.update(extra);
    return jose::sign_compact(key_, {{"typ", "at+jwt"}}, c);
  }

  GrantApi api() { return GrantApi{ring_, kIssuer, lifecycle_, grants_, kNow}; }

  jose::PrivateKey key_ = jose::PrivateKey::generate(jose::Alg::ES256).value();
  jose::KeyRing ring_;
  testing::MemoryLifecycleStore lifecycle_;
  testing::MemoryGrantStore grants_;
};

TEST_F(GrantManagementTest, QueryAnswersScopesAndDetails) {
  auto r = api().query(token(kGrantQueryScope), "grant-1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["scopes"], json::parse(R"([{"scope":"openid read:accounts"}])"));
  EXPECT_EQ((*r)["authorization_details"][0]["type"], "account_information");
  EXPECT_EQ((*r)["created_at"], kNow - 100);
  EXPECT_EQ((*r)["updated_at"], kNow - 50);
}

TEST_F(GrantManagementTest, EmptyMembersAreLeftOut) {
  Grant g;
  g.grant_id = "plain";
  g.scopes = {"openid"};
  EXPECT_FALSE(grant_resource(g).contains("authorization_details"));
  g.scopes.clear();
  g.authorization_details = R"([{"type":"payment_initiation"}])";
  EXPECT_FALSE(grant_resource(g).contains("scopes"));
}

TEST_F(GrantManagementTest, AnotherClientsGrantIsAnsweredAsUnknown) {
  auto other = api().query(token(kGrantQueryScope, "other-app"), "grant-1");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().problem, GrantApiProblem::kNotFound);
  auto unknown = api().query(token(kGrantQueryScope), "no-such-grant");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().problem, GrantApiProblem::kNotFound);
  // Nor may it end the grant.
  auto revoke = api().revoke(token(kGrantRevokeScope, "other-app"), "grant-1");
  ASSERT_FALSE(revoke.ok());
  EXPECT_EQ(revoke.error().problem, GrantApiProblem::kNotFound);
  EXPECT_TRUE(grants_.find_grant("grant-1")->has_value());
}

TEST_F(GrantManagementTest, EachActionNeedsItsScope) {
  auto q = api().query(token(kGrantRevokeScope), "grant-1");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().problem, GrantApiProblem::kInsufficientScope);
  EXPECT_EQ(q.error().required_scope, kGrantQueryScope);
  auto r = api().revoke(token(kGrantQueryScope), "grant-1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problem, GrantApiProblem::kInsufficientScope);
  EXPECT_EQ(r.error().required_scope, kGrantRevokeScope);
  EXPECT_TRUE(grants_.find_grant("grant-1")->has_value());
}

TEST_F(GrantManagementTest, RevokeEndsTheGrantOnce) {
  auto r = api().revoke(token(kGrantRevokeScope), "grant-1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject, "alice");
  EXPECT_FALSE(grants_.find_grant("grant-1")->has_value());
  auto again = api().revoke(token(kGrantRevokeScope), "grant-1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().problem, GrantApiProblem::kNotFound);
}

TEST_F(GrantManagementTest, BadOrRevokedTokensAreRefused) {
  // Signed by a key Signet does not hold.
  auto forged =
      jose::sign_compact(jose::PrivateKey::generate(jose::Alg::ES256).value(), {{"typ", "at+jwt"}},
                         claims(kGrantQueryScope, "finance-app", "jti-1"));
  auto r = api().query(forged, "grant-1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problem, GrantApiProblem::kInvalidToken);

  ASSERT_TRUE(lifecycle_.revoke_access_token("jti-1", kNow + 600, kNow, "revocation").ok());
  auto revoked = api().query(token(kGrantQueryScope), "grant-1");
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().problem, GrantApiProblem::kInvalidToken);
}

// RFC 9449 §7.1: a DPoP-bound token only with a proof by its own key.
TEST_F(GrantManagementTest, DpopBoundTokenNeedsAProofByItsKey) {
  const std::string bound =
      token(kGrantQueryScope, "finance-app", "jti-2", {{"cnf", {{"jkt", "thumbprint"}}}});
  auto without = api().query(bound, "grant-1");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().problem, GrantApiProblem::kDpopBound);
  GrantApi other = api();
  other.proof_jkt = "another-key";
  auto wrong = other.query(bound, "grant-1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().problem, GrantApiProblem::kDpopBound);
  GrantApi proven = api();
  proven.proof_jkt = "thumbprint";
  EXPECT_TRUE(proven.query(bound, "grant-1").ok());
}

TEST_F(GrantManagementTest, StoreFailureIsNotAnsweredAsUnknown) {
  grants_.unavailable = true;
  auto r = api().query(token(kGrantQueryScope), "grant-1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problem, GrantApiProblem::kStore);
  ASSERT_TRUE(r.error().store_error.has_value());
  EXPECT_EQ(r.error().store_error->status, 503);
}

}  // namespace
}  // namespace signet::protocol
