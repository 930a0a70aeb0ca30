#include "http/throttling.h"

#include <iostream>

#include <nlohmann/json.hpp>

namespace signet::http {
namespace {

void audit_throttled(Services& s, const Incoming& in, std::string client_id, std::string subject,
                     const char* limit) {
  s.audit->record({"throttled",
                   std::move(client_id),
                   std::move(subject),
                   in.request_id,
                   in.client_address,
                   {{"limit", limit}}});
}

}  // namespace

std::string too_many_attempts(int64_t wait_seconds) {
  const int64_t minutes = (wait_seconds + 59) / 60;
  return "Too many sign-in attempts. Try again in " + std::to_string(minutes) +
         (minutes == 1 ? " minute." : " minutes.");
}

std::optional<Answer> refuse_token_address(Services& s, const Incoming& in,
                                           const protocol::TokenRequest& request) {
  auto* limit = s.throttles.client_auth_failures;
  if (!limit || !limit->enabled()) return std::nullopt;
  const int64_t wait = limit->wait(in.client_address);
  if (wait == 0) return std::nullopt;
  audit_throttled(s, in, protocol::presented_client_id(request), "", "address");
  return oauth_error_json(protocol::OAuthError::slow_down(wait));
}

void after_token_error(Services& s, const Incoming& in, const protocol::TokenRequest& request,
                       const protocol::OAuthError& error) {
  if (error.code == "invalid_client") {
    if (auto* limit = s.throttles.client_auth_failures) limit->record_failure(in.client_address);
  } else if (error.status == 429) {
    audit_throttled(s, in, protocol::presented_client_id(request), "", "client");
  }
}

}  // namespace signet::http
