// What the HTTP layer reports for monitoring (README, "Metrics and alerts"). app/ wires an
// implementation (metrics/, Prometheus) or none; the HTTP layer never knows
// which. Every label value passed here comes from a small fixed set (route
// templates, grant types, OAuth error codes), never from a request's bytes,
// so a client cannot grow the number of series.
#pragma once

#include <string_view>

namespace signet::http {

// One route's requests: their answers' status and how long they took.
class RouteMetrics {
 public:
  virtual ~RouteMetrics() = default;
  // `error`: the OAuth error code of an error answer ("" otherwise).
  virtual void answered(int status, std::string_view error, double seconds) noexcept = 0;
};

class Metrics {
 public:
  virtual ~Metrics() = default;
  // Made once per route when the routes are set up; lives as long as this.
  virtual RouteMetrics& route(std::string_view method, std::string_view path) = 0;
  // A /token answer: the grant type ("other" when unknown) and "issued" or the
  // OAuth error code.
  virtual void token(std::string_view grant_type, std::string_view result) noexcept = 0;
};

class NoMetrics final : public Metrics, private RouteMetrics {
 public:
  RouteMetrics& route(std::string_view, std::string_view) override { return *this; }
  void token(std::string_view, std::string_view) noexcept override {}

 private:
  void answered(int, std::string_view, double) noexcept override {}
};

}  // namespace signet::http
