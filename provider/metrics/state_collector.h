// Series read at scrape time from the parts that already keep the numbers (the
// connection pool, the LISTEN connections, the key ring, the audit queue): each
// is a callback, so nothing on the request path updates a gauge.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace signet::metrics {

struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

class StateCollector final : public prometheus::Collectable {
 public:
  using Read = std::function<std::vector<Sample>()>;
  // Register every series before the listener starts serving them.
  void gauge(std::string name, std::string help, Read read);
  void counter(std::string name, std::string help, Read read);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Series {
    std::string name;
    std::string help;
    bool counter;
    Read read;
  };
  mutable std::mutex mu_;
  std::vector<Series> series_;
};

// process_resident_memory_bytes, process_open_fds, process_start_time_seconds
// (the names Prometheus' own client libraries use), from /proc/self.
void add_process_series(StateCollector& collector);

}  // namespace signet::metrics
