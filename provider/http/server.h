// The HTTP server: Pistache routes on I/O threads that hand every blocking step
// to the worker pool. Pistache stays behind this file so it can be replaced.
#pragma once

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
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::http
