// Thin Pistache adapter for signet::resource: reads the Authorization and DPoP
// headers and writes RFC 6750 §3 / RFC 9449 §7 error responses. Everything else
// lives in resource_server.h.
#pragma once

#include <pistache/http.h>
#include <pistache/http_header.h>

#include <optional>
#include <string>
#include <string_view>

#include "resource/resource_server.h"

namespace signet::resource {

// WWW-Authenticate as a typed header: Pistache 0.0.5 may drop headers added with
// addRaw() (upstream #967), and it has no class of its own for this one.
class WwwAuthenticate : public Pistache::Http::Header::Header {
 public:
  NAME("WWW-Authenticate")

  WwwAuthenticate() = default;
  explicit WwwAuthenticate(std::string value) : value_(std::move(value)) {}

  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

// DPoP-Nonce (RFC 9449 §8.1), typed for the same reason.
class DpopNonce : public Pistache::Http::Header::Header {
 public:
  NAME("DPoP-Nonce")

  DpopNonce() = default;
  explicit DpopNonce(std::string value) : value_(std::move(value)) {}

  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

// The Authorization header's raw value, if the request has one.
std::optional<std::string> authorization_header(const Pistache::Http::Request& request);

// The DPoP header's value, if the request has one. Pistache 0.0.5 keeps only the
// first of repeated header lines (Collection::addRaw inserts into a map), so a
// second DPoP line never reaches the library; two proofs folded into one line
// (by a proxy, RFC 9110 §5.3) are seen and refused.
std::optional<std::string> dpop_header(const Pistache::Http::Request& request);

// Reads the credentials from `request`, verifies them and checks `required_scope`.
// With the verifier's public_base_url set: Bearer or DPoP (TokenVerifier::
// authorize(ProtectedRequest), htu = public_base_url + the request's path);
// without it: Bearer only, and DPoP-bound tokens are refused.
Result<AccessToken, AuthError> authorize_request(TokenVerifier& verifier,
                                                 const Pistache::Http::Request& request,
                                                 std::string_view required_scope);

// Status (400/401/403), WWW-Authenticate, DPoP-Nonce with use_dpop_nonce,
// Cache-Control: no-store and the JSON body.
void send_auth_error(Pistache::Http::ResponseWriter& writer, const AuthError& error);

}  // namespace signet::resource
