#include "protocol/pushed_authorization_endpoint.h"

#include <utility>

#include "protocol/prompt.h"
#include "protocol/token/client_authentication.h"

namespace signet::protocol {

Result<PushedRequestUri, OAuthError> PushedAuthorizationEndpoint::handle(
    const TokenRequest& request) {
  auto client = clients_.authenticate(request);
  if (!client) return fail(std::move(client.error()));
  if (int64_t wait = rate_limit_.admit(client->client_id)) return fail(OAuthError::slow_down(wait));

  // RFC 9126 §2.1: request_uri is not allowed in a pushed request.
  if (find_param(request.form, "request_uri")) {
    return fail(OAuthError::invalid_request("A pushed request cannot contain a request_uri.",
                                            "request_uri in a pushed request"));
  }
  // What remains once the client's authentication is taken out is the
  // authorization request; its client_id is the authenticated client's.
  Params params;
  for (const auto& [name, value] : request.form) {
    if (name == "client_secret" || name == "client_assertion" || name == "client_assertion_type" ||
        is_internal_param(name)) {
      continue;
    }
    params.emplace(name, value);
  }
  params["client_id"] = client->client_id;

  // RFC 9449 §10.1: a proof at the push binds the code to its key; a dpop_jkt
  // sent with it must name the same key.
  auto jkt = dpop_.verify(request.dpop, "/par");
  if (!jkt) {
    if (jkt.error().is_would_block()) rate_limit_.refund(client->client_id);
    return fail(std::move(jkt.error()));
  }
  if (*jkt) {
    if (const std::string* named = find_param(params, "dpop_jkt"); named && *named != **jkt) {
      return fail(OAuthError::invalid_dpop_proof("dpop_jkt differs from the proof's key"));
    }
    params["dpop_jkt"] = **jkt;
  }

  auto validated = validate_authorize_request(params, authorize_, RequestSource::kPushed);
  if (!validated) {
    OAuthError error = std::move(validated.error().error);
    error.redirectable = false;  // answered to the client, never through a browser
    if (error.is_would_block()) rate_limit_.refund(client->client_id);
    return fail(std::move(error));
  }
  auto pushed = push_authorization_request(validated->client, std::move(params), authorize_.pushed,
                                           authorize_.clock, lifetime_);
  if (!pushed && pushed.error().is_would_block()) rate_limit_.refund(client->client_id);
  return pushed;
}

}  // namespace signet::protocol
