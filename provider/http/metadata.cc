#include "http/handlers.h"
#include "protocol/authorization_details.h"

namespace signet::http {

// RFC 8414 §2: only what the server really supports.
nlohmann::json authorization_server_metadata(const config::Config& c) {
  return {
      {"issuer", c.issuer},
      {"authorization_endpoint", c.issuer + "/authorize"},
      {"token_endpoint", c.issuer + "/token"},
      {"pushed_authorization_request_endpoint", c.issuer + "/par"},  // RFC 9126 §5
      {"require_pushed_authorization_requests", c.require_pushed_authorization_requests},
      {"jwks_uri", c.issuer + "/jwks"},
      {"revocation_endpoint", c.issuer + "/revoke"},
      {"introspection_endpoint", c.issuer + "/introspect"},
      // Signet's revocation feed for resource servers (README "Revocation feed").
      {"signet_revocation_feed_endpoint", c.issuer + "/revocations"},
      {"revocation_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
      {"introspection_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code", "client_credentials", "refresh_token"}},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
      // RFC 7523 client assertions: FAPI 2.0 Security Profile §5.4.1's algorithms.
      {"token_endpoint_auth_signing_alg_values_supported", {"ES256", "PS256", "EdDSA"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"authorization_response_iss_parameter_supported", true},
      {"access_token_signing_alg_values_supported", {c.signing_alg}},
      // RFC 9449 §5.1: DPoP at /token and /par.
      {"dpop_signing_alg_values_supported", {"ES256", "PS256", "EdDSA"}},
      // RFC 9396 §10: the types of schemas/authorization-details/.
      {"authorization_details_types_supported",
       protocol::AuthorizationDetailsTypes::builtin().names()},
      // FAPI Grant Management §5.1.
      {"grant_management_endpoint", c.issuer + "/grants"},
      {"grant_management_actions_supported", {"create", "update", "replace"}},
      {"grant_management_action_required", false},
  };
}

}  // namespace signet::http
