// The client cache on a real PostgreSQL: entries are served from memory, and a
// change made anywhere (here: plain SQL) reaches the cache through LISTEN/NOTIFY.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/blocking.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "store/client_cache.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::Client;
using testing::admin_exec;
using testing::eventually;
using testing::test_conninfo;

// Counts the lookups that reach PostgreSQL.
class CountingClientStore final : public protocol::ClientStore {
 public:
  explicit CountingClientStore(protocol::ClientStore& inner) : inner_(inner) {}
  protocol::StoreResult<std::optional<Client>> find_client(std::string_view id) override {
    ++calls;
    return inner_.find_client(id);
  }
  std::atomic<int> calls{0};

 private:
  protocol::ClientStore& inner_;
};

std::string add_client(PostgresStore& store, const std::string& name) {
  Client c;
  c.client_id = random_token(16);
  c.client_name = name;
  c.secret_digest = sha256_b64url("secret");
  c.scopes = {"read:accounts"};
  c.grant_types = {"client_credentials"};
  EXPECT_TRUE(store.create_client(c).ok());
  return c.client_id;
}

TEST(ClientCache, RepeatedLookupsDoNotReachTheDatabase) {
  PostgresStore store(test_conninfo(), 2);
  CountingClientStore counting(store);
  FakeClock clock;
  CachedClientStore cache(counting, clock);
  const std::string id = add_client(store, "Cached");
  for (int i = 0; i < 5; ++i) {
    auto c = cache.find_client(id);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->has_value());
    EXPECT_EQ((*c)->client_name, "Cached");
  }
  EXPECT_EQ(counting.calls.load(), 1);
  clock.advance(301);  // past the TTL: read again
  ASSERT_TRUE(cache.find_client(id).ok());
  EXPECT_EQ(counting.calls.load(), 2);
}

TEST(ClientCache, ChangeMadeBySqlReachesTheCacheThroughNotify) {
  PostgresStore store(test_conninfo(), 2);
  SystemClock clock;
  CachedClientStore cache(store, clock);
  std::atomic<int> notified{0};
  ChangeListener listener(
      test_conninfo(), "signet_clients",
      [&](const std::string& id) {
        cache.invalidate(id);
        ++notified;
      },
      [&] { cache.invalidate_all(); });
  // Give the listener time to LISTEN before the first change.
  ASSERT_TRUE(eventually([&] {
    admin_exec("SELECT pg_notify('signet_clients', 'warm-up')");
    return notified.load() > 0;
  }));

  const std::string id = add_client(store, "Before");
  ASSERT_EQ((*cache.find_client(id))->client_name, "Before");
  admin_exec("UPDATE clients SET client_name = 'After' WHERE client_id = '" + id + "'");
  EXPECT_TRUE(eventually([&] { return (*cache.find_client(id))->client_name == "After"; }));

  admin_exec("DELETE FROM clients WHERE client_id = '" + id + "'");
  EXPECT_TRUE(eventually([&] { return !cache.find_client(id)->has_value(); }));
}

// Notifications sent while a listener is away are lost (a database failover, a
// restart): when its connection breaks it must reset what it guards, and listen
// again on a new connection (README "PostgreSQL failover").
TEST(ChangeListener, ALostConnectionResetsAndListensAgain) {
  std::atomic<int> notified{0};
  std::atomic<int> resets{0};
  ChangeListener listener(
      test_conninfo(), "signet_clients", [&](const std::string&) { ++notified; },
      [&] { ++resets; });
  ASSERT_TRUE(eventually([&] {
    admin_exec("SELECT pg_notify('signet_clients', 'warm-up')");
    return notified.load() > 0;
  }));
  EXPECT_EQ(resets.load(), 0);

  admin_exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid() AND query ILIKE 'listen%signet_clients%'");
  EXPECT_TRUE(eventually([&] { return resets.load() > 0; }));
  const int before = notified.load();
  EXPECT_TRUE(eventually([&] {
    admin_exec("SELECT pg_notify('signet_clients', 'after')");
    return notified.load() > before;
  }));
}

TEST(ClientCache, UnknownClientCreatedLaterIsFoundAfterNotify) {
  PostgresStore store(test_conninfo(), 2);
  SystemClock clock;
  CachedClientStore cache(store, clock);
  std::atomic<int> notified{0};
  ChangeListener listener(
      test_conninfo(), "signet_clients",
      [&](const std::string& id) {
        cache.invalidate(id);
        ++notified;
      },
      [&] { cache.invalidate_all(); });
  ASSERT_TRUE(eventually([&] {
    admin_exec("SELECT pg_notify('signet_clients', 'warm-up')");
    return notified.load() > 0;
  }));
  const std::string id = random_token(16);
  ASSERT_FALSE(cache.find_client(id)->has_value());  // cached as unknown
  admin_exec(
      "INSERT INTO clients (client_id, client_name, is_public, secret_digest, redirect_uris, "
      "scopes, grant_types, created_at) VALUES ('" +
      id + "', 'Late', false, 'x', '{}', '{read:accounts}', '{client_credentials}', 0)");
  EXPECT_TRUE(eventually([&] { return cache.find_client(id)->has_value(); }));
}

}  // namespace
}  // namespace signet::store

namespace signet::store {
namespace {

// On an I/O thread (NonBlockingScope) the store must not wait for PostgreSQL;
// a cached client is still served.
TEST(NonBlockingScope, DatabaseCallsRefuseToWaitButCachedClientsAreServed) {
  PostgresStore store(test_conninfo(), 2);
  FakeClock clock;
  CachedClientStore cache(store, clock);
  const std::string cached = add_client(store, "Cached");
  ASSERT_TRUE(cache.find_client(cached)->has_value());
  const std::string uncached = add_client(store, "Uncached");

  NonBlockingScope no_waiting;
  auto hit = cache.find_client(cached);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ((*hit)->client_name, "Cached");
  auto miss = cache.find_client(uncached);
  ASSERT_FALSE(miss.ok());
  EXPECT_TRUE(miss.error().is_would_block());
  auto direct = store.find_code("anything");
  ASSERT_FALSE(direct.ok());
  EXPECT_TRUE(direct.error().is_would_block());
}

}  // namespace
}  // namespace signet::store
