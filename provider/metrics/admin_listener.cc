#include "metrics/admin_listener.h"

#include <prometheus/exposer.h>

namespace signet::metrics {

AdminListener::AdminListener(std::unique_ptr<prometheus::Exposer> exposer,
                             std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : exposer_(std::move(exposer)), collectables_(std::move(collectables)) {}

AdminListener::~AdminListener() = default;

Result<std::unique_ptr<AdminListener>> AdminListener::start(
    const std::string& host, uint16_t port,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  // civetweb takes "host:port", with an IPv6 host in brackets.
  const std::string address =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  try {
    // Two threads: a scrape is short, and a slow scraper must not hold the others.
    auto exposer = std::make_unique<prometheus::Exposer>(address, 2);
    for (const auto& c : collectables) exposer->RegisterCollectable(c);
    return std::unique_ptr<AdminListener>(new AdminListener(std::move(exposer), collectables));
  } catch (const std::exception& e) {
    return fail("listen", "SIGNET_METRICS_LISTEN: cannot listen on " + address + ": " + e.what());
  }
}

}  // namespace signet::metrics
