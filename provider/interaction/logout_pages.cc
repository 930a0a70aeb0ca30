#include "interaction/logout_pages.h"

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
  mstch::mustache logout = parse("templates/logout.html");
  mstch::mustache signed_out = parse("templates/signed_out.html");
};

Templates& templates() {
  thread_local Templates t;
  return t;
}

std::string page(const std::string& title, const std::string& content) {
  mstch::data d;
  d.set("title", title);
  d.set("content", content);
  return templates().layout.render(d);
}

}  // namespace

std::string render_logout_confirm(const LogoutView& view) {
  mstch::data d;
  if (!view.client_name.empty()) d.set("client_name", view.client_name);
  d.set("username", view.username);
  d.set("csrf_token", view.csrf_token);
  mstch::data hidden{mstch::data::type::list};
  for (const auto& [name, value] : view.hidden) {
    if (name == "csrf_token") continue;
    mstch::data item;
    item.set("name", name);
    item.set("value", value);
    hidden.push_back(item);
  }
  d.set("hidden", hidden);
  return page("Sign out", templates().logout.render(d));
}

std::string render_signed_out() {
  mstch::data d;
  return page("Signed out", templates().signed_out.render(d));
}

}  // namespace signet::interaction
