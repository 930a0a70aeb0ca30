// The HTTP server: Pistache routes on I/O threads that hand every blocking step
// to the worker pool. Pistache stays inside the adapter's edge (server.cc,
// incoming.cc, wire.cc, bounded_handler.h) so it can be replaced: handlers
// take an Incoming and return an Answer, both plain structs.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/services.h"

namespace signet::http {

class Server {
 public:
  explicit Server(Services& services);
  ~Server();
  // Binds and starts serving on background threads; fails with one line.
  Result<Ok> start();
  // Graceful stop (SIGTERM): marks the server draining (Services::draining) and
  // waits until every request taken so far has been answered, or `grace` has
  // passed; keeps serving meanwhile. Returns how many were left unanswered.
  size_t drain(std::chrono::milliseconds grace);
  // Closes the endpoint and every connection, and stops the login pool.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::http
