// The token endpoint's checks before any grant runs, in their order.
#include "protocol/token/token_endpoint.h"

#include <optional>
#include <string>
#include <utility>

#include "protocol/token/client_authentication.h"

namespace signet::protocol {

GrantHandler* TokenEndpoint::find(std::string_view grant_type) const {
  for (GrantHandler& grant : grants_) {
    if (grant.grant_type() == grant_type) return &grant;
  }
  return nullptr;
}

Result<TokenResponse, OAuthError> TokenEndpoint::handle(const TokenRequest& request) {
  const std::string* grant_type = find_param(request.form, "grant_type");
  if (!grant_type || grant_type->empty()) {
    return fail(OAuthError::invalid_request("The grant_type parameter is missing."));
  }
  // unsupported_grant_type (RFC 6749 §5.2) is answered before the client is
  // looked up: a grant this server lacks costs no database read.
  GrantHandler* grant = find(*grant_type);
  if (!grant) {
    return fail(OAuthError::unsupported_grant_type("The grant_type is not supported.",
                                                   "grant_type " + *grant_type));
  }

  auto client = clients_.authenticate(request);
  if (!client) return fail(std::move(client.error()));
  if (rate_limit_) {
    if (int64_t wait = rate_limit_->admit(client->client_id)) {
      return fail(OAuthError::slow_down(wait));  // audited by http/, not logged: floods stay cheap
    }
  }
  if (!grant->allows(*client)) {
    return fail(OAuthError::unauthorized_client(
        "The client may not use the " + *grant_type + " grant.",
        "client " + client->client_id + " may not use the " + *grant_type + " grant"));
  }

  // RFC 9449 §5: a proof binds what is issued now to its key; a client
  // registered for DPoP-bound tokens gets no other kind (§5.2).
  auto jkt = dpop_.verify(request.dpop, "/token");
  if (!jkt) {
    if (rate_limit_ && jkt.error().is_would_block()) rate_limit_->refund(client->client_id);
    return fail(std::move(jkt.error()));
  }
  if (!*jkt && client->dpop_bound_access_tokens) {
    return fail(OAuthError::invalid_dpop_proof("client " + client->client_id +
                                               " requires DPoP-bound tokens; no proof"));
  }
  std::optional<TokenRequest> bound;
  if (*jkt) {
    bound.emplace(request);
    bound->dpop_jkt = std::move(**jkt);
  }
  auto result = grant->handle(*client, bound ? *bound : request);
  // Retried on a worker (common/blocking.h): that attempt is the one that counts.
  if (rate_limit_ && !result && result.error().is_would_block()) {
    rate_limit_->refund(client->client_id);
  }
  return result;
}

}  // namespace signet::protocol
