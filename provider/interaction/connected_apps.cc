#include "interaction/connected_apps.h"

#include <kainjow/mustache.hpp>

#include <stdexcept>

#include "interaction/assets.h"

namespace signet::interaction {
namespace {

namespace mstch = kainjow::mustache;

mstch::mustache parse(std::string_view path) {
  mstch::mustache tmpl{std::string(assets::get(path))};
  if (!tmpl.is_valid()) {
    throw std::logic_error("consent-ui template " + std::string(path) + ": " +
                           tmpl.error_message());
  }
  return tmpl;
}

// One parsed copy per thread (kainjow's render is not const), as in pages.cc.
struct Templates {
  mstch::mustache layout = parse("templates/layout.html");
  mstch::mustache apps = parse("templates/connected_apps.html");
};

Templates& templates() {
  thread_local Templates t;
  return t;
}

}  // namespace

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
    mstch::data scopes{mstch::data::type::list};
    for (const auto& s : a.scopes) {
      mstch::data sd;
      sd.set("name", s.name);
      sd.set("description", s.description.empty() ? s.name : s.description);
      scopes.push_back(sd);
    }
    item.set("scopes", scopes);
    apps.push_back(item);
  }
  d.set("apps", apps);

  mstch::data page;
  page.set("title", "Connected apps");
  page.set("content", templates().apps.render(d));
  return templates().layout.render(page);
}

}  // namespace signet::interaction
