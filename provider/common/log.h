// Structured logs: one JSON object per line on stderr, with "time" (RFC 3339,
// UTC) and, on a thread that is answering a request, its "request_id". A line
// never carries a secret, password, code, token, cookie or Authorization value.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace signet {

// RFC 3339 UTC with milliseconds, e.g. "2026-11-29T11:34:56.789Z".
std::string rfc3339_utc(int64_t unix_millis);
int64_t unix_millis_now();

// Adds "time" (unless present) and "request_id" (unless present, when a
// RequestLogScope is active on this thread), then writes the line to stderr in
// one write(2) so that lines of concurrent threads never interleave. Never throws.
void log_json_line(nlohmann::json line) noexcept;

// The request a thread is working on, for log lines written deep in the call
// (error detail, store failures) that do not know it.
class RequestLogScope {
 public:
  explicit RequestLogScope(const std::string& request_id);
  ~RequestLogScope();
  RequestLogScope(const RequestLogScope&) = delete;
  RequestLogScope& operator=(const RequestLogScope&) = delete;

 private:
  const std::string* previous_;
};

// The request id of this thread's RequestLogScope, "" when none.
const std::string& current_request_id();

}  // namespace signet
