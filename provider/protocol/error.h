// The one error type of the protocol layer (RFC 6749 §4.1.2.1, §5.2). http/ turns
// it into a JSON body, an error page or a redirect, in one place.
#pragma once

#include <cstdint>
#include <string>

namespace signet::protocol {

struct OAuthError {
  std::string code;           // RFC 6749 error code, e.g. "invalid_grant"
  std::string description;    // public text: safe to send to the client
  std::string detail;         // private text: for logs only, never sent
  int status = 400;           // HTTP status when answered directly
  bool redirectable = false;  // may be sent to the client's redirect URI
  int64_t retry_after = 0;    // seconds, sent as Retry-After with 429 (RFC 6585 §4)

  static OAuthError invalid_request(std::string description, std::string detail = {});
  static OAuthError invalid_client(std::string description, std::string detail = {});  // 401
  static OAuthError invalid_grant(std::string description, std::string detail = {});
  static OAuthError unauthorized_client(std::string description, std::string detail = {});
  static OAuthError unsupported_grant_type(std::string description, std::string detail = {});
  static OAuthError unsupported_response_type(std::string description, std::string detail = {});
  static OAuthError invalid_scope(std::string description, std::string detail = {});
  static OAuthError access_denied(std::string description, std::string detail = {});
  static OAuthError server_error(std::string detail);             // 500, generic text
  static OAuthError temporarily_unavailable(std::string detail);  // 503, generic text
  // Not an RFC code and never sent: the work needs to wait (a database call) and
  // was attempted where waiting is forbidden (common/blocking.h); retry on a worker.
  static constexpr const char* kWouldBlock = "signet_would_block";
  static OAuthError would_block();
  bool is_would_block() const { return code == kWouldBlock; }

  // The same error, marked as safe to deliver to the redirect URI.
  OAuthError redirect() const {
    OAuthError e = *this;
    e.redirectable = true;
    return e;
  }
};

}  // namespace signet::protocol
