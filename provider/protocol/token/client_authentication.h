// Client authentication at the token, pushed authorization request,
// introspection and revocation endpoints (RFC 6749 §2.3.1, §3.2.1; RFC 7523 §2.2).
#pragma once

#include <string>

#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/stores.h"
#include "protocol/token/client_assertion.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

class ClientAuthenticator {
 public:
  ClientAuthenticator(ClientStore& clients, ClientAssertionVerifier& assertions)
      : clients_(clients), assertions_(assertions) {}

  // Authenticates the client: client_secret_basic (with the form-urlencoded id
  // and secret inside Basic), client_secret_post, private_key_jwt (a
  // client_assertion of type jwt-bearer), or none for public clients; exactly
  // one method per request, and the one the client registered (a secret never
  // authenticates a private_key_jwt client, nor an assertion a secret client).
  Result<Client, OAuthError> authenticate(const TokenRequest& request) const;

  ClientStore& clients() const { return clients_; }

 private:
  Result<Client, OAuthError> authenticate_assertion(const TokenRequest& request) const;

  ClientStore& clients_;
  ClientAssertionVerifier& assertions_;
};

// The client_id a request presents (Basic, body, or an assertion's iss), ""
// when none; for audit events only: it is not authenticated.
std::string presented_client_id(const TokenRequest& request);

}  // namespace signet::protocol
