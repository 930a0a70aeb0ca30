// The resource registry (RFC 8707) is read at /authorize and /token when a
// client names a resource, and at every introspection of an access token by a
// client other than its own (RFC 7662 §4). It is small and changes rarely, so
// every replica keeps all of it in memory, reloads it when PostgreSQL announces
// a change (LISTEN signet_resources, sent by triggers, sql/0011), and at the
// latest after `ttl_seconds` in case a notification was missed. An unknown
// audience is answered from memory too: a flood of made-up resources never
// reaches the database.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "protocol/resource_indicator.h"

namespace signet::store {

class CachedResourceStore final : public protocol::ResourceStore {
 public:
  // `load` reads the whole registry (PostgresResourceStore::list).
  using Loader = std::function<protocol::StoreResult<std::vector<protocol::ResourceServer>>()>;
  CachedResourceStore(Loader load, const Clock& clock, int64_t ttl_seconds = 300);

  protocol::StoreResult<std::optional<protocol::ResourceServer>> find_resource(
      std::string_view audience) override;

  // The next lookup reloads the registry.
  void invalidate();

 private:
  using Registry = std::map<std::string, protocol::ResourceServer, std::less<>>;
  Loader load_;
  const Clock& clock_;
  const int64_t ttl_;
  std::mutex mu_;
  std::shared_ptr<const Registry> registry_;  // null: not loaded
  int64_t expires_at_ = 0;
  // Bumped by every invalidation, so a load that raced with one is not kept.
  std::atomic<uint64_t> generation_{0};
};

}  // namespace signet::store
