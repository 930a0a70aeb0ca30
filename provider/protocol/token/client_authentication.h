// Client authentication at the token, introspection and revocation endpoints
// (RFC 6749 §2.3.1, §3.2.1).
#pragma once

#include <string>

#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/stores.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

// Authenticates the client: client_secret_basic (with the form-urlencoded id
// and secret inside Basic), client_secret_post, or none for public clients;
// exactly one method per request.
Result<Client, OAuthError> authenticate_client(const TokenRequest& request, ClientStore& clients);

// The client_id a request presents (Basic or body), "" when none; for audit
// events only: it is not authenticated.
std::string presented_client_id(const TokenRequest& request);

}  // namespace signet::protocol
