// The parts of an HTTP request the handlers use, copied off Pistache's request on
// the I/O thread so the work can move to a worker thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <pistache/router.h>

namespace signet::http {

struct Incoming {
  std::string path;
  std::string query;  // raw, without '?', not yet decoded
  std::string body;
  std::optional<std::string> authorization;
  std::optional<std::string> content_type;  // "type/subtype", lower case, parameters dropped
  std::map<std::string, std::string> cookies;
  std::string client_address;

  static Incoming from(const Pistache::Rest::Request& request);
  const std::string* cookie(const std::string& name) const;
  bool is_form() const { return content_type == "application/x-www-form-urlencoded"; }
};

}  // namespace signet::http
