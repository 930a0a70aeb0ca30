// The admin listener: GET /metrics in the Prometheus text format on its own
// address (SIGNET_METRICS_LISTEN), apart from the public listener, so that the
// numbers are reachable only where the network lets monitoring in (a
// NetworkPolicy, a firewall) and never through the public proxy.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "common/result.h"

namespace prometheus {
class Exposer;
}

namespace signet::metrics {

class AdminListener {
 public:
  // Binds host:port and serves every collectable at /metrics; fails with one
  // line naming SIGNET_METRICS_LISTEN.
  static Result<std::unique_ptr<AdminListener>> start(
      const std::string& host, uint16_t port,
      const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables);
  ~AdminListener();

 private:
  explicit AdminListener(std::unique_ptr<prometheus::Exposer> exposer,
                         std::vector<std::shared_ptr<prometheus::Collectable>> collectables);
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;  // kept alive
};

}  // namespace signet::metrics
