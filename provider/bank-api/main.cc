// bank-api: the demo bank resource server. Accounts, transactions and payments
// of the customer named by the access token's `sub`, guarded by Signet scopes.

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "bank-api/config.h"
#include "bank-api/db.h"
#include "bank-api/server.h"
#include "common/cpus.h"
#include "common/stop_signals.h"
#include "common/worker_pool.h"
#include "resource/resource_server.h"
#include "resource/revocation_feed.h"

namespace {

// Opens one connection and creates the schema, waiting up to ~15 s for a
// database that is still starting.
void prepare_database(const std::string& conninfo) {
  for (int attempt = 0;; ++attempt) {
    try {
      pqxx::connection conn(conninfo);
      signet::bank::ensure_schema(conn);
      signet::bank::prepare_connection(conn);  // checks every statement once
      return;
    } catch (const pqxx::broken_connection& e) {
      if (attempt >= 15) throw;
      signet::bank::log_line("bank-api: waiting for the database: " + std::string(e.what()));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace

int main() {
  auto config = signet::bank::load_config();
  if (!config.ok()) {
    std::fprintf(stderr, "bank-api: %s %s\n", config.error().code.c_str(),
                 config.error().message.c_str());
    return 2;
  }
  if (config.value().threads == 0) config.value().threads = signet::usable_cpus();
  const signet::bank::Config& cfg = config.value();

  signet::StopSignals stop_signals;  // before any thread starts

  try {
    prepare_database(cfg.database_url);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bank-api: database setup failed: %s\n", e.what());
    return 1;
  }

  signet::resource::VerifierOptions vopts;
  vopts.issuer = cfg.issuer;
  vopts.audience = cfg.audience;
  vopts.jwks_uri = cfg.jwks_uri;
  vopts.jwks_refresh_interval_seconds = cfg.jwks_refresh_seconds;
  // Accepts DPoP-bound tokens (FAPI 2.0: sender-constrained) besides bearer ones.
  vopts.public_base_url = cfg.public_url;
  signet::resource::TokenVerifier verifier(vopts);
  if (!verifier.refresh_keys()) {
    signet::bank::log_line(
        "bank-api: warning: the issuer's keys could not be loaded yet; retrying on demand");
  }
  // Revoked tokens are refused within a poll interval; payments fail closed
  // while the feed cannot be read (README "Revocation feed").
  std::shared_ptr<signet::resource::RevocationFeed> revocations;
  if (cfg.revocation_feed) {
    signet::resource::RevocationFeedOptions fopts;
    fopts.url = cfg.revocation_feed_url;
    fopts.resource = cfg.audience;
    fopts.client_id = cfg.client_id;
    fopts.client_secret = cfg.client_secret;
    fopts.poll_interval_ms = cfg.revocation_poll_ms;
    fopts.fail_closed_after_seconds = cfg.fail_closed_after_seconds;
    fopts.critical_scopes = {"write:payments"};
    fopts.expiry_leeway_seconds = vopts.leeway_seconds;
    revocations = std::make_shared<signet::resource::RevocationFeed>(fopts);
    if (!revocations->poll_once()) {
      signet::bank::log_line(
          "bank-api: warning: the revocation feed could not be read yet; payments are refused "
          "until it is");
    }
    verifier.follow_revocations(revocations);
    revocations->start();
  }

  signet::WorkerPool workers(static_cast<size_t>(cfg.workers),
                             static_cast<size_t>(cfg.workers) * 64);
  signet::bank::ConnectionPool pool(cfg.database_url, static_cast<size_t>(cfg.workers),
                                    signet::bank::statements(), signet::bank::pool_options());
  signet::bank::Server server(cfg, verifier, pool, workers);
  server.report_revocations(revocations);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bank-api: cannot listen on %s: %s\n", cfg.listen_address().c_str(),
                 e.what());
    workers.shutdown();
    return 1;
  }
  signet::bank::log_line("bank-api: listening on " + cfg.listen_address() + ", issuer " +
                         cfg.issuer + ", audience " + cfg.audience);

  const int sig = stop_signals.wait();
  signet::bank::log_line("bank-api: signal " + std::to_string(sig) + ", shutting down");
  // Finish the queued database work first (its answers still need the
  // endpoint), then stop the listener and the I/O threads.
  workers.shutdown();
  server.shutdown();
  if (revocations) revocations->stop();
  return 0;
}
