// Key state transitions (next -> active -> retired -> deleted) and the resource
// registry, against the real test database.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/crypto.h"
#include "store/admin_stores.h"
#include "store/client_cache.h"
#include "store/postgres_stores.h"
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
  PostgresKeyStore keys(store);
  StoredSigningKey active = key_row("ES256", 1000);
  active.state = "active";
  ASSERT_TRUE(store.insert_active_key_if_none(active).ok());
  StoredSigningKey next = key_row("ES256", 2000);
  ASSERT_TRUE(keys.insert_next(next).ok());

  auto early = keys.promote_due(2100, 300);  // published 100 s: too early
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  EXPECT_EQ(state_of(store, next.kid), "next");

  auto due = keys.promote_due(2300, 300);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].activated_kid, next.kid);
  ASSERT_EQ((*due)[0].retired_kids.size(), 1u);
  EXPECT_EQ((*due)[0].retired_kids[0], active.kid);
  EXPECT_EQ(state_of(store, next.kid), "active");
  EXPECT_EQ(state_of(store, active.kid), "retired");

  // Retired at 2300: kept while a token it signed may live (ttl 600 + margin 60).
  auto kept = keys.delete_expired(2300 + 600, 600, 60);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->empty());
  EXPECT_EQ(state_of(store, active.kid), "retired");
  auto gone = keys.delete_expired(2300 + 661, 600, 60);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->size(), 1u);
  EXPECT_EQ(state_of(store, active.kid), "deleted");
}

TEST(KeyRotationStore, ForcedPromotionIgnoresTheDelay) {
  admin_exec("DELETE FROM signing_keys");
  PostgresStore store(test_conninfo(), 2);
  PostgresKeyStore keys(store);
  StoredSigningKey next = key_row("RS256", 5000);
  ASSERT_TRUE(keys.insert_next(next).ok());
  auto forced = keys.promote_due(5000, 300, next.kid);
  ASSERT_TRUE(forced.ok());
  ASSERT_EQ(forced->size(), 1u);
  EXPECT_EQ(state_of(store, next.kid), "active");
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
  ASSERT_TRUE(PostgresClientAdmin(store).remove(c.client_id).ok());
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
