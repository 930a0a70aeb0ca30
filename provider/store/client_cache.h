// Clients are read on every token request; they change rarely. This cache keeps
// them in memory, and every replica drops an entry when PostgreSQL announces a
// change (LISTEN signet_clients, sent by a trigger, sql/0002). A TTL bounds how
// stale an entry can be if a notification is ever missed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/clock.h"
#include "protocol/stores.h"

namespace signet::store {

class CachedClientStore final : public protocol::ClientStore {
 public:
  CachedClientStore(protocol::ClientStore& inner, const Clock& clock, int64_t ttl_seconds = 300,
                    size_t max_entries = 10000);

  protocol::StoreResult<std::optional<protocol::Client>> find_client(
      std::string_view client_id) override;

  void invalidate(const std::string& client_id);
  void invalidate_all();

 private:
  struct Entry {
    std::optional<protocol::Client> client;  // nullopt: known not to exist
    int64_t expires_at;
  };
  protocol::ClientStore& inner_;
  const Clock& clock_;
  const int64_t ttl_;
  const size_t max_entries_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  // Bumped by every invalidation, so a lookup that raced with one is not cached.
  std::atomic<uint64_t> generation_{0};
};

// Listens on a PostgreSQL channel on a dedicated connection and calls
// `on_notify(payload)` for each notification. When the connection is lost it
// calls `on_reset()` (notifications may have been missed) and reconnects.
class ChangeListener {
 public:
  ChangeListener(std::string conninfo, std::string channel,
                 std::function<void(const std::string&)> on_notify, std::function<void()> on_reset);
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // For monitoring: the channel, whether it is listening now, and how many
  // times it has connected again after losing its connection.
  const std::string& channel() const { return channel_; }
  bool connected() const { return connected_.load(); }
  uint64_t reconnects() const { return reconnects_.load(); }

 private:
  void run();
  std::string conninfo_;
  std::string channel_;
  std::function<void(const std::string&)> on_notify_;
  std::function<void()> on_reset_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> reconnects_{0};
  std::thread thread_;
};

}  // namespace signet::store
