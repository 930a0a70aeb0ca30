// Key state transitions (next -> active -> retired -> deleted) and the resource
// registry, against the real test database.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/admin_stores.h"
#include "store/postgres_stores.h"
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
      "https://ledger-" + random_token(4) + ".example/api", "Ledger", {"read:accounts"}};
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

}  // namespace
}  // namespace signet::store
