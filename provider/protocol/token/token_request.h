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
  std::optional<std::string> dpop = {};      // the DPoP proof header, if any (RFC 9449 §4.1)
  // The key a verified DPoP proof binds (its RFC 7638 thumbprint), "" = none: set by
  // the endpoint once the proof is checked, read by the grants.
  std::string dpop_jkt = {};
  // Security events of this request (refresh-token reuse), for the caller's
  // audit trail with its request id; in addition to the grant's own sink.
  SecurityEventSink security_events = {};
};

}  // namespace signet::protocol
