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
    item.set("scopes", scope_items(a.scopes));
    apps.push_back(item);
  }
  d.set("apps", apps);

  return render_page("connected_apps", "Connected apps", d);
}

}  // namespace signet::interaction
