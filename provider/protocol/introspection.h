// Token introspection (RFC 7662) and revocation (RFC 7009).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "jose/key_ring.h"
#include "protocol/error.h"
#include "protocol/lifecycle_store.h"
#include "protocol/resource_indicator.h"
#include "protocol/token/access_token.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

class Introspection {
 public:
  // `keys` is read at every request (keys rotate while the server runs).
  Introspection(TokenSettings settings, const ClientAuthenticator& clients,
                TokenLifecycleStore& store, const jose::KeyRingHolder& keys, const Clock& clock)
      : settings_(std::move(settings)),
        clients_(clients),
        store_(store),
        keys_(keys),
        clock_(clock) {}
  // A fixed ring that outlives this object (tests).
  Introspection(TokenSettings settings, const ClientAuthenticator& clients,
                TokenLifecycleStore& store, const jose::KeyRing& keys, const Clock& clock)
      : settings_(std::move(settings)),
        clients_(clients),
        store_(store),
        owned_keys_(std::make_unique<jose::KeyRingHolder>(jose::KeyRingHolder::borrow(keys))),
        keys_(*owned_keys_),
        clock_(clock) {}

  // The registry of resource servers: a client registered for an access token's
  // audience may introspect it. Without one, only a token's own client may.
  void enable_resource_servers(ResourceStore& resources) { resources_ = &resources; }

  // RFC 7662 §2: the caller must be a confidential client (resource servers are
  // clients here). {"active":false} for anything unknown, expired, revoked,
  // malformed, a refresh token of another client, or an access token of another
  // client whose audience the caller is not registered for (§4).
  Result<nlohmann::json, OAuthError> introspect(const TokenRequest& request);

  // RFC 7009 §2: revokes the caller's own refresh token (its whole family, with
  // the access tokens issued from it) or access token. Unknown, invalid or
  // foreign tokens change nothing and still succeed.
  Result<Ok, OAuthError> revoke(const TokenRequest& request);

 private:
  TokenSettings settings_;
  const ClientAuthenticator& clients_;
  TokenLifecycleStore& store_;
  std::unique_ptr<jose::KeyRingHolder> owned_keys_;  // only with the fixed-ring constructor
  const jose::KeyRingHolder& keys_;
  const Clock& clock_;
  ResourceStore* resources_ = nullptr;
};

}  // namespace signet::protocol
