// The JSON body of a successful token response (RFC 6749 §5.1): members that
// are empty are left out.
#include "protocol/token/token_response.h"

namespace signet::protocol {

nlohmann::json TokenResponse::to_json() const {
  nlohmann::json out = {
      {"access_token", access_token},
      {"token_type", token_type},
      {"expires_in", expires_in},
  };
  if (!scope.empty()) out["scope"] = scope;
  if (!refresh_token.empty()) out["refresh_token"] = refresh_token;
  if (!id_token.empty()) out["id_token"] = id_token;
  if (authorization_details.is_array()) out["authorization_details"] = authorization_details;
  if (!grant_id.empty()) out["grant_id"] = grant_id;
  return out;
}

}  // namespace signet::protocol
