// Resource indicators (RFC 8707): the registry of resource servers an access
// token may be issued for, and the choice of a token's audience (`aud`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/form.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/stores.h"

namespace signet::protocol {

// A registered resource server: its audience (the resource URI or identifier
// that becomes `aud`), a display name, the scopes it owns, and the clients that
// act for it (they may introspect its access tokens, RFC 7662 §4).
struct ResourceServer {
  std::string audience;
  std::string name;
  std::vector<std::string> scopes;
  std::vector<std::string> client_ids;

  bool acts_for(std::string_view client_id) const {
    for (const auto& x : client_ids) {
      if (x == client_id) return true;
    }
    return false;
  }

  bool owns_scope(std::string_view s) const {
    for (const auto& x : scopes) {
      if (x == s) return true;
    }
    return false;
  }
};

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;
  virtual StoreResult<std::optional<ResourceServer>> find_resource(std::string_view audience) = 0;
};

// Syntax of a `resource` value (RFC 8707 §2): an absolute URI (RFC 3986 §4.3:
// a scheme, ':', then something) of 1..2000 printable ASCII characters without a
// space or a fragment ("MUST NOT include a fragment component").
bool is_well_formed_resource(std::string_view resource);

// The audience of a token for `resource` (empty: none requested, the default
// audience). A resource must be registered (else invalid_target) and own every
// scope in `scopes` (else invalid_scope). Without a store, only the default
// audience (or a resource equal to it) is accepted.
Result<std::string, OAuthError> resolve_audience(const std::string& resource,
                                                 const std::vector<std::string>& scopes,
                                                 ResourceStore* resources,
                                                 const std::string& default_audience);

// The scopes a client gets for a resource when it asked for none: the ones it is
// allowed that the resource owns (all of them when no resource is named).
Result<std::vector<std::string>, OAuthError> default_scopes_for(
    const std::string& resource, const std::vector<std::string>& client_scopes,
    ResourceStore* resources);

}  // namespace signet::protocol
