// The connected-apps page (consent-ui/templates/connected_apps.html): the apps a
// signed-in customer granted access to, each with a "Revoke access" form.
#pragma once

#include <string>
#include <vector>

#include "protocol/model.h"

namespace signet::interaction {

struct ConnectedAppView {
  std::string client_id;
  std::string client_name;
  std::string granted_since;  // YYYY-MM-DD (UTC)
  std::vector<protocol::ScopeDescription> scopes;
};

struct ConnectedAppsView {
  std::string username;
  std::string csrf_token;  // the session's
  std::string notice;      // e.g. "Access for Finance App was revoked."
  std::vector<ConnectedAppView> apps;
};

std::string render_connected_apps(const ConnectedAppsView& view);

}  // namespace signet::interaction
