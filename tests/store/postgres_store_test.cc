// PostgresStore against a real PostgreSQL: migrations, single-use codes under
// concurrency, replay revocation, consent union, session expiry, unique users,
// signing-key activation races, reaping, and failure mapping.
#include <atomic>
#include <barrier>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/crypto.h"
#include "store/migrations.h"
#include "store/pg_values.h"
#include "store/postgres_refresh_tokens.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::AuthorizationCode;
using protocol::Client;
using protocol::Redemption;
using protocol::Session;
using testing::test_conninfo;

constexpr int64_t kNow = 1'700'000'000;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(test_conninfo(), 4) {}

  std::string make_user() {
    auto u = store_.create_user("user-" + random_token(6), "$argon2id$fake", "Test", "t@x.test");
    EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.error().detail);
    return u.ok() ? u->subject : "";
  }

  std::string make_client(bool is_public = false) {
    Client c;
    c.client_id = random_token(16);
    c.client_name = "Test app";
    c.is_public = is_public;
    if (!is_public) c.secret_digest = sha256_b64url("secret");
    c.redirect_uris = {"https://app.test/cb"};
    c.scopes = {"read:accounts", "read:transactions"};
    c.grant_types = {"authorization_code"};
    auto r = store_.create_client(c);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return c.client_id;
  }

  AuthorizationCode make_code(const std::string& subject, const std::string& client_id) {
    AuthorizationCode code;
    code.code_digest = sha256_b64url(random_token());
    code.client_id = client_id;
    code.redirect_uri = "https://app.test/cb";
    code.subject = subject;
    code.scopes = {"read:accounts"};
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.nonce = "n-0S6_WzA2Mj";
    code.auth_time = kNow - 5;
    code.sid = "sid-" + random_token(8);
    code.issued_at = kNow;
    code.expires_at = kNow + 60;
    auto r = store_.save_code(code);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return code;
  }

  // Revoked access tokens are read through the token lifecycle store.
  protocol::StoreResult<bool> is_revoked(const std::string& jti) {
    return PostgresLifecycleStore(store_).is_access_token_revoked(jti);
  }

  PostgresStore store_;
};

// --- migrations -------------------------------------------------------------

TEST(Migrations, EmbeddedInVersionOrder) {
  const auto& ms = embedded_migrations();
  ASSERT_FALSE(ms.empty());
  EXPECT_EQ(ms.front().name, "0001_core");
  for (size_t i = 1; i < ms.size(); ++i) EXPECT_LT(ms[i - 1].version, ms[i].version);
  for (const auto& m : ms) EXPECT_FALSE(m.sql.empty()) << m.name;
}

TEST(Migrations, FirstRunAppliedEveryMigration) {
  EXPECT_EQ(testing::initially_applied().size(), embedded_migrations().size());
}

TEST(Migrations, SecondRunIsANoOp) {
  auto again = migrate(test_conninfo());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->empty());
  pqxx::connection c(test_conninfo());
  pqxx::read_transaction t(c);
  EXPECT_EQ(t.exec1("SELECT count(*) FROM schema_migrations")[0].as<size_t>(),
            embedded_migrations().size());
}

TEST(Migrations, ConcurrentRunsApplyEachMigrationOnce) {
  const std::string db = testing::create_extra_database();
  constexpr int kThreads = 4;
  std::vector<Result<std::vector<std::string>>> results(
      kThreads, Result<std::vector<std::string>>(std::vector<std::string>{}));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = migrate(db); });
  }
  for (auto& t : threads) t.join();
  size_t total = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    total += r->size();
  }
  EXPECT_EQ(total, embedded_migrations().size());
  pqxx::connection c(db);
  pqxx::read_transaction t(c);
  EXPECT_EQ(t.exec1("SELECT count(*) FROM scopes")[0].as<int>(),
            9);  // 3 banking + 4 OpenID Connect + 2 grant management scopes, each seeded once
}

