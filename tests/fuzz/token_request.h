// How the token-endpoint targets read an input: the first line is the raw
// Authorization header (an empty first line: no header), the rest is the form body.
// The clients below are what the seeds authenticate as.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/form.h"
#include "memory_stores.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/token_request.h"

namespace signet::fuzz {

// Confidential "app" (secret "app-secret"), confidential resource server "rs"
// (secret "rs-secret"), public "spa".
inline void add_clients(protocol::testing::MemoryClientStore& clients) {
  protocol::Client app;
  app.client_id = "app";
  app.client_name = "App";
  app.secret_digest = sha256_b64url("app-secret");
  app.redirect_uris = {"https://app.example/cb"};
  app.scopes = {"openid", "read", "write"};
  app.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
  clients.add(app);
  protocol::Client rs = app;
  rs.client_id = "rs";
  rs.secret_digest = sha256_b64url("rs-secret");
  clients.add(rs);
  protocol::Client spa = app;
  spa.client_id = "spa";
  spa.is_public = true;
  spa.secret_digest.clear();
  clients.add(spa);
}

// nullopt when the body is not a valid form (the server answers 400 before any
// protocol code runs).
inline std::optional<protocol::TokenRequest> token_request_from(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string_view header = nl == std::string_view::npos ? in : in.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  auto form = parse_form(body);
  if (!form) return std::nullopt;
  protocol::TokenRequest request;
  request.form = std::move(*form);
  if (!header.empty()) request.authorization = std::string(header);
  return request;
}

}  // namespace signet::fuzz
