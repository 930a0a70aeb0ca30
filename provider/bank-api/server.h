// bank-api's HTTP side on Pistache: routes, token checks on the I/O thread,
// database work on the worker pool, and every error answered as JSON.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "bank-api/config.h"
#include "bank-api/db.h"
#include "common/worker_pool.h"
#include "resource/resource_server.h"
#include "resource/revocation_feed.h"

namespace signet::bank {

struct Reply {
  Pistache::Http::Code code = Pistache::Http::Code::Ok;
  nlohmann::json body;
};

class Server {
 public:
  Server(const Config& config, resource::TokenVerifier& verifier, ConnectionPool& pool,
         WorkerPool& workers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // /healthz reports the revocation feed's state (last_sync_age, entries).
  void report_revocations(std::shared_ptr<const resource::RevocationFeed> feed) {
    revocations_ = std::move(feed);
  }

  // Binds and starts the I/O threads; throws when the address cannot be bound.
  void start();
  // The port listened on (with port 0 configured, the one the system chose).
  uint16_t port() const;
  // Stops the listener and the I/O threads. Drain the worker pool first: queued
  // jobs still answer through the endpoint's transports.
  void shutdown();

 private:
  using Work = std::function<Reply(pqxx::connection&)>;

  void routes();
  void get_accounts(const Pistache::Rest::Request& req, Pistache::Http::ResponseWriter& res);
  void get_transactions(const Pistache::Rest::Request& req, Pistache::Http::ResponseWriter& res);
  void post_payments(const Pistache::Rest::Request& req, Pistache::Http::ResponseWriter& res);
  void get_account_directory(const Pistache::Rest::Request& req,
                             Pistache::Http::ResponseWriter& res);

  // Checks the access token (Bearer, or DPoP with its proof) for `scope` (none
  // when empty: the handler then decides from scopes and authorization_details);
  // on failure answers 400/401/403 itself.
  std::optional<resource::AccessToken> authorize(const Pistache::Rest::Request& req,
                                                 Pistache::Http::ResponseWriter& res,
                                                 const char* scope);
  // 403 insufficient_scope for `token`, answered here.
  void refuse(Pistache::Http::ResponseWriter& res, const resource::AccessToken& token,
              const char* scope, std::string_view description = {});
  // Runs `work` on a worker with a pooled connection and answers from there.
  void dispatch(Pistache::Http::ResponseWriter& res, bool idempotent, Work work);
  Reply run_db(const Work& work, bool idempotent);

  const Config& config_;
  resource::TokenVerifier& verifier_;
  ConnectionPool& pool_;
  WorkerPool& workers_;
  std::shared_ptr<Pistache::Rest::Router> router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  std::shared_ptr<const resource::RevocationFeed> revocations_;
};

// Writes `body` as JSON with Cache-Control: no-store (and Retry-After on 503).
void send_json(Pistache::Http::ResponseWriter& res, Pistache::Http::Code code,
               const nlohmann::json& body);

// One line on stderr.
void log_line(const std::string& line);

}  // namespace signet::bank
