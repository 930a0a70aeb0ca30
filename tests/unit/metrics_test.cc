// The Prometheus series behind http/metrics.h: a route's series are found again
// (also from many threads at once), refusals are 4xx answers with a reason,
// audit events are counted and handed on, and a state read that fails leaves
// only its own series out of a scrape.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/request_metrics.h"
#include "metrics/state_collector.h"

namespace signet::metrics {
namespace {

using prometheus::MetricFamily;

const MetricFamily* family(const std::vector<MetricFamily>& all, const std::string& name) {
  for (const auto& f : all) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string label(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label) {
    if (l.name == name) return l.value;
  }
  return "";
}

TEST(RequestMetricsTest, ARouteIsOneSeriesPerStatusAndCountsEveryAnswerFromManyThreads) {
  RequestMetrics metrics;
  http::RouteMetrics& token = metrics.route("POST", "/token");
  EXPECT_EQ(&token, &metrics.route("POST", "/token"));
  EXPECT_NE(&token, &metrics.route("GET", "/token"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&token, t] {
      for (int i = 0; i < 1000; ++i) token.answered(i % 2 ? 200 : 400 + t, "", 0.001);
    });
  }
  for (auto& t : threads) t.join();
  const auto all = metrics.registry()->Collect();
  const auto* d = family(all, "signet_http_request_duration_seconds");
  ASSERT_NE(d, nullptr);
  uint64_t total = 0, ok = 0;
  for (const auto& m : d->metric) {
    EXPECT_EQ(label(m, "route"), "/token");
    total += m.histogram.sample_count;
    if (label(m, "status") == "200" && label(m, "method") == "POST") ok = m.histogram.sample_count;
  }
  EXPECT_EQ(total, 4000u);
  EXPECT_EQ(ok, 2000u);
  EXPECT_EQ(d->metric.size(), 5u);  // 200 and 400..403
}

TEST(RequestMetricsTest, RefusalsAreFourHundredsThatNameAReason) {
  RequestMetrics metrics;
  auto& r = metrics.route("POST", "/token");
  r.answered(401, "invalid_client", 0.001);
  r.answered(401, "invalid_client", 0.001);
  r.answered(503, "temporarily_unavailable", 0.001);  // a failure, not a refusal
  r.answered(404, "", 0.001);                         // no reason named
  r.answered(200, "", 0.001);
  const auto all = metrics.registry()->Collect();
  const auto* refusals = family(all, "signet_refusals_total");
  ASSERT_NE(refusals, nullptr);
  ASSERT_EQ(refusals->metric.size(), 1u);
  EXPECT_EQ(label(refusals->metric[0], "reason"), "invalid_client");
  EXPECT_EQ(refusals->metric[0].counter.value, 2);
}

class Recording final : public protocol::AuditSink {
 public:
  void record(protocol::AuditEvent e) noexcept override { events.push_back(std::move(e)); }
  std::vector<protocol::AuditEvent> events;
};

TEST(RequestMetricsTest, AuditEventsAreCountedByNameAndHandedOn) {
  RequestMetrics metrics;
  Recording trail;
  CountingAuditSink sink(trail, metrics);
  sink.record({"refresh.reuse_detected", "client", "subject", "rid", "10.0.0.1", {}});
  sink.record({"throttled", "", "", "rid2", "10.0.0.2", {{"limit", "address"}}});
  sink.record({"throttled", "", "", "rid3", "10.0.0.2", {{"limit", "address"}}});
  ASSERT_EQ(trail.events.size(), 3u);
  EXPECT_EQ(trail.events[0].client_id, "client");
  const auto all = metrics.registry()->Collect();
  const auto* events = family(all, "signet_security_events_total");
  ASSERT_NE(events, nullptr);
  std::map<std::string, double> by_event;
  for (const auto& m : events->metric) by_event[label(m, "event")] = m.counter.value;
  EXPECT_EQ(by_event["refresh.reuse_detected"], 1);
  EXPECT_EQ(by_event["throttled"], 2);
}

TEST(StateCollectorTest, EachSeriesIsReadAtCollectAndAFailingReadLeavesOnlyItselfOut) {
  StateCollector c;
  int reads = 0;
  c.gauge("depth", "queue depth", [&reads] {
    ++reads;
    return std::vector<Sample>{{{{"queue", "audit"}}, 7}};
  });
  c.counter("broken_total", "cannot answer",
            []() -> std::vector<Sample> { throw std::runtime_error("the part is gone"); });
  c.counter("errors_total", "errors", [] { return std::vector<Sample>{{{}, 3}}; });
  auto all = c.Collect();
  EXPECT_EQ(reads, 1);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "depth");
  EXPECT_EQ(all[0].type, prometheus::MetricType::Gauge);
  EXPECT_EQ(all[0].metric.at(0).gauge.value, 7);
  EXPECT_EQ(label(all[0].metric.at(0), "queue"), "audit");
  EXPECT_EQ(all[1].name, "errors_total");
  EXPECT_EQ(all[1].type, prometheus::MetricType::Counter);
  EXPECT_EQ(all[1].metric.at(0).counter.value, 3);
  c.Collect();
  EXPECT_EQ(reads, 2);
}

}  // namespace
}  // namespace signet::metrics
