#include "app/key_watcher.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/signing_keys.h"
#include "common/log.h"
#include "store/postgres_store.h"

namespace signet::app {
namespace {

void log_line(const nlohmann::json& line) { log_json_line(line); }

std::string describe(store::PostgresStore& store) {
  auto rows = store.list_signing_keys();
  if (!rows) return {};
  std::string out;
  for (const auto& r : *rows) out += r.kid + ":" + r.state + " ";
  return out;
}

}  // namespace

KeyRotationSettings key_rotation_settings(int64_t publish_delay) {
  KeyRotationSettings s;
  s.publish_delay = publish_delay;
  s.check_interval = std::min<int64_t>(30, std::max<int64_t>(1, s.publish_delay / 2));
  return s;
}

KeyWatcher::KeyWatcher(store::PostgresStore& store, jose::KeyRingHolder& ring, std::string conninfo,
                       std::string master_key, jose::Alg alg, int64_t default_token_ttl,
                       KeyRotationSettings settings, const Clock& clock)
    : store_(store),
      ring_(ring),
      master_key_(std::move(master_key)),
      alg_(alg),
      default_token_ttl_(default_token_ttl),
      settings_(settings),
      clock_(clock) {
  loaded_ = describe(store_);
  auto request_reload = [this] {
    {
      std::lock_guard lock(mu_);
      reload_requested_ = true;
    }
    cv_.notify_all();
  };
  listener_ = std::make_unique<store::ChangeListener>(
      std::move(conninfo), "signet_keys",
      [request_reload](const std::string&) { request_reload(); }, request_reload);
  thread_ = std::thread([this] { run(); });
}

KeyWatcher::~KeyWatcher() {
  listener_.reset();  // no more reload requests
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void KeyWatcher::run() {
  std::unique_lock lock(mu_);
  auto next_check = std::chrono::steady_clock::now();
  while (!stop_) {
    if (reload_requested_) {
      reload_requested_ = false;
      lock.unlock();
      reload();
      lock.lock();
      continue;
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      lock.unlock();
      maintain();
      lock.lock();
      next_check =
          std::chrono::steady_clock::now() + std::chrono::seconds(settings_.check_interval);
      continue;
    }
    cv_.wait_until(lock, next_check, [this] { return stop_ || reload_requested_; });
  }
}

void KeyWatcher::maintain() {
  const int64_t now = clock_.now();
  auto promoted = store_.promote_due_keys(now, settings_.publish_delay);
  if (!promoted) {
    log_line({{"level", "warn"},
              {"event", "key_promotion_failed"},
              {"detail", promoted.error().detail}});
  } else {
    for (const auto& p : *promoted) {
      log_line({{"level", "info"},
                {"event", "signing_key_activated"},
                {"alg", p.alg},
                {"kid", p.activated_kid},
                {"retired", p.retired_kids}});
    }
  }
  auto deleted = store_.delete_expired_keys(now, default_token_ttl_, settings_.retire_margin);
  if (deleted && !deleted->empty()) {
    log_line({{"level", "info"}, {"event", "signing_keys_deleted"}, {"kids", *deleted}});
  }
  reload();
}

void KeyWatcher::reload() {
  const std::string seen = describe(store_);
  if (seen.empty() || seen == loaded_) return;  // unreadable, or nothing changed
  auto ring = load_signing_keys(store_, master_key_, alg_, clock_.now());
  if (!ring) {
    log_line(
        {{"level", "error"}, {"event", "key_reload_failed"}, {"detail", ring.error().message}});
    return;
  }
  const jose::PrivateKey* active = ring->active(alg_);
  const std::string kid = active ? active->kid() : std::string{};
  ring_.replace(std::make_shared<const jose::KeyRing>(std::move(*ring)));
  loaded_ = seen;
  log_line({{"level", "info"},
            {"event", "signing_keys_reloaded"},
            {"signing_kid", kid},
            {"keys", seen}});
}

}  // namespace signet::app
