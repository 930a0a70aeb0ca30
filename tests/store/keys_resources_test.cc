// Key state transitions (next -> active -> retired -> deleted) and the resource
// registry, against the real test database.
#include <sstream>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "common/crypto.h"
#include "store/client_cache.h"
#include "store/postgres_resources.h"
#include "store/postgres_store.h"
#include "store/resource_cache.h"
#include "test_database.h"

namespace signet::store {
namespace {

using testing::admin_exec;
using testing::test_conninfo;

StoredSigningKey key_row(const std::string& alg, int64_t created_at) {
  StoredSigningKey k;
  k.kid = "test-" + random_token(8);
  k.alg = alg;
  k.state = "next";
  k.public_jwk = "{}";
  k.sealed_private = "sealed";
  k.created_at = created_at;
  return k;
}

std::string state_of(PostgresStore& store, const std::string& kid) {
  auto keys = store.list_signing_keys();
  EXPECT_TRUE(keys.ok());
  for (const auto& k : *keys) {
    if (k.kid == kid) return k.state;
  }
  return "deleted";
}

TEST(KeyRotationStore, NextKeyIsPromotedOnlyAfterThePublishDelay) {
  admin_exec("DELETE FROM signing_keys");
  PostgresStore store(test_conninfo(), 2);
  PostgresSigningKeys& keys = store;
  StoredSigningKey active = key_row("ES256", 1000);
  active.state = "active";
  ASSERT_TRUE(store.insert_active_key_if_none(active).ok());
  StoredSigningKey next = key_row("ES256", 2000);
  ASSERT_TRUE(keys.insert_next_key(next).ok());

  auto early = keys.promote_due_keys(2100, 300);  // published 100 s: too early
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  EXPECT_EQ(state_of(store, next.kid), "next");

  auto due = keys.promote_due_keys(2300, 300);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].activated_kid, next.kid);
  ASSERT_EQ((*due)[0].retired_kids.size(), 1u);
  EXPECT_EQ((*due)[0].retired_kids[0], active.kid);
  EXPECT_EQ(state_of(store, next.kid), "active");
  EXPECT_EQ(state_of(store, active.kid), "retired");

  // Retired at 2300: kept while a token it signed may live (ttl 600 + margin 60).
  auto kept = keys.delete_expired_keys(2300 + 600, 600, 60);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->empty());
  EXPECT_EQ(state_of(store, active.kid), "retired");
  auto gone = keys.delete_expired_keys(2300 + 661, 600, 60);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->size(), 1u);
  EXPECT_EQ(state_of(store, active.kid), "deleted");
}

TEST(KeyRotationStore, ForcedPromotionIgnoresTheDelay) {
  admin_exec("DELETE FROM signing_keys");
  PostgresStore store(test_conninfo(), 2);
  PostgresSigningKeys& keys = store;
  StoredSigningKey next = key_row("RS256", 5000);
  ASSERT_TRUE(keys.insert_next_key(next).ok());
  auto forced = keys.promote_due_keys(5000, 300, next.kid);
  ASSERT_TRUE(forced.ok());
  ASSERT_EQ(forced->size(), 1u);
  EXPECT_EQ(state_of(store, next.kid), "active");
}

// signet keys revoke, on an emptied key table.
class KeyRevocationStore : public ::testing::Test {
 protected:
  void SetUp() override { admin_exec("DELETE FROM signing_keys"); }
  StoredSigningKey add(const std::string& alg, const std::string& state, int64_t created_at) {
    StoredSigningKey k = key_row(alg, created_at);
    EXPECT_TRUE(state == "next" ? keys.insert_next_key(k).ok()
                                : store.insert_active_key_if_none(k).ok());
    return k;
  }
  PostgresStore store{test_conninfo(), 2};
  PostgresSigningKeys& keys{store};
};

