// Prometheus series for what the HTTP layer reports (http/metrics.h) and for the
// audit trail's security events, in one registry that the admin listener
// serves (metrics/admin_listener.h). Names and labels: README, "Metrics and alerts".
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "http/metrics.h"
#include "protocol/audit.h"

namespace signet::metrics {

class RequestMetrics final : public http::Metrics {
 public:
  RequestMetrics();
  ~RequestMetrics() override;

  http::RouteMetrics& route(std::string_view method, std::string_view path) override;
  void token(std::string_view grant_type, std::string_view result) noexcept override;
  // One security event of the audit trail (CountingAuditSink below).
  void security_event(std::string_view event) noexcept;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  class Route;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Family<prometheus::Counter>& tokens_;
  prometheus::Family<prometheus::Counter>& security_events_;
  std::mutex mu_;  // guards routes_ (filled at start-up)
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Route>> routes_;
};

// Counts each audit event by name, then hands it on: "throttled",
// "refresh.reuse_detected", "login.failed" are refusals an operator watches.
class CountingAuditSink final : public protocol::AuditSink {
 public:
  CountingAuditSink(protocol::AuditSink& next, RequestMetrics& metrics)
      : next_(next), metrics_(metrics) {}
  void record(protocol::AuditEvent event) noexcept override;

 private:
  protocol::AuditSink& next_;
  RequestMetrics& metrics_;
};

}  // namespace signet::metrics
