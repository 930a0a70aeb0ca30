// The parts of an HTTP request the handlers use, copied off Pistache's request on
// the I/O thread so the work can move to a worker thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/address_range.h"

// Only the adapter's .cc files include Pistache; handlers see plain structs.
namespace Pistache::Http {
class Request;
}

namespace signet::http {

struct Incoming {
  std::string path;
  std::string query;  // raw, without '?', not yet decoded
  std::string body;
  std::optional<std::string> authorization;
  std::optional<std::string> dpop;          // the DPoP proof header (RFC 9449 §4.1)
  std::optional<std::string> content_type;  // "type/subtype", lower case, parameters dropped
  std::map<std::string, std::string> cookies;
  std::string client_address;  // the peer, or the client behind trusted proxies
  // X-Request-Id from the caller when well formed, else a fresh one; echoed in
  // the answer and carried into every log line and audit event.
  std::string request_id;

  // Takes the plain HTTP request (a Rest::Request is one) so that tests/fuzz can
  // feed it straight from Pistache's parser. X-Forwarded-For counts only when the
  // connection comes from one of `trusted_proxies` (http/forwarded_for.h).
  static Incoming from(const Pistache::Http::Request& request,
                       const AddressRanges& trusted_proxies = {});
  const std::string* cookie(const std::string& name) const;
  bool is_form() const { return content_type == "application/x-www-form-urlencoded"; }
  // A DPoP proof or a client assertion (RFC 7523) ends at its jti store, a write
  // that waits: such a request is not worth a first try on the I/O thread, which
  // would verify its signature and then start again on a worker.
  bool waits_to_authenticate() const {
    return dpop || body.find("client_assertion=") != std::string::npos;
  }
};

// The request id for a request's X-Request-Id header (absent, or not plain).
std::string request_id_from(const std::optional<std::string>& header);

}  // namespace signet::http
