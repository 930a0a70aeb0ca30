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

}  // namespace signet::protocol
