#include "app/serve.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/key_watcher.h"
#include "app/server_metrics.h"
#include "app/signing_keys.h"
#include "common/clock.h"
#include "common/cpus.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/stop_signals.h"
#include "common/worker_pool.h"
#include "config/config.h"
#include "fetch/account_directory.h"
#include "fetch/jwks_fetcher.h"
#include "http/server.h"
#include "metrics/admin_listener.h"
#include "metrics/request_metrics.h"
#include "metrics/state_collector.h"
#include "protocol/token/access_token.h"
#include "protocol/token/authorization_code_grant.h"
#include "protocol/token/client_credentials_grant.h"
#include "protocol/token/refresh_token_grant.h"
#include "protocol/token/token_endpoint.h"
#include "store/client_cache.h"
#include "store/database_probe.h"
#include "store/postgres_audit.h"
#include "store/postgres_login_failures.h"
#include "store/postgres_refresh_tokens.h"
#include "store/postgres_resources.h"
#include "store/postgres_revocation_feed.h"
#include "store/postgres_store.h"
#include "store/refresh_token_cache.h"
#include "store/resource_cache.h"

namespace signet::app {
namespace {

void log_line(const nlohmann::json& line) { log_json_line(line); }

// Deletes expired codes, sessions, pushed requests and revocation entries so that the cost of a
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
      // Refresh-token families past their absolute expiry, issued-token records.
      auto lifecycle = store::PostgresLifecycleStore(store_).reap_expired(clock_.now());
      auto failures = store::PostgresLoginFailures(store_).reap_expired(clock_.now());
      // A failed round is said, not dropped; the next round tries again.
      auto report = [](const auto& result) {
        if (result) return;
        log_line({{"level", "warn"},
                  {"event", "reap_failed"},
                  {"error", result.error().code},
                  {"detail", result.error().detail}});
      };
      report(r);
      report(lifecycle);
      report(failures);
      if (lifecycle && *lifecycle) {
        log_line({{"level", "info"}, {"event", "reaped"}, {"token_lifecycle_rows", *lifecycle}});
      }
      if (r && (r->codes || r->sessions || r->pushed_requests || r->assertion_jtis ||
                r->dpop_jtis || r->revoked_tokens)) {
        log_line({{"level", "info"},
                  {"event", "reaped"},
                  {"codes", r->codes},
                  {"sessions", r->sessions},
                  {"pushed_requests", r->pushed_requests},
                  {"assertion_jtis", r->assertion_jtis},
                  {"dpop_jtis", r->dpop_jtis},
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
  if (config->http_threads == 0) config->http_threads = usable_cpus();
  const config::Config& c = *config;

  StopSignals stop_signals;  // before any thread starts

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
  const KeyRotationSettings rotation = key_rotation_settings(c.key_publish_delay);
  // The ring in use, replaced as a whole when the keys change (KeyWatcher below).
  jose::KeyRingHolder key_ring(std::move(*keys));

  // Clients are read on every token request: cached, and dropped on change by
  // every replica through LISTEN/NOTIFY.
  store::CachedClientStore clients(store, clock);
  store::ChangeListener client_changes(
      c.database_url, "signet_clients",
      [&clients](const std::string& client_id) { clients.invalidate(client_id); },
      [&clients] { clients.invalidate_all(); });

  protocol::TokenSettings token_settings{c.issuer, c.audience, c.access_token_ttl, c.signing_alg};
  // RFC 8707 resource indicators: the registry is kept in memory and reloaded on
  // every change (LISTEN signet_resources), so introspection and /token never
  // wait for it.
  store::PostgresResourceStore resource_db(store);
  store::CachedResourceStore resources([&resource_db] { return resource_db.list(); }, clock);
  store::ChangeListener resource_changes(
      c.database_url, "signet_resources",
      [&resources](const std::string&) { resources.invalidate(); },
      [&resources] { resources.invalidate(); });
  store::PostgresLifecycleStore lifecycle_db(store);
  // Refresh-token records for introspection, kept in memory; revocations anywhere
  // reach every replica through LISTEN/NOTIFY (store/refresh_token_cache.h).
  store::CachedRefreshTokens lifecycle(lifecycle_db, clock, 30,
                                       static_cast<size_t>(c.introspection_cache_entries));
  store::ChangeListener revocations(
      c.database_url, "signet_revocations",
      [&lifecycle](const std::string& payload) { lifecycle.on_notification(payload); },
      [&lifecycle] { lifecycle.invalidate_all(); });
  // Client authentication (protocol/token/client_authentication.h): secrets, and
  // private_key_jwt assertions for the issuer, each jti used once across replicas.
  fetch::CurlJwksFetcher jwks_fetcher(c.allow_private_jwks_uri);
  protocol::ClientKeySource client_keys(jwks_fetcher, clock);
  protocol::ClientAssertionVerifier client_assertions({c.issuer}, client_keys, store, clock);
  const protocol::ClientAuthenticator client_auth(clients, client_assertions);
  protocol::Introspection introspection(token_settings, client_auth, lifecycle, key_ring, clock);
  introspection.enable_resource_servers(resources);  // RFC 7662 §4: who may see a token
  // POST /revocations: resource servers follow the revoked tokens (sql/0016).
  store::PostgresRevocationFeed revocation_list(store.pool());
  protocol::RevocationFeedEndpoint revocation_feed(client_auth, resources, revocation_list, clock);
  // Throttling (protocol/throttle.h): account lockout shared through PostgreSQL,
  // address limits in memory, the per-client token bucket on the I/O threads.
  store::PostgresLoginFailures login_failures(store);
  protocol::LoginThrottle login_throttle(
      {c.login_max_failures, c.login_failure_window, c.login_lockout_seconds}, &login_failures,
      c.login_max_failures_per_address, clock);
  protocol::AddressFailureLimit client_auth_failures(c.token_max_auth_failures_per_address,
                                                     c.login_failure_window, clock);
  protocol::SteadyMicroClock micro_clock;
  protocol::ClientRateLimit client_rate(c.token_rate_per_client, c.token_burst_per_client,
                                        micro_clock);
  // /token (protocol/token/): access tokens for registered resources (RFC 8707),
  // the three grants, refresh tokens and OpenID Connect ID tokens (scope openid)
  // with the code, and the per-client request rate.
  protocol::AccessTokenIssuer access_tokens(token_settings, key_ring, resources);
  protocol::RefreshTokens refresh_tokens(
      lifecycle, protocol::RefreshSettings{c.refresh_token_ttl, c.refresh_token_max_age});
  protocol::AuthorizationCodeGrant code_grant(store, access_tokens, clock,
                                              {&refresh_tokens, &store});
  protocol::ClientCredentialsGrant client_credentials_grant(access_tokens, clock);
  protocol::RefreshTokenGrant refresh_token_grant(refresh_tokens, access_tokens, clock);
  // DPoP (RFC 9449): proofs at /token and /par, their jtis once across replicas,
  // nonces from a key derived from the master key (the same on every replica).
  protocol::DpopProofs dpop(
      {c.issuer, c.dpop_nonces ? derive_key(c.master_key, "signet dpop nonces") : std::string()},
      store, clock);
  protocol::TokenEndpoint token_endpoint(
      client_auth, dpop, {code_grant, client_credentials_grant, refresh_token_grant}, client_rate);
  // /authorize, sign-in and consent check requests against the same context;
  // POST /par (RFC 9126) checks them by the same rules before storing them.
  // Rich authorization requests (RFC 9396): the typed details of
  // schemas/authorization-details/, and grants (Grant Management) they go to.
  const protocol::AuthorizeContext authorize{clients,
                                             store,
                                             clock,
                                             &resources,
                                             c.audience,
                                             c.require_pushed_authorization_requests,
                                             &protocol::AuthorizationDetailsTypes::builtin(),
                                             &store};
  protocol::PushedAuthorizationEndpoint par_endpoint(client_auth, dpop, authorize,
                                                     c.pushed_request_ttl, client_rate);
  WorkerPool workers(static_cast<size_t>(c.workers), 4096);
  http::Services services{c,        clients, store,   store,          store,     store,       store,
                          key_ring, clock,   workers, token_endpoint, authorize, par_endpoint};
  services.lifecycle = &lifecycle;
  services.introspection = &introspection;
  services.revocation_feed = &revocation_feed;
  services.resources = &resources;
  services.grants = &store;
  services.dpop = &dpop;
  // The customer's accounts for the consent page (RFC 9396 §7.1), when configured.
  std::optional<fetch::HttpAccountDirectory> account_directory;
  if (!c.account_directory_url.empty()) {
    account_directory.emplace(
        c.account_directory_url,
        c.account_directory_audience.empty() ? c.audience : c.account_directory_audience,
        access_tokens, clock);
    services.accounts = &*account_directory;
  }
  services.throttles = {&login_throttle, &client_auth_failures};
  // The audit trail: a JSON line per event at once, rows in audit_events in
  // batches from its own connection (never a request's wait).
  store::PostgresAuditSink audit(c.database_url);
  services.audit = &audit;
  // Metrics (README, "Metrics and alerts"), when SIGNET_METRICS_LISTEN is set: requests,
  // tokens and refusals as they happen, audit events counted on their way.
  std::optional<metrics::RequestMetrics> request_metrics;
  std::optional<metrics::CountingAuditSink> counted_audit;
  if (c.metrics_port != 0) {
    request_metrics.emplace();
    services.metrics = &*request_metrics;
    counted_audit.emplace(audit, *request_metrics);
    services.audit = &*counted_audit;
  }
  // Readiness (/readyz): the database answers within 2 s, and a key can sign.
  store::DatabaseProbe database_probe(c.database_url, std::chrono::milliseconds(2000));
  // Logged when readiness changes, not at every probe of the load balancer.
  auto database_was_ready = std::make_shared<std::atomic<bool>>(true);
  services.readiness_checks.push_back([&database_probe, database_was_ready] {
    std::string why = database_probe.check();
    if (database_was_ready->exchange(why.empty()) != why.empty()) {
      log_line(why.empty()
                   ? nlohmann::json{{"level", "info"}, {"event", "ready"}, {"reason", "database"}}
                   : nlohmann::json{{"level", "warning"},
                                    {"event", "not_ready"},
                                    {"reason", "database"},
                                    {"detail", why}});
    }
    return why.empty() ? std::string() : std::string("database");
  });
  services.readiness_checks.push_back([&key_ring, signing_alg = *alg] {
    return key_ring.current()->active(signing_alg) ? std::string() : std::string("signing_keys");
  });
  // Not ready while draining on SIGTERM: load balancers stop sending work here.
  services.readiness_checks.push_back(
      [&services] { return services.draining ? std::string("draining") : std::string(); });
  // The admin listener binds before the public one, so that a bad
  // SIGNET_METRICS_LISTEN stops Signet before it takes any request.
  std::shared_ptr<metrics::StateCollector> metrics_state;
  std::unique_ptr<metrics::AdminListener> admin;
  if (request_metrics) {
    metrics_state = std::make_shared<metrics::StateCollector>();
    auto started_admin = metrics::AdminListener::start(
        c.metrics_host, c.metrics_port, {request_metrics->registry(), metrics_state});
    if (!started_admin) {
      std::cerr << "signet: " << started_admin.error().message << "\n";
      return 1;
    }
    admin = std::move(*started_admin);
  }
  http::Server server(services);
  if (auto started = server.start(); !started) {
    std::cerr << "signet: " << started.error().message << "\n";
    return 1;
  }
  Reaper reaper(store, clock);
  // Promotes due `next` keys (one replica at a time), deletes expired ones, and
  // reloads the ring on every change (LISTEN signet_keys) and periodically.
  KeyWatcher key_watcher(store, key_ring, c.database_url, c.master_key, *alg,
                         std::max<int64_t>(c.access_token_ttl, 3600), rotation, clock);
  // The state of the parts, read at each scrape (the key watcher's LISTEN
  // connection exists only from here).
  if (metrics_state) {
    add_server_series(*metrics_state,
                      {store.pool(),
                       {&client_changes, &resource_changes, &revocations, &key_watcher.listener()},
                       key_ring,
                       audit,
                       workers,
                       clock});
  }
  log_line({{"level", "info"},
            {"event", "listening"},
            {"listen", c.listen_host + ":" + std::to_string(c.listen_port)},
            {"metrics_listen",
             admin ? c.metrics_host + ":" + std::to_string(c.metrics_port) : std::string("off")},
            {"issuer", c.issuer},
            {"http_threads", c.http_threads},
            {"workers", c.workers},
            {"signing_kid", key_ring.current()->active(*alg)->kid()},
            {"key_publish_delay", rotation.publish_delay}});

  const int sig = stop_signals.wait();
  // Drain: readiness fails, the requests in flight (queued, running, being
  // written) are all answered, bounded by the grace period; then stop.
  log_line({{"level", "info"},
            {"event", "draining"},
            {"signal", sig},
            {"grace_seconds", c.shutdown_grace_seconds}});
  const auto drain_started = std::chrono::steady_clock::now();
  const size_t unanswered = server.drain(std::chrono::seconds(c.shutdown_grace_seconds));
  const auto drain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - drain_started)
                            .count();
  server.shutdown();
  workers.drop_queued();  // none after a full drain
  workers.shutdown();
  log_line({{"level", unanswered == 0 ? "info" : "warning"},
            {"event", "stopped"},
            {"drained", unanswered == 0},
            {"unanswered", unanswered},
            {"drain_ms", drain_ms}});
  audit.close(std::chrono::seconds(5));  // what is queued reaches audit_events
  return 0;
}

}  // namespace signet::app
