#include "http/server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <iostream>

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include "common/cpus.h"
#include "common/log.h"
#include "http/bounded_handler.h"
#include "http/grant_handlers.h"
#include "http/handlers.h"
#include "http/in_flight.h"
#include "http/lifecycle_handlers.h"
#include "http/oidc_handlers.h"
#include "http/wire.h"
#include "interaction/pages.h"

namespace signet::http {

using namespace Pistache;

namespace {

// A request taken by a route: held until its answer is written (graceful stop),
// and timed for the route's metrics from the moment the route saw it.
struct Taken {
  InFlight::TicketPtr ticket;
  RouteMetrics* route;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
};

// Writes the answer; the ticket is released once it is written or has failed.
void answer(Http::ResponseWriter& writer, const Answer& a, Taken taken) {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - taken.since;
  taken.route->answered(a.status, a.error, took.count());
  send(writer, a).then([ticket = taken.ticket](ssize_t) { ticket->done(); },
                       [ticket = taken.ticket](std::exception_ptr) { ticket->done(); });
}

}  // namespace

struct Server::Impl {
  Services& s;
  InFlight in_flight;
  Rest::Router router;
  std::unique_ptr<Http::Endpoint> endpoint;
  std::string metadata_json;

  // Password hashing (Argon2id, ~60 ms of CPU each) gets its own pool, one
  // thread per CPU the process may run on, at low priority: logins queue among
  // themselves and never hold the workers or the CPU that token requests need.
  WorkerPool login_workers;

  explicit Impl(Services& services)
      : s(services), login_workers(static_cast<size_t>(usable_cpus()), 1024, [] {
          setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
        }) {}

  using Handler = Answer (*)(Services&, const Incoming&);
  // A route's handler once it is given the route's metrics (add() below).
  using Bind = std::function<Rest::Route::Handler(RouteMetrics&)>;

  Taken take(RouteMetrics& route) { return Taken{in_flight.take(), &route}; }

  // Copies the request on the I/O thread and answers from a worker; a full queue
  // answers 503 at once instead of stalling the connection's thread.
  Bind on_worker(Handler handler, ErrorMode errors) { return on_pool(s.workers, handler, errors); }

  Bind on_pool(WorkerPool& pool, Handler handler, ErrorMode errors) {
    return [this, &pool, handler, errors](RouteMetrics& route) {
      return [this, &pool, handler, errors, &route](const Rest::Request& request,
                                                    Http::ResponseWriter response) {
        auto taken = take(route);
        dispatch(pool, handler, errors,
                 std::make_shared<Incoming>(Incoming::from(request, s.config.trusted_proxies)),
                 std::move(response), std::move(taken));
        return Rest::Route::Result::Ok;
      };
    };
  }

  // Answers on the I/O thread when nothing needs to wait (CPU-only work such as
  // signing for a cached client), else hands the request to a worker.
  Bind inline_first(std::optional<Answer> (*try_now)(Services&, const Incoming&), Handler handler,
                    ErrorMode errors) {
    return [this, try_now, handler, errors](RouteMetrics& route) {
      return [this, try_now, handler, errors, &route](const Rest::Request& request,
                                                      Http::ResponseWriter response) {
        auto taken = take(route);
        auto in = std::make_shared<Incoming>(Incoming::from(request, s.config.trusted_proxies));
        std::optional<Answer> now;
        RequestLogScope log_scope(in->request_id);
        try {
          now = try_now(s, *in);
        } catch (const std::exception&) {
          now.reset();  // retried on a worker, where errors are answered
        }
        if (now) {
          now->request_id = in->request_id;
          answer(response, *now, std::move(taken));
        } else {
          dispatch(s.workers, handler, errors, in, std::move(response), std::move(taken));
        }
        return Rest::Route::Result::Ok;
      };
    };
  }

