#include "store/client_cache.h"

#include <chrono>
#include <iostream>
#include <mutex>

#include <pqxx/pqxx>

namespace signet::store {

CachedClientStore::CachedClientStore(protocol::ClientStore& inner, const Clock& clock,
                                     int64_t ttl_seconds, size_t max_entries)
    : inner_(inner), clock_(clock), ttl_(ttl_seconds), max_entries_(max_entries) {}

protocol::StoreResult<std::optional<protocol::Client>> CachedClientStore::find_client(
    std::string_view client_id) {
  const int64_t now = clock_.now();
  std::string key(client_id);
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.expires_at > now) return it->second.client;
  }
  const uint64_t generation = generation_.load();
  auto found = inner_.find_client(client_id);
  if (!found) return found;  // errors are never cached
  std::unique_lock lock(mu_);
  if (generation_.load() == generation) {
    // Unknown ids are cached too (briefly), so a flood of made-up ids does not
    // reach the database; a bounded map, cleared when full.
    if (entries_.size() >= max_entries_) entries_.clear();
    int64_t ttl = found->has_value() ? ttl_ : std::min<int64_t>(ttl_, 10);
    entries_[key] = Entry{*found, now + ttl};
  }
  return found;
}

void CachedClientStore::invalidate(const std::string& client_id) {
  std::unique_lock lock(mu_);
  ++generation_;
  entries_.erase(client_id);
}

void CachedClientStore::invalidate_all() {
  std::unique_lock lock(mu_);
  ++generation_;
  entries_.clear();
}

namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel,
           const std::function<void(const std::string&)>& fn)
      : pqxx::notification_receiver(c, channel), fn_(fn) {}
  void operator()(const std::string& payload, int) override { fn_(payload); }

 private:
  const std::function<void(const std::string&)>& fn_;
};

}  // namespace

ChangeListener::ChangeListener(std::string conninfo, std::string channel,
                               std::function<void(const std::string&)> on_notify,
                               std::function<void()> on_reset)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      on_notify_(std::move(on_notify)),
      on_reset_(std::move(on_reset)) {
  thread_ = std::thread([this] { run(); });
}

ChangeListener::~ChangeListener() {
  stop_ = true;
  thread_.join();
}

void ChangeListener::run() {
  bool was_connected = false;
  while (!stop_) {
    try {
      pqxx::connection conn(conninfo_);
      Receiver receiver(conn, channel_, on_notify_);
      // Anything may have changed while we were not listening.
      if (was_connected) {
        on_reset_();
        reconnects_.fetch_add(1);
      }
      was_connected = true;
      connected_ = true;
      while (!stop_) conn.await_notification(1, 0);
    } catch (const std::exception&) {
      connected_ = false;
      if (was_connected) on_reset_();
      // Retry once a second until stopped; the request path does not depend on it.
      for (int i = 0; i < 10 && !stop_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
}

}  // namespace signet::store
