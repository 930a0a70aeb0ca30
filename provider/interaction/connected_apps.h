// The connected-apps page (consent-ui/templates/connected_apps.html): the apps a
// signed-in customer granted access to, each with its grants (FAPI Grant
// Management), an "End this access" form per grant and a "Revoke access" form
// that ends all of them.
#pragma once

#include <string>
#include <vector>

#include "protocol/authorization_details.h"
#include "protocol/model.h"

namespace signet::interaction {

// One grant: what the customer allowed in one authorization (or added to since).
struct GrantView {
  std::string grant_id;
  std::string since;    // YYYY-MM-DD (UTC)
  std::string updated;  // YYYY-MM-DD (UTC); shown when it differs from `since`
  std::vector<protocol::ScopeDescription> scopes;
  std::vector<protocol::DetailDescription> details;  // RFC 9396, in words
};

struct ConnectedAppView {
  std::string client_id;
  std::string client_name;
  std::string granted_since;  // YYYY-MM-DD (UTC): of its oldest grant
  std::vector<GrantView> grants;
};

struct ConnectedAppsView {
  std::string username;
  std::string csrf_token;  // the session's
  std::string notice;      // e.g. "Access for Finance App was revoked."
  std::vector<ConnectedAppView> apps;
};

std::string render_connected_apps(const ConnectedAppsView& view);

}  // namespace signet::interaction