  void dispatch(WorkerPool& pool, Handler handler, ErrorMode errors, std::shared_ptr<Incoming> in,
                Http::ResponseWriter response, Taken taken) {
    auto writer = std::make_shared<Http::ResponseWriter>(std::move(response));
    bool queued = pool.submit([this, handler, errors, writer, in, taken] {
      Answer a;
      RequestLogScope log_scope(in->request_id);
      try {
        a = handler(s, *in);
      } catch (const std::exception& e) {
        auto err = protocol::OAuthError::server_error(e.what());
        a = answer_error(err, errors);
      }
      a.request_id = in->request_id;
      answer(*writer, a, taken);
    });
    if (!queued) {
      auto err = protocol::OAuthError::temporarily_unavailable("worker queue full");
      Answer a = answer_error(err, errors);
      a.request_id = in->request_id;
      answer(*writer, a, std::move(taken));
    }
  }

  Bind fixed(std::function<Answer()> make) {
    return [this, make](RouteMetrics& route) {
      return [this, make, &route](const Rest::Request&, Http::ResponseWriter response) {
        answer(response, make(), take(route));
        return Rest::Route::Result::Ok;
      };
    };
  }

  // Registers a route with its metrics, labelled by the route's template (never
  // the request's path: "/grants/:grant_id", not each grant).
  using Add = void (*)(Rest::Router&, const std::string&, Rest::Route::Handler);
  void add(Add method, const char* method_name, const std::string& path, const Bind& bind) {
    method(router, path, bind(s.metrics->route(method_name, path)));
  }
  void get(const std::string& path, const Bind& b) { add(Rest::Routes::Get, "GET", path, b); }
  void post(const std::string& path, const Bind& b) { add(Rest::Routes::Post, "POST", path, b); }
  void del(const std::string& path, const Bind& b) { add(Rest::Routes::Delete, "DELETE", path, b); }
  // Methods a known path does not take: 405, one series per path for all of them.
  void refuse(const std::string& path, std::initializer_list<Add> methods) {
    auto handler = fixed([] {
      return json_answer(405, {{"error", "method_not_allowed"}});
    })(s.metrics->route("other", path));
    for (Add method : methods) method(router, path, handler);
  }

