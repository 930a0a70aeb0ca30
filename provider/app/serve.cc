#include "app/serve.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/signing_keys.h"
#include "common/clock.h"
#include "common/worker_pool.h"
#include "config/config.h"
#include "http/server.h"
#include "protocol/token_endpoint.h"
#include "store/client_cache.h"
#include "store/postgres_stores.h"

namespace signet::app {
namespace {

void log_line(const nlohmann::json& line) { std::cerr << line.dump() << "\n"; }

// Deletes expired codes, sessions and revocation entries so that the cost of a
// request stays flat as tables grow. Runs off the request path.
class Reaper {
 public:
  Reaper(store::PostgresStore& store, const Clock& clock) : store_(store), clock_(clock) {
    thread_ = std::thread([this] { run(); });
  }
  ~Reaper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(60), [this] { return stop_; })) {
      lock.unlock();
      auto r = store_.reap_expired(clock_.now());
      if (r && (r->codes || r->sessions || r->revoked_tokens)) {
        log_line({{"level", "info"},
                  {"event", "reaped"},
                  {"codes", r->codes},
                  {"sessions", r->sessions},
                  {"revoked_tokens", r->revoked_tokens}});
      }
      lock.lock();
    }
  }
  store::PostgresStore& store_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int serve() {
  auto config = config::load_config(std::getenv);
  if (!config) {
    std::cerr << "signet: " << config.error().message << "\n";
    return 2;
  }
  if (auto ok = config::require_serving_settings(*config); !ok) {
    std::cerr << "signet: " << ok.error().message << "\n";
    return 2;
  }
  const config::Config& c = *config;

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  store::PostgresStore store(c.database_url, static_cast<size_t>(c.workers));
  if (auto ping = store.ping(); !ping) {
    std::cerr << "signet: SIGNET_DATABASE_URL: cannot use the database (" << ping.error().detail
              << "); is it running and migrated (signet migrate)?\n";
    return 1;
  }
  auto alg = jose::alg_from_name(c.signing_alg);
  auto keys = load_signing_keys(store, c.master_key, *alg, clock.now());
  if (!keys) {
    std::cerr << "signet: " << keys.error().message << "\n";
    return 1;
  }

  // Clients are read on every token request: cached, and dropped on change by
  // every replica through LISTEN/NOTIFY.
  store::CachedClientStore clients(store, clock);
  store::ChangeListener client_changes(
      c.database_url, "signet_clients",
      [&clients](const std::string& client_id) { clients.invalidate(client_id); },
      [&clients] { clients.invalidate_all(); });

  protocol::TokenSettings token_settings{c.issuer, c.audience, c.access_token_ttl};
  protocol::TokenEndpoint token_endpoint(token_settings, clients, store, *keys, clock);
  WorkerPool workers(static_cast<size_t>(c.workers), 4096);
  http::Services services{c,     clients, store, store,   store,         store,
                          store, *keys,   clock, workers, token_endpoint};
  http::Server server(services);
  if (auto started = server.start(); !started) {
    std::cerr << "signet: " << started.error().message << "\n";
    return 1;
  }
  Reaper reaper(store, clock);
  log_line({{"level", "info"},
            {"event", "listening"},
            {"listen", c.listen_host + ":" + std::to_string(c.listen_port)},
            {"issuer", c.issuer},
            {"signing_kid", keys->active(*alg)->kid()}});

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line({{"level", "info"}, {"event", "stopping"}, {"signal", sig}});
  server.shutdown();
  workers.shutdown();
  return 0;
}

}  // namespace signet::app
