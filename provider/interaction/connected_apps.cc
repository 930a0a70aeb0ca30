#include "interaction/connected_apps.h"

#include "interaction/render.h"

namespace signet::interaction {

std::string render_connected_apps(const ConnectedAppsView& view) {
  mstch::data d;
  d.set("username", view.username);
  if (!view.notice.empty()) d.set("notice", view.notice);
  d.set("has_apps", !view.apps.empty());
  mstch::data apps{mstch::data::type::list};
  for (const auto& a : view.apps) {
    mstch::data item;
    item.set("client_id", a.client_id);
    item.set("client_name", a.client_name.empty() ? a.client_id : a.client_name);
    item.set("granted_since", a.granted_since);
    item.set("csrf_token", view.csrf_token);
    mstch::data grants{mstch::data::type::list};
    for (const auto& g : a.grants) {
      mstch::data grant;
      grant.set("grant_id", g.grant_id);
      grant.set("since", g.since);
      if (!g.updated.empty() && g.updated != g.since) grant.set("updated", g.updated);
      grant.set("csrf_token", view.csrf_token);
      grant.set("scopes", scope_items(g.scopes));
      grant.set("details", detail_items(g.details));
      grants.push_back(grant);
    }
    item.set("grants", grants);
    item.set("several_grants", a.grants.size() > 1);
    apps.push_back(item);
  }
  d.set("apps", apps);

  return render_page("connected_apps", "Connected apps", d);
}

}  // namespace signet::interaction
