#include "store/store_call.h"

#include <utility>

namespace signet::store {

protocol::OAuthError to_oauth_error(DatabaseError error) {
  if (error.failure == DatabaseFailure::kInternal) {
    return protocol::OAuthError::server_error(std::move(error.detail));
  }
  return protocol::OAuthError::temporarily_unavailable(std::move(error.detail));
}

protocol::OAuthError conflict(std::string description, std::string detail) {
  protocol::OAuthError e =
      protocol::OAuthError::invalid_request(std::move(description), std::move(detail));
  e.status = 409;
  return e;
}

}  // namespace signet::store