  void routes() {
    using enum ErrorMode;  // each route says once how its errors are answered
    using namespace Rest::Routes;
    get("/authorize", on_worker(handle_authorize, kPage));
    post("/authorize", on_worker(handle_authorize_post, kPage));
    post("/login", on_pool(login_workers, handle_login, kPage));
    post("/consent", on_worker(handle_consent, kPage));
    post("/token", inline_first(try_token_without_waiting, handle_token, kJson));
    post("/par", on_worker(handle_par, kJson));
    post("/revoke", on_worker(handle_revoke, kJson));
    post("/introspect", inline_first(try_introspect_without_waiting, handle_introspect, kJson));
    post("/revocations", on_worker(handle_revocation_feed, kJson));
    // Grant management (grant_handlers.cc, Grant Management §6).
    get("/grants/:grant_id", on_worker(handle_grant_query, kJson));
    del("/grants/:grant_id", on_worker(handle_grant_revoke, kJson));
    refuse("/grants/:grant_id", {Post, Put, Patch, Options, Head});
    get("/account/apps", on_worker(handle_connected_apps, kPage));
    post("/account/apps/revoke", on_worker(handle_connected_apps_revoke, kPage));
    post("/account/apps/end-grant", on_worker(handle_connected_apps_end_grant, kPage));

    metadata_json = authorization_server_metadata(s.config).dump();
    get("/.well-known/oauth-authorization-server", fixed([this] {
          Answer a;
          a.body = metadata_json;
          a.cache_control = "public, max-age=300";
          return a;
        }));
    get("/jwks", fixed([this] {
          Answer a;
          a.body = s.keys.current()->jwks().dump();
          a.content_type = "application/jwk-set+json";
          a.cache_control = "public, max-age=60";
          return a;
        }));
    get("/static/signet.css", fixed([] {
          Answer a;
          a.body = interaction::stylesheet();
          a.content_type = "text/css; charset=utf-8";
          a.cache_control = "public, max-age=3600";
          return a;
        }));
    // Browsers ask every site for an icon; Signet has none, and a 404 would be a
    // failed request in the console of every sign-in page.
    get("/favicon.ico", fixed([] {
          Answer a;
          a.status = 204;
          a.content_type = "image/x-icon";
          a.cache_control = "public, max-age=86400";
          return a;
        }));
    get("/healthz", fixed([] { return json_answer(200, {{"status", "ok"}}); }));
    // Ready for traffic (database answers, keys loaded): checks run on a worker.
    get("/readyz", on_worker(handle_readyz, kJson));

    // OpenID Connect (oidc_handlers.cc): discovery, userinfo, RP-initiated logout.
    get("/.well-known/openid-configuration", fixed([doc = openid_configuration(s.config).dump()] {
          Answer a;
          a.body = doc;
          a.cache_control = "public, max-age=300";
          return a;
        }));
    get("/userinfo", on_worker(handle_userinfo, kJson));
    post("/userinfo", on_worker(handle_userinfo, kJson));
    get("/logout", on_worker(handle_logout_get, kPage));
    post("/logout", on_worker(handle_logout_post, kPage));
    for (const char* path : {"/userinfo", "/logout"}) {
      refuse(path, {Put, Delete, Patch, Options, Head});
    }

    // A route for every method, so that a request with an unrouted method
    // never meets the router's lazy set-up (Pistache PR #1239). Unknown paths
    // share one series ("unmatched"): a scan must not make one per path.
    router.addNotFoundHandler(fixed([] {
      return json_answer(404, {{"error", "not_found"}});
    })(s.metrics->route("other", "unmatched")));
    for (const char* path : {"/authorize", "/jwks", "/account/apps"}) {
      refuse(path, {Put, Delete, Patch, Options, Head});
    }
    for (const char* path : {"/login", "/consent", "/token", "/par", "/revoke", "/introspect",
                             "/revocations", "/account/apps/revoke", "/account/apps/end-grant"}) {
      refuse(path, {Get, Put, Delete, Patch, Options, Head});
    }
    for (const char* path : {"/jwks", "/account/apps"}) refuse(path, {Post});
  }
};

Server::Server(Services& services) : impl_(std::make_unique<Impl>(services)) {}
Server::~Server() { shutdown(); }

Result<Ok> Server::start() {
  const auto& c = impl_->s.config;
  try {
    Address address(c.listen_host, Port(c.listen_port));
    impl_->endpoint = std::make_unique<Http::Endpoint>(address);
    auto options = Http::Endpoint::options()
                       .threads(c.http_threads)
                       .maxRequestSize(static_cast<size_t>(c.max_request_bytes))
                       .headerTimeout(std::chrono::seconds(c.header_timeout_seconds))
                       .bodyTimeout(std::chrono::seconds(c.body_timeout_seconds))
                       .keepaliveTimeout(std::chrono::seconds(75))
                       .flags(Tcp::Options::ReuseAddr);
    impl_->endpoint->init(options);
    impl_->routes();
    // The router's handler with the declared Content-Length bounded (bounded_handler.h).
    impl_->endpoint->setHandler(std::make_shared<BoundedRouterHandler>(impl_->router));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return fail("listen", "SIGNET_LISTEN: cannot listen on " + c.listen_host + ":" +
                              std::to_string(c.listen_port) + ": " + e.what());
  }
  return Ok{};
}

size_t Server::drain(std::chrono::milliseconds grace) {
  impl_->s.draining = true;
  return impl_->in_flight.wait_idle(grace);
}

void Server::shutdown() {
  if (impl_ && impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
    impl_->login_workers.drop_queued();  // none after a full drain
    impl_->login_workers.shutdown();
  }
}

}  // namespace signet::http
