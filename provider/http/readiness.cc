// GET /readyz: whether this replica should get traffic. /healthz only says the
// process is alive; a load balancer or Kubernetes readinessProbe asks here.
#include "http/handlers.h"

namespace signet::http {

Answer handle_readyz(Services& s, const Incoming& /*in*/) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& check : s.readiness_checks) {
    std::string reason;
    try {
      reason = check();
    } catch (const std::exception&) {
      reason = "check_failed";
    }
    if (!reason.empty()) reasons.push_back(reason);
  }
  if (reasons.empty()) return json_answer(200, {{"status", "ready"}});
  return json_answer(503, {{"status", "not_ready"}, {"reasons", reasons}});
}

}  // namespace signet::http
