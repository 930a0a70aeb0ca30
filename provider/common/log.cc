#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace signet {
namespace {

thread_local const std::string* t_request_id = nullptr;

void write_all(const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log: drop the line rather than fail the caller
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

int64_t unix_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339_utc(int64_t unix_millis) {
  std::time_t seconds = static_cast<std::time_t>(unix_millis / 1000);
  int millis = static_cast<int>(unix_millis % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", millis);
  return buf;
}

void log_json_line(nlohmann::json line) noexcept {
  try {
    if (!line.is_object()) line = nlohmann::json{{"message", line}};
    if (!line.contains("time")) line["time"] = rfc3339_utc(unix_millis_now());
    if (t_request_id && !t_request_id->empty() && !line.contains("request_id")) {
      line["request_id"] = *t_request_id;
    }
    // Invalid UTF-8 (e.g. from an exception text) is replaced, never thrown on.
    write_all(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } catch (...) {
  }
}

RequestLogScope::RequestLogScope(const std::string& request_id) : previous_(t_request_id) {
  t_request_id = &request_id;
}

RequestLogScope::~RequestLogScope() { t_request_id = previous_; }

const std::string& current_request_id() {
  static const std::string kNone;
  return t_request_id ? *t_request_id : kNone;
}

}  // namespace signet
