#include "store/store_call.h"

#include <utility>

namespace signet::store {

protocol::OAuthError to_oauth_error(DatabaseError error) {
  if (error.failure == DatabaseFailure::kInternal) {
    return protocol::OAuthError::server_error(std::move(error.detail));
  }
  return protocol::OAuthError::temporarily_unavailable(std::move(error.detail));
}

}  // namespace signet::store
