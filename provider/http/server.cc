#include "http/server.h"

#include <iostream>

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include "http/handlers.h"
#include "interaction/pages.h"

namespace signet::http {

using namespace Pistache;

struct Server::Impl {
  Services& s;
  Rest::Router router;
  std::unique_ptr<Http::Endpoint> endpoint;
  std::string metadata_json;

  explicit Impl(Services& services) : s(services) {}

  using Handler = Answer (*)(Services&, const Incoming&);

  // Copies the request on the I/O thread and answers from a worker; a full queue
  // answers 503 at once instead of stalling the connection's thread.
  Rest::Route::Handler on_worker(Handler handler, bool json_errors) {
    return
        [this, handler, json_errors](const Rest::Request& request, Http::ResponseWriter response) {
          auto writer = std::make_shared<Http::ResponseWriter>(std::move(response));
          auto in = std::make_shared<Incoming>(Incoming::from(request));
          bool queued = s.workers.submit([this, handler, json_errors, writer, in] {
            Answer a;
            try {
              a = handler(s, *in);
            } catch (const std::exception& e) {
              auto err = protocol::OAuthError::server_error(e.what());
              a = json_errors ? oauth_error_json(err) : error_page(err);
            }
            send(*writer, a);
          });
          if (!queued) {
            auto err = protocol::OAuthError::temporarily_unavailable("worker queue full");
            send(*writer, json_errors ? oauth_error_json(err) : error_page(err));
          }
          return Rest::Route::Result::Ok;
        };
  }

  Rest::Route::Handler fixed(std::function<Answer()> make) {
    return [make](const Rest::Request&, Http::ResponseWriter response) {
      send(response, make());
      return Rest::Route::Result::Ok;
    };
  }

  void routes() {
    Rest::Routes::Get(router, "/authorize", on_worker(handle_authorize, false));
    Rest::Routes::Post(router, "/login", on_worker(handle_login, false));
    Rest::Routes::Post(router, "/consent", on_worker(handle_consent, false));
    Rest::Routes::Post(router, "/token", on_worker(handle_token, true));

    metadata_json = authorization_server_metadata(s.config).dump();
    Rest::Routes::Get(router, "/.well-known/oauth-authorization-server", fixed([this] {
                        Answer a;
                        a.body = metadata_json;
                        a.cache_control = "public, max-age=300";
                        return a;
                      }));
    Rest::Routes::Get(router, "/jwks", fixed([this] {
                        Answer a;
                        a.body = s.keys.jwks().dump();
                        a.content_type = "application/jwk-set+json";
                        a.cache_control = "public, max-age=60";
                        return a;
                      }));
    Rest::Routes::Get(router, "/static/signet.css", fixed([] {
                        Answer a;
                        a.body = interaction::stylesheet();
                        a.content_type = "text/css; charset=utf-8";
                        a.cache_control = "public, max-age=3600";
                        return a;
                      }));
    Rest::Routes::Get(router, "/healthz", fixed([] {
                        return json_answer(200, {{"status", "ok"}});
                      }));

    // A route for every method, so that a request with an unrouted method
    // never meets the router's lazy set-up (Pistache PR #1239).
    router.addNotFoundHandler([](const Rest::Request&, Http::ResponseWriter response) {
      send(response, json_answer(404, {{"error", "not_found"}}));
      return Rest::Route::Result::Ok;
    });
    auto not_allowed = fixed([] { return json_answer(405, {{"error", "method_not_allowed"}}); });
    for (const char* path : {"/authorize", "/login", "/consent", "/token", "/jwks"}) {
      Rest::Routes::Put(router, path, not_allowed);
      Rest::Routes::Delete(router, path, not_allowed);
      Rest::Routes::Patch(router, path, not_allowed);
      Rest::Routes::Options(router, path, not_allowed);
      Rest::Routes::Head(router, path, not_allowed);
    }
    for (const char* path : {"/login", "/consent", "/token"}) {
      Rest::Routes::Get(router, path, not_allowed);
    }
    for (const char* path : {"/authorize", "/jwks"}) {
      Rest::Routes::Post(router, path, not_allowed);
    }
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
                       .headerTimeout(std::chrono::seconds(10))
                       .bodyTimeout(std::chrono::seconds(20))
                       .keepaliveTimeout(std::chrono::seconds(75))
                       .flags(Tcp::Options::ReuseAddr);
    impl_->endpoint->init(options);
    impl_->routes();
    impl_->endpoint->setHandler(impl_->router.handler());
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return fail("listen", "SIGNET_LISTEN: cannot listen on " + c.listen_host + ":" +
                              std::to_string(c.listen_port) + ": " + e.what());
  }
  return Ok{};
}

void Server::shutdown() {
  if (impl_ && impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

}  // namespace signet::http
