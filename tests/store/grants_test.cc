// Ending a grant in PostgreSQL (sql/0018's grants_end_tokens_on_delete trigger):
// deleting a grant lists exactly its live access tokens, those issued with its
// code and those issued by refreshing its families, in revoked_tokens (the
// revocation feed carries them to resource servers) and revokes its families,
// in the deleting transaction; another grant of the same customer and client
// keeps all of its tokens.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/postgres_grants.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using testing::test_conninfo;

class GrantStoreTest : public ::testing::Test {
 protected:
  GrantStoreTest() : store_(test_conninfo(), 2), grants_(store_.pool()) {
    auto u = store_.create_user("user-" + random_token(6), "$argon2id$fake", "Test", "t@x.test");
    EXPECT_TRUE(u.ok());
    subject_ = u.ok() ? u->subject : "";
    protocol::Client c;
    c.client_id = random_token(16);
    c.client_name = "Test app";
    c.secret_digest = sha256_b64url("secret");
    c.redirect_uris = {"https://app.test/cb"};
    c.scopes = {"read:accounts"};
    c.grant_types = {"authorization_code", "refresh_token"};
    EXPECT_TRUE(store_.create_client(c).ok());
    client_id_ = c.client_id;
  }

  void exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    pqxx::connection c(test_conninfo());
    pqxx::work t(c);
    // $N replaced by its quoted value, last first so that $1 does not match $10.
    std::string q = sql;
    for (size_t i = params.size(); i > 0; --i) {
      const std::string marker = "$" + std::to_string(i);
      for (size_t at = q.find(marker); at != std::string::npos; at = q.find(marker, at)) {
        const std::string v = t.quote(params[i - 1]);
        q.replace(at, marker.size(), v);
        at += v.size();
      }
    }
    t.exec(q);
    t.commit();
  }

  // A grant with one family, one access token issued with its code (grant_id
  // set) and one issued by a refresh of the family (family_id set only).
  struct Issued {
    std::string grant_id, family_id, code_jti, refresh_jti;
  };
  Issued grant_with_tokens() {
    Issued i{random_token(8), random_token(8), random_token(8), random_token(8)};
    const std::string now = std::to_string(now_), exp = std::to_string(now_ + 600);
    exec(
        "INSERT INTO grants (grant_id, subject, client_id, scopes, created_at, updated_at) "
        "VALUES ($1, $2::uuid, $3, '{read:accounts}', $4::bigint, $4::bigint)",
        {i.grant_id, subject_, client_id_, now});
    exec(
        "INSERT INTO refresh_token_families (family_id, client_id, subject, scopes, created_at, "
        "expires_at, grant_id) VALUES ($1, $2, $3::uuid, '{read:accounts}', $4::bigint, "
        "$5::bigint, $6)",
        {i.family_id, client_id_, subject_, now, exp, i.grant_id});
    exec(
        "INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at, "
        "grant_id) VALUES ($1, $2::uuid, $3, $4, $5::bigint, $6)",
        {i.code_jti, subject_, client_id_, i.family_id, exp, i.grant_id});
    exec(
        "INSERT INTO issued_access_tokens (jti, subject, client_id, family_id, expires_at) "
        "VALUES ($1, $2::uuid, $3, $4, $5::bigint)",
        {i.refresh_jti, subject_, client_id_, i.family_id, exp});
    return i;
  }

  std::set<std::string> revoked_among(const Issued& a, const Issued& b) {
    std::set<std::string> out;
    pqxx::connection c(test_conninfo());
    pqxx::read_transaction t(c);
    for (const auto& jti : {a.code_jti, a.refresh_jti, b.code_jti, b.refresh_jti}) {
      if (!t.exec("SELECT 1 FROM revoked_tokens WHERE jti = " + t.quote(jti)).empty()) {
        out.insert(jti);
      }
    }
    return out;
  }

  bool family_revoked(const std::string& family_id) {
    pqxx::connection c(test_conninfo());
    pqxx::read_transaction t(c);
    return t
        .exec1("SELECT revoked_at IS NOT NULL FROM refresh_token_families WHERE family_id = " +
               t.quote(family_id))[0]
        .as<bool>();
  }

  PostgresStore store_;
  PostgresGrants grants_;
  std::string subject_;
  std::string client_id_;
  int64_t now_ = SystemClock().now();
};

TEST_F(GrantStoreTest, DeletingAGrantEndsExactlyItsTokens) {
  Issued a = grant_with_tokens();
  Issued b = grant_with_tokens();
  ASSERT_TRUE(revoked_among(a, b).empty());

  auto deleted = grants_.delete_grant(a.grant_id, client_id_, subject_);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(revoked_among(a, b), (std::set<std::string>{a.code_jti, a.refresh_jti}));
  EXPECT_TRUE(family_revoked(a.family_id));
  EXPECT_FALSE(family_revoked(b.family_id));
  EXPECT_FALSE(grants_.find_grant(a.grant_id)->has_value());
  EXPECT_TRUE(grants_.find_grant(b.grant_id)->has_value());
}

TEST_F(GrantStoreTest, OnlyTheOwnerDeletes) {
  Issued a = grant_with_tokens();
  EXPECT_FALSE(*grants_.delete_grant(a.grant_id, "another-client", ""));
  EXPECT_FALSE(
      *grants_.delete_grant(a.grant_id, client_id_, "00000000-0000-4000-8000-000000000000"));
  EXPECT_TRUE(grants_.find_grant(a.grant_id)->has_value());
  EXPECT_FALSE(family_revoked(a.family_id));
  // The client's own API names no customer.
  EXPECT_TRUE(*grants_.delete_grant(a.grant_id, client_id_, ""));
  EXPECT_FALSE(*grants_.delete_grant(a.grant_id, client_id_, "")) << "ends once";
}

}  // namespace
}  // namespace signet::store
