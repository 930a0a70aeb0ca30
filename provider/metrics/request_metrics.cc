#include "metrics/request_metrics.h"

#include <string>

namespace signet::metrics {
namespace {

// Signet answers most requests in well under a millisecond and a sign-in in
// tens of milliseconds (Argon2id): buckets from 0.25 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

}  // namespace

// A route's series, one per status, made on first use and then found without
// a lock (the family's own lookup takes a mutex and hashes the labels).
class RequestMetrics::Route final : public http::RouteMetrics {
 public:
  Route(RequestMetrics& owner, std::string method, std::string path)
      : owner_(owner), method_(std::move(method)), path_(std::move(path)) {}

  void answered(int status, std::string_view error, double seconds) noexcept override {
    try {
      histogram(status).Observe(seconds);
      // A refusal: a 4xx answer that names its reason (an OAuth error code).
      if (status >= 400 && status < 500 && !error.empty()) {
        owner_.refusals_.Add({{"route", path_}, {"reason", std::string(error)}}).Increment();
      }
    } catch (...) {
      // Monitoring never fails a request.
    }
  }

 private:
  prometheus::Histogram& histogram(int status) {
    const bool cached = status >= 100 && status < 600;
    if (cached) {
      if (auto* h = by_status_[static_cast<size_t>(status - 100)].load(std::memory_order_acquire)) {
        return *h;
      }
    }
    auto& h = owner_.durations_.Add(
        {{"method", method_}, {"route", path_}, {"status", std::to_string(status)}},
        latency_buckets());
    if (cached) by_status_[static_cast<size_t>(status - 100)].store(&h, std::memory_order_release);
    return h;
  }

  RequestMetrics& owner_;
  const std::string method_;
  const std::string path_;
  std::array<std::atomic<prometheus::Histogram*>, 500> by_status_ = {};
};

RequestMetrics::RequestMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      durations_(prometheus::BuildHistogram()
                     .Name("signet_http_request_duration_seconds")
                     .Help("Time from taking a request to handing its answer to the socket, by "
                           "route template, method and status (_count: requests answered)")
                     .Register(*registry_)),
      refusals_(prometheus::BuildCounter()
                    .Name("signet_refusals_total")
                    .Help("4xx answers by route and OAuth error code (invalid_client, "
                          "invalid_grant, slow_down, ...)")
                    .Register(*registry_)),
      tokens_(prometheus::BuildCounter()
                  .Name("signet_token_requests_total")
                  .Help("Token endpoint answers by grant type and result (issued, or the "
                        "OAuth error code)")
                  .Register(*registry_)),
      security_events_(prometheus::BuildCounter()
                           .Name("signet_security_events_total")
                           .Help("Audit trail events by name (throttled, "
                                 "refresh.reuse_detected, login.failed, token.issued, ...)")
                           .Register(*registry_)) {}

RequestMetrics::~RequestMetrics() = default;

http::RouteMetrics& RequestMetrics::route(std::string_view method, std::string_view path) {
  std::lock_guard lock(mu_);
  auto& r = routes_[{std::string(method), std::string(path)}];
  if (!r) r = std::make_unique<Route>(*this, std::string(method), std::string(path));
  return *r;
}

void RequestMetrics::token(std::string_view grant_type, std::string_view result) noexcept {
  try {
    tokens_.Add({{"grant_type", std::string(grant_type)}, {"result", std::string(result)}})
        .Increment();
  } catch (...) {
  }
}

void RequestMetrics::security_event(std::string_view event) noexcept {
  try {
    security_events_.Add({{"event", std::string(event)}}).Increment();
  } catch (...) {
  }
}

void CountingAuditSink::record(protocol::AuditEvent event) noexcept {
  metrics_.security_event(event.event);
  next_.record(std::move(event));
}

}  // namespace signet::metrics