// The active key is replaced in the same transaction, by the published "next"
// key of its algorithm when there is one.
TEST_F(KeyRevocationStore, ActiveKeyIsReplacedByTheNextKey) {
  StoredSigningKey active = add("ES256", "active", 1000);
  StoredSigningKey next = add("ES256", "next", 2000);
  StoredSigningKey other = add("RS256", "active", 1000);

  auto revoked = keys.revoke_key(active.kid, 2100, std::nullopt);
  ASSERT_TRUE(revoked.ok()) << revoked.error().detail;
  ASSERT_TRUE(revoked->has_value());
  EXPECT_EQ((*revoked)->state, "active");
  EXPECT_EQ((*revoked)->activated_kid, next.kid);
  EXPECT_EQ(state_of(store, active.kid), "deleted");
  EXPECT_EQ(state_of(store, next.kid), "active");
  EXPECT_EQ(state_of(store, other.kid), "active");  // another algorithm: untouched
}

TEST_F(KeyRevocationStore, ActiveKeyWithoutNextKeyNeedsTheReplacement) {
  StoredSigningKey active = add("RS256", "active", 1000);
  StoredSigningKey es = add("ES256", "next", 1000);  // another algorithm's next key: no successor

  auto refused = keys.revoke_key(active.kid, 2000, std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 409);
  EXPECT_EQ(state_of(store, active.kid), "active") << "nothing may change then";

  StoredSigningKey replacement = key_row("RS256", 2000);
  auto revoked = keys.revoke_key(active.kid, 2000, replacement);
  ASSERT_TRUE(revoked.ok()) << revoked.error().detail;
  ASSERT_TRUE(revoked->has_value());
  EXPECT_EQ((*revoked)->activated_kid, replacement.kid);
  EXPECT_EQ(state_of(store, active.kid), "deleted");
  EXPECT_EQ(state_of(store, replacement.kid), "active");
  EXPECT_EQ(state_of(store, es.kid), "next");
}

TEST_F(KeyRevocationStore, InactiveKeyIsJustRemovedAndUnknownKidIsNone) {
  StoredSigningKey active = add("ES256", "active", 1000);
  StoredSigningKey next = add("ES256", "next", 2000);
  ASSERT_TRUE(keys.promote_due_keys(2000, 0, next.kid).ok());  // `active` is now retired
  ASSERT_EQ(state_of(store, active.kid), "retired");

  auto revoked = keys.revoke_key(active.kid, 2100, std::nullopt);
  ASSERT_TRUE(revoked.ok() && revoked->has_value());
  EXPECT_EQ((*revoked)->state, "retired");
  EXPECT_TRUE((*revoked)->activated_kid.empty());
  EXPECT_EQ(state_of(store, active.kid), "deleted");
  EXPECT_EQ(state_of(store, next.kid), "active");

  auto unknown = keys.revoke_key("no-such-kid", 2100, std::nullopt);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

// Runs `signet keys rotate --now` or `signet keys revoke` as the CLI does.
struct KeysCli {
  static constexpr char kMasterKey[] = "0123456789abcdef0123456789abcdef";  // 32 bytes
  int code = -1;
  nlohmann::json out;
  std::string err;

  template <class Command>
  static KeysCli run(Command command) {
    std::ostringstream out, err;
    KeysCli r;
    r.code = command(out, err);
    r.out = nlohmann::json::parse(out.str(), nullptr, false);
    r.err = err.str();
    return r;
  }
  static KeysCli rotate_now(const std::string& alg) {
    return run([&](std::ostream& out, std::ostream& err) {
      return cli::cmd_keys_rotate(test_conninfo(), kMasterKey, alg, {"--now"}, out, err);
    });
  }
  static KeysCli revoke(const std::vector<std::string>& args) {
    return run([&](std::ostream& out, std::ostream& err) {
      return cli::cmd_keys_revoke(test_conninfo(), kMasterKey, args, out, err);
    });
  }
};

std::string active_kid(PostgresStore& store, const std::string& alg) {
  auto keys = store.list_signing_keys();
  EXPECT_TRUE(keys.ok());
  for (const auto& k : *keys) {
    if (k.alg == alg && k.state == "active") return k.kid;
  }
  return {};
}

// The same, through the command (real keys, sealed under the master key).
using CliKeysRevoke = KeyRevocationStore;

TEST_F(CliKeysRevoke, ActiveKeyIsReplacedByANewKeyOfItsAlgorithm) {
  ASSERT_EQ(KeysCli::rotate_now("ES256").code, 0);
  ASSERT_EQ(KeysCli::rotate_now("RS256").code, 0);
  const std::string es = active_kid(store, "ES256");
  const std::string rs = active_kid(store, "RS256");
  ASSERT_FALSE(es.empty());

  auto r = KeysCli::revoke({es});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out["kid"], es);
  EXPECT_EQ(r.out["state"], "revoked");
  EXPECT_EQ(r.out["previous_state"], "active");
  ASSERT_TRUE(r.out["activated"].is_string()) << r.out.dump();
  const std::string now_active = active_kid(store, "ES256");
  EXPECT_EQ(r.out["activated"], now_active);
  EXPECT_NE(now_active, es);
  EXPECT_EQ(state_of(store, es), "deleted");
  EXPECT_EQ(active_kid(store, "RS256"), rs);
}

