// POST /par (RFC 9126 §2): the pushed authorization request endpoint. The
// client authenticates as at /token, and the same per-address limit on failed
// authentications applies (http/throttling.h).
#include "http/handlers.h"
#include "http/throttling.h"

namespace signet::http {

Answer handle_par(Services& s, const Incoming& in) {
  using protocol::OAuthError;
  // RFC 9126 §2.1: the request is a form, as at the token endpoint.
  if (!in.is_form()) {
    return oauth_error_json(
        OAuthError::invalid_request("Content-Type must be application/x-www-form-urlencoded."));
  }
  auto form = parse_form(in.body);
  if (!form) return oauth_error_json(OAuthError::malformed_form(form.error()));
  protocol::TokenRequest request{std::move(*form), in.authorization, in.dpop};
  if (auto refused = refuse_token_address(s, in, request)) return *refused;
  auto pushed = s.par_endpoint.handle(request);
  if (!pushed) {
    after_token_error(s, in, request, pushed.error());
    Answer answer = oauth_error_json(pushed.error());
    if (in.dpop && answer.dpop_nonce.empty()) answer.dpop_nonce = s.par_endpoint.dpop_nonce();
    return answer;
  }
  s.audit->record({"authorization_request.pushed",
                   protocol::presented_client_id(request),
                   "",
                   in.request_id,
                   in.client_address,
                   {{"expires_in", pushed->expires_in}}});
  // RFC 9126 §2.2: 201 Created, never cached (json_answer sends no-store).
  Answer answer =
      json_answer(201, {{"request_uri", pushed->request_uri}, {"expires_in", pushed->expires_in}});
  if (in.dpop) answer.dpop_nonce = s.par_endpoint.dpop_nonce();  // RFC 9449 §8.2
  return answer;
}

}  // namespace signet::http
