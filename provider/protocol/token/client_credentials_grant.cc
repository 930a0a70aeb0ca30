// The client_credentials grant (RFC 6749 §4.4) in the order of its checks.
#include "protocol/token/client_credentials_grant.h"

#include <string>
#include <utility>
#include <vector>

#include "protocol/authorize.h"
#include "protocol/resource_indicator.h"

namespace signet::protocol {

Result<TokenResponse, OAuthError> ClientCredentialsGrant::handle(const Client& client,
                                                                 const TokenRequest& request) {
  const Params& form = request.form;

  std::vector<std::string> scopes;
  const std::string* scope = find_param(form, "scope");
  if (scope) {
    auto parsed = parse_scope(*scope);
    if (!parsed) return fail(std::move(parsed.error()));
    scopes = std::move(*parsed);
  }
  // RFC 8707: a machine client names the resource it calls; the token is for it.
  const std::string* resource_param = find_param(form, "resource");
  const std::string resource = resource_param ? *resource_param : std::string{};
  if (resource_param && resource.empty()) {
    return fail(invalid_target("The resource parameter is empty."));
  }
  if (scopes.empty()) {
    // RFC 6749 §3.3: a pre-defined default (the client's scopes the resource owns)
    auto defaults = access_tokens_.default_scopes(resource, client.scopes);
    if (!defaults) return fail(std::move(defaults.error()));
    scopes = std::move(*defaults);
  } else {
    for (const auto& s : scopes) {
      if (!client.allows_scope(s)) {
        return fail(OAuthError::invalid_scope("The requested scope is not allowed for this client.",
                                              "client " + client.client_id + " asked for " + s));
      }
    }
  }

  auto audience = access_tokens_.audience_for(resource, scopes);
  if (!audience) return fail(std::move(audience.error()));

  const int64_t now = clock_.now();
  // RFC 6749 §4.4: the client acts on its own behalf, so it is the subject.
  auto issued =
      access_tokens_.issue(client, *audience, client.client_id, scopes, now, request.dpop_jkt);
  if (!issued) return fail(std::move(issued.error()));

  TokenResponse response;
  response.access_token = std::move(issued->token);
  response.token_type = issued->dpop_bound ? "DPoP" : "Bearer";  // RFC 9449 §5
  response.expires_in = issued->expires_at - now;
  response.scope = join_scope(scopes);
  response.client_id = client.client_id;
  response.jti = issued->jti;
  return response;
}

}  // namespace signet::protocol
