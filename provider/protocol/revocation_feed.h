// The revocation feed (POST /revocations, a Signet extension): resource servers
// follow the list of revoked, unexpired access tokens (their jti and exp) so that
// they refuse a revoked token within seconds instead of at its expiry. Read in
// pages from an opaque cursor; see sql/0016 for why the cursor is safe under
// concurrent transactions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/token_request.h"

namespace signet::protocol {

struct RevokedToken {
  std::string jti;
  int64_t expires_at = 0;
};

struct RevocationPage {
  std::vector<RevokedToken> entries;
  std::string cursor;     // where the next page starts
  bool complete = false;  // nothing more is visible now after `cursor`
};

class RevocationListStore {
 public:
  virtual ~RevocationListStore() = default;
  // Unexpired revocations after `cursor` ("" = from the start), at most `limit`.
  // A malformed cursor fails with invalid_request.
  virtual StoreResult<RevocationPage> revocations_after(std::string_view cursor, int64_t now,
                                                        int64_t limit) = 0;
};

class RevocationFeedEndpoint {
 public:
  static constexpr int64_t kPageSize = 1000;

  RevocationFeedEndpoint(const ClientAuthenticator& clients, ResourceStore& resources,
                         RevocationListStore& store, const Clock& clock)
      : clients_(clients), resources_(resources), store_(store), clock_(clock) {}

  // The caller authenticates like at /introspect and must be a confidential
  // client acting for the resource server it names (`resource`, its audience;
  // the rule of RFC 7662 §4 at /introspect). Form: resource, after (the cursor).
  // Every unexpired revocation is listed, whatever its token's audience: jtis
  // are random and say nothing of their tokens.
  // {"cursor": "...", "entries": [{"jti": "...", "exp": 0}], "complete": bool}
  Result<nlohmann::json, OAuthError> read(const TokenRequest& request);

 private:
  const ClientAuthenticator& clients_;
  ResourceStore& resources_;
  RevocationListStore& store_;
  const Clock& clock_;
};

}  // namespace signet::protocol
