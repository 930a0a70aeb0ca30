// Shared fixtures for the protocol tests: registered clients and PKCE pairs.
#pragma once

#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/form.h"
#include "protocol/model.h"

namespace signet::protocol::testing {

inline constexpr const char* kIssuer = "https://signet.example";
inline constexpr const char* kAudience = "bank-api";
inline constexpr const char* kRedirect = "https://finance.example/callback";
// RFC 7636 Appendix B.
inline constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
inline constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

// A confidential web app using the code flow.
inline Client finance_app(const std::string& secret = "finance-secret") {
  Client c;
  c.client_id = "finance-app";
  c.client_name = "Finance App";
  c.secret_digest = sha256_b64url(secret);
  c.redirect_uris = {kRedirect, "https://finance.example/other"};
  c.scopes = {"read:accounts", "read:transactions"};
  c.grant_types = {"authorization_code"};
  return c;
}

// A public client (native or SPA): no secret, PKCE only.
inline Client mobile_app() {
  Client c;
  c.client_id = "mobile-app";
  c.client_name = "Mobile App";
  c.is_public = true;
  c.redirect_uris = {"com.example.mobile:/callback"};
  c.scopes = {"read:accounts"};
  c.grant_types = {"authorization_code"};
  return c;
}

// A confidential service acting for itself.
inline Client reporting_service(const std::string& secret = "reporting-secret") {
  Client c;
  c.client_id = "reporting";
  c.client_name = "Reporting";
  c.secret_digest = sha256_b64url(secret);
  c.scopes = {"read:accounts", "read:transactions"};
  c.grant_types = {"client_credentials"};
  return c;
}

// A valid authorization request for finance_app.
inline Params authorize_query() {
  return Params{
      {"response_type", "code"},
      {"client_id", "finance-app"},
      {"redirect_uri", kRedirect},
      {"scope", "read:accounts read:transactions"},
      {"state", "xyz-state"},
      {"code_challenge", kChallenge},
      {"code_challenge_method", "S256"},
      {"nonce", "n-0S6"},
  };
}

}  // namespace signet::protocol::testing
