// Security events for the audit trail: written to PostgreSQL and as JSON log
// lines by the sink that app/ wires in. An event never carries a secret, a
// password, a code or a token value (RFC 6819 §5.1.4.1.x: logs are a leak path).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace signet::protocol {

struct AuditEvent {
  // Dotted names, stable for queries: "login.succeeded", "login.failed",
  // "throttled", "consent.granted", "consent.revoked", "grant.revoked",
  // "authorization_request.pushed", "token.issued", "refresh.reuse_detected",
  // "client.changed", "key.changed".
  std::string event;
  std::string client_id;
  std::string subject;
  std::string request_id;
  std::string client_address;
  nlohmann::json detail = nlohmann::json::object();  // identifiers and reasons only
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Never throws and never blocks on the database: a request must not fail
  // or wait because the trail is slow.
  virtual void record(AuditEvent event) noexcept = 0;
};

// For tests and tools that have no trail.
class NoAudit final : public AuditSink {
 public:
  void record(AuditEvent) noexcept override {}
};

}  // namespace signet::protocol