TEST_F(CliKeysRevoke, NonActiveKeyIsJustRemoved) {
  ASSERT_EQ(KeysCli::rotate_now("ES256").code, 0);
  const std::string first = active_kid(store, "ES256");
  ASSERT_EQ(KeysCli::rotate_now("ES256").code, 0);  // `first` is retired
  const std::string second = active_kid(store, "ES256");
  ASSERT_EQ(state_of(store, first), "retired");

  auto r = KeysCli::revoke({first});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out["previous_state"], "retired");
  EXPECT_TRUE(r.out["activated"].is_null());
  EXPECT_EQ(state_of(store, first), "deleted");
  EXPECT_EQ(active_kid(store, "ES256"), second);
}

TEST_F(CliKeysRevoke, UnknownKidOrBadArgumentsAreOneLineErrors) {
  ASSERT_EQ(KeysCli::rotate_now("ES256").code, 0);
  const std::string kid = active_kid(store, "ES256");
  for (const auto& [args, code, what] :
       std::vector<std::tuple<std::vector<std::string>, int, std::string>>{
           {{"no-such-kid"}, 1, "no signing key no-such-kid"},
           {{}, 2, "expected one KID"},
           {{kid, kid}, 2, "expected one KID"},
           {{""}, 2, "expected one KID"}}) {
    auto r = KeysCli::revoke(args);
    EXPECT_EQ(r.code, code) << what;
    EXPECT_TRUE(r.out.is_discarded()) << "nothing on stdout";
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  }
  EXPECT_EQ(state_of(store, kid), "active");

  // A kid is base64url: it may begin with "-", and is not taken for an option.
  StoredSigningKey dash = key_row("ES256", 1000);
  dash.kid = "-" + dash.kid;
  ASSERT_TRUE(keys.insert_next_key(dash).ok());
  auto r = KeysCli::revoke({dash.kid});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(state_of(store, dash.kid), "deleted");
}

TEST(ResourceRegistry, BankApiIsSeededAndResourcesCanBeAdded) {
  PostgresStore store(test_conninfo(), 2);
  PostgresResourceStore resources(store);
  // RFC 8707 §2: a resource is named by an absolute URI, so the demo bank-api is
  // registered under its URL (sql/0011), with the scopes of the `bank-api` row
  // of sql/0005, which stays for the previous release.
  for (const char* audience : {"bank-api", "http://127.0.0.1:8081"}) {
    auto bank = resources.find_resource(audience);
    ASSERT_TRUE(bank.ok());
    ASSERT_TRUE(bank->has_value()) << audience;
    EXPECT_EQ((*bank)->scopes,
              (std::vector<std::string>{"read:accounts", "read:transactions", "write:payments"}));
  }

  protocol::ResourceServer r{
      "https://ledger-" + random_token(4) + ".example/api", "Ledger", {"read:accounts"}, {}};
  ASSERT_TRUE(resources.add(r).ok());
  auto again = resources.add(r);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 409);
  auto found = resources.find_resource(r.audience);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->scopes, r.scopes);
  auto unknown = resources.find_resource("https://nowhere.example/");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

