// How the token-endpoint targets read an input: the first line is the raw
// Authorization header (an empty first line: no header), the rest is the form body.
// The clients below are what the seeds authenticate as. A client_assertion of the
// form "<header JSON>\n<claims JSON>" (percent-encoded in the body) is encoded and
// signed by the harness with the fixed key of the header's alg, so that mutations
// reach the claim checks behind the signature (RFC 7523 §3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "common/crypto.h"
#include "common/form.h"
#include "fuzz_fixture.h"
#include "memory_stores.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/token_request.h"

namespace signet::fuzz {

// The private_key_jwt client "partner" signs its assertions with these (its jwks).
inline const jose::PrivateKey& assertion_signer_for(std::string_view header_text) {
  auto header = nlohmann::json::parse(header_text, nullptr, false);
  if (header.is_object() && header.value("alg", nlohmann::json()) == "PS256") return ps256_key();
  return eddsa_key();
}

// Confidential "app" (secret "app-secret"), confidential resource server "rs"
// (secret "rs-secret"), public "spa", and "partner", authenticated by assertions
// signed with the fixed PS256 or Ed25519 key (RFC 7523, FAPI 2.0).
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
  protocol::Client partner = app;
  partner.client_id = "partner";
  partner.secret_digest.clear();
  partner.token_endpoint_auth_method = "private_key_jwt";
  partner.jwks =
      nlohmann::json{{"keys", {ps256_key().public_jwk(), eddsa_key().public_jwk()}}}.dump();
  clients.add(partner);
}

// "<header JSON>\n<claims JSON>" made into a compact JWS signed by the fixed key of
// its alg; anything else as it is.
inline std::string assertion_of(const std::string& value) {
  const size_t nl = value.find('\n');
  if (value.empty() || value.front() != '{' || nl == std::string::npos) return value;
  const std::string_view header = std::string_view(value).substr(0, nl);
  const std::string input = base64url_encode(header) + "." + base64url_encode(value.substr(nl + 1));
  return input + "." + base64url_encode(assertion_signer_for(header).sign(input));
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
  if (auto a = request.form.find("client_assertion"); a != request.form.end()) {
    a->second = assertion_of(a->second);
  }
  if (!header.empty()) request.authorization = std::string(header);
  return request;
}

}  // namespace signet::fuzz
