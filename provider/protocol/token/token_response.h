// The successful answer of the token endpoint (RFC 6749 §5.1).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace signet::protocol {

struct TokenResponse {
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;
  std::string scope;
  std::string refresh_token;  // empty: none issued
  std::string id_token;       // OpenID Connect (scope openid); empty: none
  // RFC 9396 §7: the authorization details granted (null: none asked).
  nlohmann::json authorization_details;
  std::string grant_id;  // Grant Management §4.2; empty: none
  // For the audit trail, never sent: the token's client, its user (empty for
  // client_credentials) and the access token's jti.
  std::string client_id;
  std::string subject;
  std::string jti;
  nlohmann::json to_json() const;
};

}  // namespace signet::protocol