TEST(Migrations, UnreachableDatabaseIsAnError) {
  auto r = migrate("host=/nonexistent-signet-dir port=1 dbname=x connect_timeout=1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "database_unavailable");
}

// --- helpers --------------------------------------------------------------------

TEST(TextArrays, EncodesQuotesBackslashesAndCommas) {
  EXPECT_EQ(to_pg_text_array({}), "{}");
  EXPECT_EQ(to_pg_text_array({"a", "b c"}), "{\"a\",\"b c\"}");
  EXPECT_EQ(to_pg_text_array({"q\"x", "b\\s", "c,d", "NULL"}),
            "{\"q\\\"x\",\"b\\\\s\",\"c,d\",\"NULL\"}");
  EXPECT_TRUE(looks_like_uuid("0b5e1c1e-7a3f-4c59-9f0a-3e4f2b6d1a20"));
  EXPECT_FALSE(looks_like_uuid("0b5e1c1e7a3f4c599f0a3e4f2b6d1a20"));
  EXPECT_FALSE(looks_like_uuid("0b5e1c1e-7a3f-4c59-9f0a-3e4f2b6d1a2g"));
}

// --- clients ----------------------------------------------------------------------

TEST_F(StoreTest, ClientRoundTripAndDuplicate) {
  Client c;
  c.client_id = random_token(16);
  c.client_name = "Fin \"app\", v2 \\ {beta}";
  c.secret_digest = sha256_b64url("s3cret");
  c.redirect_uris = {"https://app.test/cb?a=1,2", "http://127.0.0.1:8000/cb"};
  c.scopes = {"read:accounts", "write:payments"};
  c.grant_types = {"authorization_code", "client_credentials"};
  ASSERT_TRUE(store_.create_client(c).ok());

  auto found = store_.find_client(c.client_id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const Client& f = **found;
  EXPECT_EQ(f.client_name, c.client_name);
  EXPECT_FALSE(f.is_public);
  EXPECT_EQ(f.secret_digest, c.secret_digest);
  EXPECT_EQ(f.redirect_uris, c.redirect_uris);
  EXPECT_EQ(f.scopes, c.scopes);
  EXPECT_EQ(f.grant_types, c.grant_types);

  auto dup = store_.create_client(c);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().description, "client already exists");
  EXPECT_EQ(dup.error().status, 409);

  auto missing = store_.find_client("no-such-client");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = store_.list_clients();
  ASSERT_TRUE(all.ok());
  bool listed = false;
  for (const auto& x : *all) listed = listed || x.client_id == c.client_id;
  EXPECT_TRUE(listed);
}

TEST_F(StoreTest, PublicClientHasNoSecretAndCannotUseClientCredentials) {
  const std::string id = make_client(/*is_public=*/true);
  auto found = store_.find_client(id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->is_public);
  EXPECT_TRUE((*found)->secret_digest.empty());

  Client bad;
  bad.client_id = random_token(16);
  bad.client_name = "bad";
  bad.is_public = true;
  bad.grant_types = {"client_credentials"};
  auto r = store_.create_client(bad);  // refused by a CHECK constraint
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "server_error");

  bad.is_public = false;  // confidential without a secret digest
  auto r2 = store_.create_client(bad);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, "invalid_request");
}

// --- users ------------------------------------------------------------------------

TEST_F(StoreTest, UsernameIsUnique) {
  const std::string name = "alice-" + random_token(6);
  auto a = store_.create_user(name, "$argon2id$h1", "Alice", "alice@bank.test");
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_TRUE(looks_like_uuid(a->subject));
  EXPECT_EQ(a->username, name);

  auto b = store_.create_user(name, "$argon2id$h2", "Other", "");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().description, "user already exists");
  EXPECT_EQ(b.error().status, 409);

  auto by_name = store_.find_user_by_username(name);
  ASSERT_TRUE(by_name.ok() && by_name->has_value());
  EXPECT_EQ((*by_name)->subject, a->subject);
  EXPECT_EQ((*by_name)->password_hash, "$argon2id$h1");
  EXPECT_EQ((*by_name)->email, "alice@bank.test");

  auto by_sub = store_.find_user_by_subject(a->subject);
  ASSERT_TRUE(by_sub.ok() && by_sub->has_value());
  EXPECT_EQ((*by_sub)->username, name);

  auto not_uuid = store_.find_user_by_subject("not-a-uuid");
  ASSERT_TRUE(not_uuid.ok());
  EXPECT_FALSE(not_uuid->has_value());
  auto nobody = store_.find_user_by_username("nobody-" + random_token(6));
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->has_value());
}

// --- scopes -----------------------------------------------------------------------

