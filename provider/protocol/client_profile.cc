#include "protocol/client_profile.h"

namespace signet::protocol {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

void apply_fapi2_profile(Client& client) {
  client.token_endpoint_auth_method = "private_key_jwt";
  client.require_pushed_authorization_requests = true;
  client.dpop_bound_access_tokens = true;
}

std::string fapi2_violation(const Client& client) {
  if (client.is_public) {
    return "the fapi2 profile has no public clients: use private_key_jwt (FAPI 2.0 §5.3.2.1)";
  }
  if (!client.uses_private_key_jwt() || !client.secret_digest.empty()) {
    return "the fapi2 profile authenticates clients with private_key_jwt only, never a client "
           "secret (FAPI 2.0 §5.3.2.1 item 4)";
  }
  if (!client.require_pushed_authorization_requests) {
    return "the fapi2 profile requires pushed authorization requests (FAPI 2.0 §5.3.2.2 item 1)";
  }
  if (!client.dpop_bound_access_tokens) {
    return "the fapi2 profile requires sender-constrained (DPoP-bound) access tokens (FAPI 2.0 "
           "§5.3.2.1 item 3)";
  }
  for (const auto& uri : client.redirect_uris) {
    if (!starts_with(uri, "https://") && !is_loopback_ip_uri(uri)) {
      return "the fapi2 profile allows https redirect URIs only (http only on 127.0.0.1 or "
             "[::1]): " +
             uri;
    }
  }
  if (!client.jwks_uri.empty() && !starts_with(client.jwks_uri, "https://")) {
    return "the fapi2 profile fetches a client's keys over https only: " + client.jwks_uri;
  }
  return {};
}

}  // namespace signet::protocol
