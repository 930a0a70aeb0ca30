// The grant a code is issued under (sql/0018), written in the code's own
// transaction: the standing grant of plain scopes (one per customer and
// client, scopes by union), a new grant per create, update (union of scopes
// and details, no duplicate), replace (its earlier tokens end), and a named
// grant that is not this customer's and client's (nothing saved).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "store/postgres_refresh_tokens.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::AuthorizationCode;
using protocol::Client;
using protocol::GrantWrite;
using testing::test_conninfo;

constexpr int64_t kNow = 1'700'000'000;

class CodeGrantsTest : public ::testing::Test {
 protected:
  CodeGrantsTest() : store_(test_conninfo(), 2) {
    client_id_ = add_client();
    subject_ = add_user();
  }

  std::string add_client() {
    Client c;
    c.client_id = "grants-" + random_token(8);
    c.client_name = "Granting app";
    c.secret_digest = sha256_b64url("secret");
    c.redirect_uris = {"https://app.test/cb"};
    c.scopes = {"read:accounts", "read:transactions"};
    c.grant_types = {"authorization_code", "refresh_token"};
    EXPECT_TRUE(store_.create_client(c).ok());
    return c.client_id;
  }
  std::string add_user() {
    auto u =
        store_.create_user("grants-user-" + random_token(6), "$argon2id$fake", "T", "t@x.test");
    EXPECT_TRUE(u.ok());
    return u.ok() ? u->subject : std::string();
  }

  // Saves a code and returns it as stored (with its grant's id).
  protocol::StoreResult<AuthorizationCode> save(GrantWrite write, std::vector<std::string> scopes,
                                                const nlohmann::json& details,
                                                const std::string& grant_id = {},
                                                const std::string& subject = {}) {
    AuthorizationCode code;
    code.code_digest = sha256_b64url(random_token());
    code.client_id = client_id_;
    code.redirect_uri = "https://app.test/cb";
    code.subject = subject.empty() ? subject_ : subject;
    code.scopes = std::move(scopes);
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.auth_time = kNow;
    code.issued_at = kNow;
    code.expires_at = kNow + 60;
    code.authorization_details = details.dump();
    code.grant_write = write;
    code.grant_id = grant_id;
    auto saved = store_.save_code(code);
    if (!saved) return fail(saved.error());
    auto found = store_.find_code(code.code_digest);
    if (!found) return fail(found.error());
    return **found;
  }

  protocol::Grant grant(const std::string& id) {
    auto g = store_.find_grant(id);
    EXPECT_TRUE(g.ok() && g->has_value()) << id;
    return g.ok() && *g ? **g : protocol::Grant{};
  }

  PostgresStore store_;
  std::string client_id_;
  std::string subject_;
};

const nlohmann::json kPay = {{"type", "payment_initiation"}, {"creditorName", "A"}};
const nlohmann::json kPay2 = {{"type", "payment_initiation"}, {"creditorName", "B"}};

TEST_F(CodeGrantsTest, PlainScopesGoToOneStandingGrant) {
  auto a = save(GrantWrite::kStanding, {"read:accounts"}, nlohmann::json::array());
  auto b = save(GrantWrite::kStanding, {"read:transactions"}, nlohmann::json::array());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->grant_id, b->grant_id);
  EXPECT_EQ(b->scopes, std::vector<std::string>{"read:transactions"});  // the code: as asked
  const auto g = grant(a->grant_id);
  EXPECT_TRUE(g.standing);
  EXPECT_EQ(g.scopes, (std::vector<std::string>{"read:accounts", "read:transactions"}));
}

TEST_F(CodeGrantsTest, CreateMakesANewGrantEachTime) {
  auto a = save(GrantWrite::kCreate, {}, nlohmann::json::array({kPay}));
  auto b = save(GrantWrite::kCreate, {}, nlohmann::json::array({kPay}));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->grant_id, b->grant_id);
  EXPECT_FALSE(grant(a->grant_id).standing);
  EXPECT_EQ(nlohmann::json::parse(grant(a->grant_id).authorization_details),
            nlohmann::json::array({kPay}));
}

TEST_F(CodeGrantsTest, UpdateAddsScopesAndDetailsOnce) {
  auto a = save(GrantWrite::kCreate, {"read:accounts"}, nlohmann::json::array({kPay}));
  ASSERT_TRUE(a.ok());
  auto b = save(GrantWrite::kUpdate, {"read:transactions"}, nlohmann::json::array({kPay, kPay2}),
                a->grant_id);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(b->grant_id, a->grant_id);
  // The new code carries the whole grant, each detail once, in order.
  EXPECT_EQ(nlohmann::json::parse(b->authorization_details), nlohmann::json::array({kPay, kPay2}));
  EXPECT_EQ(b->scopes, (std::vector<std::string>{"read:accounts", "read:transactions"}));
}

TEST_F(CodeGrantsTest, ReplaceEndsWhatTheGrantIssuedBefore) {
  auto a = save(GrantWrite::kCreate, {"read:accounts"}, nlohmann::json::array({kPay}));
  ASSERT_TRUE(a.ok());
  // The first code is redeemed: its access token is recorded under the grant.
  auto redeemed =
      store_.redeem_code(a->code_digest, kNow + 1, "jti-" + a->code_digest, kNow + 3600);
  ASSERT_TRUE(redeemed.ok());
  PostgresLifecycleStore lifecycle(store_);
  auto before = lifecycle.is_access_token_revoked("jti-" + a->code_digest);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);

  auto b = save(GrantWrite::kReplace, {}, nlohmann::json::array({kPay2}), a->grant_id);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(nlohmann::json::parse(grant(a->grant_id).authorization_details),
            nlohmann::json::array({kPay2}));
  EXPECT_TRUE(grant(a->grant_id).scopes.empty());
  auto after = lifecycle.is_access_token_revoked("jti-" + a->code_digest);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
}

TEST_F(CodeGrantsTest, AnotherCustomersGrantIsRefusedAndNothingSaved) {
  auto a = save(GrantWrite::kCreate, {}, nlohmann::json::array({kPay}));
  ASSERT_TRUE(a.ok());
  const std::string mallory = add_user();
  for (GrantWrite write : {GrantWrite::kUpdate, GrantWrite::kReplace}) {
    auto b = save(write, {}, nlohmann::json::array({kPay2}), a->grant_id, mallory);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, "invalid_grant_id");
  }
  EXPECT_EQ(nlohmann::json::parse(grant(a->grant_id).authorization_details),
            nlohmann::json::array({kPay}));
  auto unknown = save(GrantWrite::kUpdate, {}, nlohmann::json::array({kPay2}), "no-such-grant");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "invalid_grant_id");
}

}  // namespace
}  // namespace signet::store