TEST_F(StoreTest, DescribeScopesKeepsRequestOrderAndDropsUnknown) {
  auto r = store_.describe_scopes({"write:payments", "nope", "read:accounts"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "write:payments");
  EXPECT_EQ((*r)[0].description, "Make payments from your accounts");
  EXPECT_EQ((*r)[1].name, "read:accounts");
  EXPECT_EQ((*r)[1].description, "Read your accounts and balances");
  auto all = store_.list_scopes();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 9u);  // 3 banking + 4 OpenID Connect + 2 grant management scopes
  auto none = store_.describe_scopes({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// --- authorization codes ------------------------------------------------------

TEST_F(StoreTest, CodeRoundTrip) {
  const auto code = make_code(make_user(), make_client());
  auto f = store_.find_code(code.code_digest);
  ASSERT_TRUE(f.ok() && f->has_value());
  const auto& c = **f;
  EXPECT_EQ(c.client_id, code.client_id);
  EXPECT_EQ(c.redirect_uri, code.redirect_uri);
  EXPECT_EQ(c.subject, code.subject);
  EXPECT_EQ(c.scopes, code.scopes);
  EXPECT_EQ(c.code_challenge, code.code_challenge);
  EXPECT_EQ(c.nonce, code.nonce);
  EXPECT_EQ(c.auth_time, code.auth_time);
  EXPECT_EQ(c.sid, code.sid);  // sql/0012
  EXPECT_EQ(c.issued_at, code.issued_at);
  EXPECT_EQ(c.expires_at, code.expires_at);
  EXPECT_FALSE(c.used_at.has_value());

  auto unknown = store_.find_code("unknown");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  // Same digest twice is refused.
  EXPECT_FALSE(store_.save_code(code).ok());
}

TEST_F(StoreTest, CodeIsSingleUseAndReplayRevokesItsToken) {
  const auto code = make_code(make_user(), make_client());
  const std::string jti = random_token(16);

  auto first = store_.redeem_code(code.code_digest, kNow + 1, jti, kNow + 601);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, Redemption::kRedeemed);
  auto used = store_.find_code(code.code_digest);
  ASSERT_TRUE(used.ok() && used->has_value());
  EXPECT_EQ((*used)->used_at, kNow + 1);
  auto revoked = is_revoked(jti);
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(*revoked);

  auto second = store_.redeem_code(code.code_digest, kNow + 2, random_token(16), kNow + 602);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, Redemption::kReplayed);
  revoked = is_revoked(jti);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);

  // The replay did not record the second token as issued.
  pqxx::connection c(test_conninfo());
  pqxx::read_transaction t(c);
  const auto row = t.exec_params1(
      "SELECT access_token_jti, used_at, (SELECT expires_at FROM revoked_tokens WHERE jti = $2) "
      "FROM authorization_codes WHERE code_digest = $1",
      code.code_digest, jti);
  EXPECT_EQ(row[0].as<std::string>(), jti);
  EXPECT_EQ(row[1].as<int64_t>(), kNow + 1);
  EXPECT_EQ(row[2].as<int64_t>(), kNow + 601);

  auto unknown = store_.redeem_code("no-such-code", kNow, random_token(16), kNow + 600);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, Redemption::kUnknown);
}

TEST_F(StoreTest, RevokeCodeTokensIsIdempotent) {
  const auto code = make_code(make_user(), make_client());
  // Nothing issued yet: nothing to revoke.
  ASSERT_TRUE(store_.revoke_code_tokens(code.code_digest, kNow).ok());
  const std::string jti = random_token(16);
  ASSERT_EQ(*store_.redeem_code(code.code_digest, kNow, jti, kNow + 600), Redemption::kRedeemed);
  ASSERT_TRUE(store_.revoke_code_tokens(code.code_digest, kNow + 1).ok());
  ASSERT_TRUE(store_.revoke_code_tokens(code.code_digest, kNow + 2).ok());
  EXPECT_TRUE(*is_revoked(jti));
}

TEST_F(StoreTest, ConcurrentRedemptionYieldsExactlyOneRedeemed) {
  const std::string subject = make_user();
  const std::string client = make_client();
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    const auto code = make_code(subject, client);
    const std::string jti[2] = {random_token(16), random_token(16)};
    Redemption out[2] = {Redemption::kUnknown, Redemption::kUnknown};
    bool ok[2] = {false, false};
    std::barrier start(2);
    auto redeem = [&](int i) {
      start.arrive_and_wait();
      auto r = store_.redeem_code(code.code_digest, kNow + 1, jti[i], kNow + 600);
      ok[i] = r.ok();
      if (r.ok()) out[i] = *r;
    };
    std::thread a(redeem, 0), b(redeem, 1);
    a.join();
    b.join();
    ASSERT_TRUE(ok[0] && ok[1]);
    const int redeemed = (out[0] == Redemption::kRedeemed) + (out[1] == Redemption::kRedeemed);
    const int replayed = (out[0] == Redemption::kReplayed) + (out[1] == Redemption::kReplayed);
    ASSERT_EQ(redeemed, 1) << "round " << round;
    ASSERT_EQ(replayed, 1) << "round " << round;
    // The loser's replay revoked the winner's token; the loser's jti was never recorded.
    const int winner = out[0] == Redemption::kRedeemed ? 0 : 1;
    EXPECT_TRUE(*is_revoked(jti[winner]));
    EXPECT_FALSE(*is_revoked(jti[1 - winner]));
  }
}

