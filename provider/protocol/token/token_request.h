// A request to the token endpoint (RFC 6749 §3.2), as http/ hands it over:
// the decoded form and the raw Authorization header.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/form.h"

namespace signet::protocol {

// Receives security events (one JSON object each, never a token value).
using SecurityEventSink = std::function<void(const nlohmann::json&)>;

struct TokenRequest {
  Params form;                               // the decoded body
  std::optional<std::string> authorization;  // the raw Authorization header, if any
  // Security events of this request (refresh-token reuse), for the caller's
  // audit trail with its request id; in addition to the grant's own sink.
  SecurityEventSink security_events = {};
};

}  // namespace signet::protocol
