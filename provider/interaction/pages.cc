#include "interaction/pages.h"

#include <kainjow/mustache.hpp>

#include <stdexcept>
#include <string_view>

#include "interaction/assets.h"

namespace signet::interaction {

namespace assets {

std::string_view get(std::string_view path) {
  for (std::size_t i = 0; i < kAssetCount; ++i) {
    if (kAssets[i].path == path) return kAssets[i].text;
  }
  throw std::logic_error("consent-ui asset not compiled in: " + std::string(path));
}

}  // namespace assets

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

// kainjow's render is not const (it walks and may annotate the parsed tree), so each
// thread parses its own copy once instead of sharing one across I/O threads.
struct Templates {
  mstch::mustache layout = parse("templates/layout.html");
  mstch::mustache login = parse("templates/login.html");
  mstch::mustache consent = parse("templates/consent.html");
  mstch::mustache error = parse("templates/error.html");
};

Templates& templates() {
  thread_local Templates t;
  return t;
}

// Wraps a rendered page body in the layout. `content` is our own rendered HTML (its
// variables were escaped when it was rendered); `title` is escaped here.
std::string page(const std::string& title, const std::string& content) {
  mstch::data d;
  d.set("title", title);
  d.set("content", content);
  return templates().layout.render(d);
}

}  // namespace

std::string render_login(const LoginView& view) {
  mstch::data d;
  d.set("return_to", view.return_to);
  d.set("csrf_token", view.csrf_token);
  d.set("username", view.username);
  // kainjow treats "" as true in sections, so conditions are passed as booleans.
  d.set("focus_password", !view.username.empty());
  if (!view.error.empty()) d.set("error", view.error);
  if (!view.client_name.empty()) d.set("client_name", view.client_name);
  return page("Sign in", templates().login.render(d));
}

std::string render_consent(const ConsentView& view) {
  const std::string client = view.client_name.empty() ? "An application" : view.client_name;
  mstch::data d;
  d.set("client_name", client);
  d.set("username", view.username);
  d.set("csrf_token", view.csrf_token);

  mstch::data scopes{mstch::data::type::list};
  for (const auto& s : view.scopes) {
    mstch::data item;
    item.set("name", s.name);
    item.set("description", s.description.empty() ? s.name : s.description);
    scopes.push_back(item);
  }
  d.set("scopes", scopes);

  mstch::data hidden{mstch::data::type::list};
  for (const auto& [name, value] : view.hidden) {
    if (name == "csrf_token" || name == "decision") continue;  // set by the page itself
    mstch::data item;
    item.set("name", name);
    item.set("value", value);
    hidden.push_back(item);
  }
  d.set("hidden", hidden);
  return page("Allow access", templates().consent.render(d));
}

std::string render_error(const ErrorView& view) {
  const std::string title = view.title.empty() ? "Something went wrong" : view.title;
  mstch::data d;
  d.set("title", title);
  d.set("message", view.message);
  return page(title, templates().error.render(d));
}

const std::string& stylesheet() {
  static const std::string css{assets::get("static/signet.css")};
  return css;
}

}  // namespace signet::interaction
