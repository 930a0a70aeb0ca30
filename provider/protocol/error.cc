#include "protocol/error.h"

#include <utility>

namespace signet::protocol {
namespace {
OAuthError make(const char* code, std::string description, std::string detail, int status = 400) {
  return OAuthError{code, std::move(description), std::move(detail), status, false};
}
}  // namespace

OAuthError OAuthError::invalid_request(std::string d, std::string x) {
  return make("invalid_request", std::move(d), std::move(x));
}
OAuthError OAuthError::invalid_client(std::string d, std::string x) {
  return make("invalid_client", std::move(d), std::move(x), 401);
}
OAuthError OAuthError::invalid_grant(std::string d, std::string x) {
  return make("invalid_grant", std::move(d), std::move(x));
}
OAuthError OAuthError::unauthorized_client(std::string d, std::string x) {
  return make("unauthorized_client", std::move(d), std::move(x));
}
OAuthError OAuthError::unsupported_grant_type(std::string d, std::string x) {
  return make("unsupported_grant_type", std::move(d), std::move(x));
}
OAuthError OAuthError::unsupported_response_type(std::string d, std::string x) {
  return make("unsupported_response_type", std::move(d), std::move(x));
}
OAuthError OAuthError::invalid_scope(std::string d, std::string x) {
  return make("invalid_scope", std::move(d), std::move(x));
}
OAuthError OAuthError::access_denied(std::string d, std::string x) {
  return make("access_denied", std::move(d), std::move(x), 403);
}
OAuthError OAuthError::invalid_authorization_details(std::string d, std::string x) {
  return make("invalid_authorization_details", std::move(d), std::move(x));
}
OAuthError OAuthError::login_required() {
  return make("login_required", "The user is not signed in.", "prompt=none").redirect();
}
OAuthError OAuthError::consent_required() {
  return make("consent_required", "The user has not granted this access.", "prompt=none")
      .redirect();
}
OAuthError OAuthError::request_not_supported() {
  return make("request_not_supported", "Request objects are not supported.",
              "request parameter present")
      .redirect();
}
OAuthError OAuthError::request_uri_not_supported() {
  return make("request_uri_not_supported", "The request_uri parameter is not supported.",
              "request_uri parameter present")
      .redirect();
}
OAuthError OAuthError::invalid_request_uri(std::string detail) {
  return make("invalid_request_uri",
              "The request_uri is unknown, has expired or has already been used.",
              std::move(detail));
}
OAuthError OAuthError::invalid_grant_id(std::string detail) {
  return make("invalid_grant_id", "The grant_id is unknown or not this client's.",
              std::move(detail));
}
OAuthError OAuthError::invalid_dpop_proof(std::string detail) {
  return make("invalid_dpop_proof", "The DPoP proof is invalid.", std::move(detail));
}
OAuthError OAuthError::use_dpop_nonce(std::string nonce) {
  OAuthError e = make("use_dpop_nonce", "Use the DPoP nonce the server provided.",
                      "proof without the current nonce");
  e.dpop_nonce = std::move(nonce);
  return e;
}
OAuthError OAuthError::malformed_form(const FormError& error) {
  return invalid_request(error.fault == FormFault::kRepeated
                             ? "A parameter was included more than once."
                             : "The request body is malformed.",
                         error.message);
}
OAuthError OAuthError::slow_down(int64_t retry_after, std::string x) {
  OAuthError e = make("slow_down", "Too many requests; retry after the time given in Retry-After.",
                      std::move(x), 429);
  e.retry_after = retry_after;
  return e;
}
OAuthError OAuthError::conflict(std::string d, std::string x) {
  return make("invalid_request", std::move(d), std::move(x), 409);
}
OAuthError OAuthError::server_error(std::string x) {
  return make("server_error", "The server could not complete the request.", std::move(x), 500);
}
OAuthError OAuthError::temporarily_unavailable(std::string x) {
  return make("temporarily_unavailable", "The service is temporarily unavailable; try again.",
              std::move(x), 503);
}

OAuthError OAuthError::would_block() {
  return make(kWouldBlock, "The service is temporarily unavailable; try again.", "would block",
              503);
}

OAuthError invalid_target(std::string d, std::string x) {
  return make("invalid_target", std::move(d), std::move(x));
}

}  // namespace signet::protocol
