#include <optional>

#include "common/blocking.h"
#include "http/handlers.h"
#include "http/throttling.h"
#include "protocol/resource_indicator.h"
#include "protocol/token/token_endpoint.h"

namespace signet::http {

namespace {

// nullopt when the request needs to wait (only possible in a NonBlockingScope).
// Sets `grant` to the request's grant_type once the form is read.
std::optional<Answer> answer_token(Services& s, const Incoming& in, std::string& grant_out) {
  using protocol::OAuthError;
  // RFC 6749 §3.2: parameters are sent as application/x-www-form-urlencoded.
  if (!in.is_form()) {
    return oauth_error_json(
        OAuthError::invalid_request("Content-Type must be application/x-www-form-urlencoded."));
  }
  auto form = parse_form(in.body);
  // RFC 8707 §2: Signet takes one resource per request; more is invalid_target.
  if (!form && form.error().fault == FormFault::kRepeated && form.error().name == "resource") {
    return oauth_error_json(protocol::invalid_target("Only one resource may be requested."));
  }
  if (!form) return oauth_error_json(OAuthError::malformed_form(form.error()));
  const std::string* grant_type = find_param(*form, "grant_type");
  const std::string grant = grant_type ? *grant_type : std::string();
  grant_out = grant;
  protocol::TokenRequest request{std::move(*form), in.authorization, in.dpop};
  if (auto refused = refuse_token_address(s, in, request)) return refused;
  request.security_events = [&s, &in](const nlohmann::json& e) {
    s.audit->record({"refresh.reuse_detected",
                     e.value("client_id", ""),
                     e.value("subject", ""),
                     in.request_id,
                     in.client_address,
                     {{"presented_by", e.value("presented_by", "")},
                      {"family_id", e.value("family_id", "")},
                      {"action", e.value("action", "")}}});
  };
  auto result = s.token_endpoint.handle(request);
  if (!result && result.error().is_would_block()) return std::nullopt;
  if (!result) {
    after_token_error(s, in, request, result.error());
    Answer answer = oauth_error_json(result.error());
    if (in.dpop && answer.dpop_nonce.empty()) answer.dpop_nonce = s.token_endpoint.dpop_nonce();
    return answer;
  }
  // Cheap on the I/O thread too: a log line and a short queue push.
  s.audit->record({"token.issued",
                   result->client_id,
                   result->subject,
                   in.request_id,
                   in.client_address,
                   {{"grant_type", grant},
                    {"scope", result->scope},
                    {"jti", result->jti},
                    {"refresh_token_issued", !result->refresh_token.empty()},
                    {"id_token_issued", !result->id_token.empty()}}});
  Answer answer = json_answer(200, result->to_json());
  if (in.dpop) answer.dpop_nonce = s.token_endpoint.dpop_nonce();  // RFC 9449 §8.2
  return answer;
}

// Counts an answered token request by grant type and result (http/metrics.h).
std::optional<Answer> counted(Services& s, const std::string& grant, std::optional<Answer> a) {
  if (!a) return a;  // answered later, on a worker, and counted there
  // Only the grants Signet knows name a series: grant_type is the client's text.
  const bool known =
      grant == "authorization_code" || grant == "refresh_token" || grant == "client_credentials";
  const std::string_view result = a->error.empty() ? std::string_view("issued") : a->error;
  s.metrics->token(known ? grant : "other", result);
  return a;
}

}  // namespace

Answer handle_token(Services& s, const Incoming& in) {
  std::string grant;
  if (auto a = counted(s, grant, answer_token(s, in, grant))) return *a;
  return oauth_error_json(protocol::OAuthError::temporarily_unavailable("token request blocked"));
}

std::optional<Answer> try_token_without_waiting(Services& s, const Incoming& in) {
  if (in.waits_to_authenticate()) return std::nullopt;  // verified once, on a worker
  NonBlockingScope no_waiting;
  std::string grant;
  auto a = answer_token(s, in, grant);
  return counted(s, grant, std::move(a));
}

}  // namespace signet::http