// --- consents ---------------------------------------------------------------------

TEST_F(StoreTest, ConsentIsAUnionOfGrants) {
  const std::string subject = make_user();
  const std::string client = make_client();
  auto none = store_.granted_scopes(subject, client);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(
      store_.grant_consent(subject, client, {"read:transactions", "read:accounts"}, kNow).ok());
  ASSERT_TRUE(
      store_.grant_consent(subject, client, {"read:accounts", "write:payments"}, kNow + 5).ok());
  auto granted = store_.granted_scopes(subject, client);
  ASSERT_TRUE(granted.ok());
  std::set<std::string> got(granted->begin(), granted->end());
  EXPECT_EQ(got, (std::set<std::string>{"read:accounts", "read:transactions", "write:payments"}));
  EXPECT_EQ(granted->size(), 3u);  // no duplicates

  // Granting nothing new changes nothing; other clients are unaffected.
  ASSERT_TRUE(store_.grant_consent(subject, client, {}, kNow + 6).ok());
  EXPECT_EQ(store_.granted_scopes(subject, client)->size(), 3u);
  EXPECT_TRUE(store_.granted_scopes(subject, make_client())->empty());
  EXPECT_TRUE(store_.granted_scopes("not-a-uuid", client)->empty());
}

// --- sessions ---------------------------------------------------------------------

TEST_F(StoreTest, SessionExpiresAndCanBeDeleted) {
  Session s;
  s.id_digest = sha256_b64url(random_token());
  s.subject = make_user();
  s.csrf_token = random_token();
  s.auth_time = kNow;
  s.expires_at = kNow + 100;
  ASSERT_TRUE(store_.create_session(s).ok());

  auto live = store_.find_session(s.id_digest, kNow + 99);
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_EQ((*live)->subject, s.subject);
  EXPECT_EQ((*live)->csrf_token, s.csrf_token);
  EXPECT_EQ((*live)->auth_time, s.auth_time);
  EXPECT_EQ((*live)->expires_at, s.expires_at);

  auto expired = store_.find_session(s.id_digest, kNow + 100);
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());

  ASSERT_TRUE(store_.delete_session(s.id_digest).ok());
  auto gone = store_.find_session(s.id_digest, kNow);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  ASSERT_TRUE(store_.delete_session(s.id_digest).ok());  // idempotent
}

// --- signing keys -----------------------------------------------------------------

StoredSigningKey test_key(const std::string& alg, int64_t created_at) {
  StoredSigningKey k;
  k.kid = random_token(16);
  k.alg = alg;
  k.state = "active";
  k.public_jwk = R"({"kty":"EC","crv":"P-256","x":"abc","y":"def","kid":")" + k.kid + R"("})";
  k.sealed_private = "sealed:" + random_token(16);
  k.created_at = created_at;
  return k;
}

TEST_F(StoreTest, ConcurrentKeyInsertionLeavesOneActiveKey) {
  // Each alg can have one active key in this database: RS256 here is untouched by
  // other tests, so this test owns it.
  constexpr int kThreads = 8;
  std::vector<StoredSigningKey> got(kThreads);
  std::vector<bool> ok(kThreads, false);
  std::vector<std::string> kids(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      PostgresStore replica(test_conninfo(), 1);  // one "replica" per thread
      const auto key = test_key("RS256", kNow + i);
      kids[i] = key.kid;
      start.arrive_and_wait();
      auto r = replica.insert_active_key_if_none(key);
      ok[i] = r.ok();
      if (r.ok()) got[i] = *r;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(ok[i]) << i;
    EXPECT_EQ(got[i].kid, got[0].kid);
    EXPECT_EQ(got[i].state, "active");
    EXPECT_EQ(got[i].alg, "RS256");
    ASSERT_TRUE(got[i].activated_at.has_value());
  }
  auto keys = store_.list_signing_keys();
  ASSERT_TRUE(keys.ok());
  int active = 0;
  for (const auto& k : *keys) {
    if (k.alg == "RS256") {
      ++active;
      EXPECT_EQ(k.kid, got[0].kid);
      EXPECT_EQ(k.state, "active");
      EXPECT_EQ(k.sealed_private.rfind("sealed:", 0), 0u);
      EXPECT_NE(k.public_jwk.find("\"kty\""), std::string::npos);
    }
  }
  EXPECT_EQ(active, 1);

  // Later calls keep the existing key.
  auto again = store_.insert_active_key_if_none(test_key("RS256", kNow + 100));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kid, got[0].kid);
}