// Introspection asks the registry at every answer: the server keeps it in
// memory (one load), and a change made anywhere (here: plain SQL) reloads it
// through LISTEN signet_resources (sql/0011).
TEST(ResourceRegistry, CachedRegistryLoadsOnceAndReloadsOnNotify) {
  PostgresStore store(test_conninfo(), 2);
  PostgresResourceStore db(store);
  std::atomic<int> loads{0};
  FakeClock clock;
  CachedResourceStore cache(
      [&] {
        ++loads;
        return db.list();
      },
      clock);
  std::atomic<int> notified{0};
  ChangeListener listener(
      test_conninfo(), "signet_resources",
      [&](const std::string&) {
        cache.invalidate();
        ++notified;
      },
      [&] { cache.invalidate(); });
  ASSERT_TRUE(testing::eventually([&] {
    testing::admin_exec("SELECT pg_notify('signet_resources', '')");
    return notified.load() > 0;
  }));
  // Warm-up notifications still on their way must not count as changes below.
  for (int seen = -1; seen != notified.load();) {
    seen = notified.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  const std::string aud = "https://cache-" + random_token(4) + ".example/api";
  for (int i = 0; i < 5; ++i) {
    auto found = cache.find_resource("http://127.0.0.1:8081");
    ASSERT_TRUE(found.ok() && found->has_value());
    auto unknown = cache.find_resource(aud);
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE(unknown->has_value());
  }
  EXPECT_EQ(loads.load(), 1);
  testing::admin_exec("INSERT INTO resource_servers (audience, name) VALUES ('" + aud +
                      "', 'Cache')");
  EXPECT_TRUE(testing::eventually([&] { return cache.find_resource(aud)->has_value(); }));
  const int after_notify = loads.load();
  clock.advance(301);  // past the TTL: read again even without a notification
  ASSERT_TRUE(cache.find_resource(aud).ok());
  EXPECT_EQ(loads.load(), after_notify + 1);
}

TEST(ResourceRegistry, ClientsActingForAResourceServerGoWithTheirClient) {
  PostgresStore store(test_conninfo(), 2);
  PostgresResourceStore resources(store);
  protocol::Client c;
  c.client_id = "rs-" + random_token(8);
  c.client_name = "Ledger RS";
  c.secret_digest = sha256_b64url("s");
  c.grant_types = {"client_credentials"};
  c.scopes = {"read:accounts"};
  ASSERT_TRUE(store.create_client(c).ok());
  protocol::ResourceServer r{"https://ledger-" + random_token(4) + ".example/api",
                             "Ledger",
                             {"read:accounts"},
                             {c.client_id}};
  ASSERT_TRUE(resources.add(r).ok());
  auto found = resources.find_resource(r.audience);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->acts_for(c.client_id));

  // An unknown client is refused, and nothing changes.
  protocol::ResourceServer bad = r;
  bad.client_ids = {"no-such-client"};
  auto refused = resources.update(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 400);
  found = resources.find_resource(r.audience);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->client_ids, r.client_ids);

  // A deleted client takes its link with it.
  ASSERT_TRUE(store.delete_client(c.client_id).ok());
  found = resources.find_resource(r.audience);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->client_ids.empty());
  r.name = "Ledger 2";
  auto updated = resources.update(r);  // r still names the deleted client
  ASSERT_FALSE(updated.ok());
  r.client_ids.clear();
  updated = resources.update(r);
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(*updated);
  r.audience = "https://nowhere.example/";
  updated = resources.update(r);
  ASSERT_TRUE(updated.ok());
  EXPECT_FALSE(*updated);
}

}  // namespace
}  // namespace signet::store
