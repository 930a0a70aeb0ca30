// Key rotation in a running server. Every replica keeps its KeyRing current:
// it reloads the ring when PostgreSQL announces a change (LISTEN signet_keys,
// sent by a trigger, sql/0005) and periodically in case a notification was
// missed. Periodically, one replica at a time (advisory lock) promotes a `next`
// key published for SIGNET_KEY_PUBLISH_DELAY seconds to `active`, retiring the
// old one, and deletes retired keys that no live token can carry any more.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "jose/key.h"
#include "jose/key_ring_holder.h"
#include "store/client_cache.h"
#include "store/postgres_store.h"

namespace signet::app {

struct KeyRotationSettings {
  // How long a new key is published before it signs: at least the lifetime of
  // a JWKS cache (ours: Cache-Control max-age=60; the resource library's TTL).
  int64_t publish_delay = 300;
  // How often a replica checks for due promotions and reloads (derived from the
  // delay: min(30, max(1, delay / 2))).
  int64_t check_interval = 30;
  // Added to the longest token lifetime before a retired key is deleted (clock
  // skew, replicas that reload late).
  int64_t retire_margin = 120;
};

// The settings for a publication delay (config: SIGNET_KEY_PUBLISH_DELAY).
KeyRotationSettings key_rotation_settings(int64_t publish_delay);

class KeyWatcher {
 public:
  KeyWatcher(store::PostgresStore& store, jose::KeyRingHolder& ring, std::string conninfo,
             std::string master_key, jose::Alg alg, int64_t default_token_ttl,
             KeyRotationSettings settings, const Clock& clock);
  ~KeyWatcher();
  KeyWatcher(const KeyWatcher&) = delete;
  KeyWatcher& operator=(const KeyWatcher&) = delete;

  // Promotes what is due, deletes expired keys, then reloads.
  void maintain();
  // Reloads the ring from the database (logs when the set of keys changed).
  void reload();
  // Its LISTEN signet_keys connection, for monitoring.
  const store::ChangeListener& listener() const { return *listener_; }

 private:
  void run();
  store::PostgresStore& store_;
  jose::KeyRingHolder& ring_;
  const std::string master_key_;
  const jose::Alg alg_;
  const int64_t default_token_ttl_;
  const KeyRotationSettings settings_;
  const Clock& clock_;
  std::string loaded_;  // "kid:state ..." of the ring in use

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool reload_requested_ = false;
  std::thread thread_;
  std::unique_ptr<store::ChangeListener> listener_;
};

}  // namespace signet::app