// --- reaper -------------------------------------------------------------------------

TEST_F(StoreTest, ReaperKeepsUsedCodesWhileTheirTokenLives) {
  const std::string subject = make_user();
  const std::string client = make_client();
  const auto unused = make_code(subject, client);  // expires kNow + 60
  const auto used = make_code(subject, client);
  const std::string jti = random_token(16);
  ASSERT_EQ(*store_.redeem_code(used.code_digest, kNow + 1, jti, kNow + 600),
            Redemption::kRedeemed);
  ASSERT_TRUE(store_.revoke_code_tokens(used.code_digest, kNow + 2).ok());  // expires kNow+600
  Session s{sha256_b64url(random_token()), subject, "csrf", kNow, kNow + 100};
  ASSERT_TRUE(store_.create_session(s).ok());

  auto r1 = store_.reap_expired(kNow + 200);
  ASSERT_TRUE(r1.ok());
  EXPECT_FALSE(store_.find_code(unused.code_digest)->has_value());
  EXPECT_TRUE(store_.find_code(used.code_digest)->has_value());  // token still alive
  EXPECT_TRUE(*is_revoked(jti));
  pqxx::connection c(test_conninfo());
  {
    pqxx::read_transaction t(c);
    EXPECT_TRUE(t.exec_params("SELECT 1 FROM sessions WHERE id_digest = $1", s.id_digest).empty());
  }

  auto r2 = store_.reap_expired(kNow + 601);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(store_.find_code(used.code_digest)->has_value());
  EXPECT_FALSE(*is_revoked(jti));  // its token has expired anyway
  EXPECT_GE(r1->codes + r2->codes, 2);
  EXPECT_GE(r1->sessions, 1);
  EXPECT_GE(r2->revoked_tokens, 1);
}

// --- failures -------------------------------------------------------------------------

TEST(StoreFailures, UnreachableDatabaseIsTemporarilyUnavailable) {
  PostgresStore store("host=/nonexistent-signet-dir port=1 dbname=x connect_timeout=1", 2);
  auto c = store.find_client("x");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "temporarily_unavailable");
  EXPECT_EQ(c.error().status, 503);
  auto s = store.create_session(Session{"d", "s", "c", 1, 2});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().status, 503);
  EXPECT_FALSE(store.ping().ok());
  EXPECT_EQ(store.pool().open_connections(), 0u);
}

TEST(StoreFailures, BrokenConnectionIsDiscardedAndReadsRetried) {
  PostgresStore store(test_conninfo(), 3);
  ASSERT_TRUE(store.ping().ok());
  // Open more pooled connections by using them concurrently.
  {
    std::barrier start(3);
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; ++i) {
      ts.emplace_back([&] {
        start.arrive_and_wait();
        (void)store.list_scopes();
      });
    }
    for (auto& t : ts) t.join();
  }
  ASSERT_GE(store.pool().open_connections(), 1u);
  // Kill every backend of the test database except ours (as a server restart would).
  {
    pqxx::connection admin(test_conninfo());
    pqxx::nontransaction t(admin);
    t.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  auto r = store.list_scopes();
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->size(), 9u);  // every seeded scope (sql/0001, 0004, 0018)
  EXPECT_TRUE(store.ping().ok());
}

TEST(StoreFailures, SqlErrorsAreServerErrors) {
  PostgresStore store(test_conninfo(), 1);
  // A session for a subject that does not exist violates the foreign key.
  auto s = store.create_session(
      Session{"d-" + random_token(8), "0b5e1c1e-7a3f-4c59-9f0a-3e4f2b6d1a20", "c", 1, 2});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "server_error");
  EXPECT_EQ(s.error().status, 500);
  EXPECT_EQ(s.error().description.find("SQLSTATE"), std::string::npos);  // detail only
  EXPECT_NE(s.error().detail.find("23503"), std::string::npos);
}

}  // namespace
}  // namespace signet::store
