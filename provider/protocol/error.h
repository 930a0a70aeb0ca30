// The one error type of the protocol layer (RFC 6749 §4.1.2.1, §5.2), and the one
// home of its presets: every error code Signet sends is made here. http/ turns
// an error into a JSON body, an error page or a redirect, in one place
// (http/respond.h).
#pragma once

#include <cstdint>
#include <string>

#include "common/form.h"

namespace signet::protocol {

struct OAuthError {
  std::string code;             // RFC 6749 error code, e.g. "invalid_grant"
  std::string description;      // public text: safe to send to the client
  std::string detail;           // private text: for logs only, never sent
  int status = 400;             // HTTP status when answered directly
  bool redirectable = false;    // may be sent to the client's redirect URI
  int64_t retry_after = 0;      // seconds, sent as Retry-After with 429 (RFC 6585 §4)
  std::string dpop_nonce = {};  // sent as DPoP-Nonce (RFC 9449 §8) with use_dpop_nonce

  static OAuthError invalid_request(std::string description, std::string detail = {});
  static OAuthError invalid_client(std::string description, std::string detail = {});  // 401
  static OAuthError invalid_grant(std::string description, std::string detail = {});
  static OAuthError unauthorized_client(std::string description, std::string detail = {});
  static OAuthError unsupported_grant_type(std::string description, std::string detail = {});
  static OAuthError unsupported_response_type(std::string description, std::string detail = {});
  static OAuthError invalid_scope(std::string description, std::string detail = {});
  static OAuthError access_denied(std::string description, std::string detail = {});
  // RFC 9396 §5: an authorization_details parameter that is malformed, names an
  // unknown type or one the client may not use, or breaks its type's schema.
  // Not redirectable here; the caller marks it so where §5 allows.
  static OAuthError invalid_authorization_details(std::string description, std::string detail = {});
  // OpenID Connect Core §3.1.2.6, for prompt=none; both redirectable.
  static OAuthError login_required();
  static OAuthError consent_required();
  // OpenID Connect Core §6.3: Signet takes no request objects and no request_uri
  // it did not mint itself; both redirectable.
  static OAuthError request_not_supported();
  static OAuthError request_uri_not_supported();
  // A pushed request_uri that is unknown, spent, expired or another client's
  // (RFC 9126 §4, OpenID Connect Core §6.3); never redirectable.
  static OAuthError invalid_request_uri(std::string detail);
  // RFC 9449 §5, §8: a DPoP proof refused (400), or one without the server's
  // current nonce, which the client sends again with `nonce` (400, DPoP-Nonce).
  static OAuthError invalid_dpop_proof(std::string detail);
  static OAuthError use_dpop_nonce(std::string nonce);
  // A form body or query string that parse_form() refused (RFC 6749 §3.1, §5.2).
  static OAuthError malformed_form(const FormError& error);
  // The /token refusal for a client over its rate. slow_down, not
  // temporarily_unavailable: RFC 6749 §5.2 has no rate-limit code, and
  // temporarily_unavailable (§4.1.2.1) says the server is overloaded, for the
  // authorization endpoint; slow_down (RFC 8628 §3.5, in the OAuth Extensions
  // Error Registry for the token endpoint) says this client is asking too fast,
  // which is what happened. Status 429 (RFC 6585 §4) with Retry-After.
  static OAuthError slow_down(int64_t retry_after, std::string detail = {});
  // An admin operation on something that already exists (or cannot change): 409.
  static OAuthError conflict(std::string description, std::string detail = {});
  static OAuthError server_error(std::string detail);             // 500, generic text
  static OAuthError temporarily_unavailable(std::string detail);  // 503, generic text
  // Not an RFC code and never sent: the work needs to wait (a database call) and
  // was attempted where waiting is forbidden (common/blocking.h); retry on a worker.
  static constexpr const char* kWouldBlock = "signet_would_block";
  static OAuthError would_block();
  bool is_would_block() const { return code == kWouldBlock; }

  // FAPI Grant Management §4.1, §6: a grant_id that is unknown, or another
  // client's or customer's (400, invalid_grant_id).
  static OAuthError invalid_grant_id(std::string detail);

  // The same error, marked as safe to deliver to the redirect URI.
  OAuthError redirect() const {
    OAuthError e = *this;
    e.redirectable = true;
    return e;
  }
};

// RFC 8707 §2: a resource that is not acceptable (400).
OAuthError invalid_target(std::string description, std::string detail = {});

}  // namespace signet::protocol
