#include "interaction/pages.h"

#include "interaction/assets.h"
#include "interaction/render.h"

namespace signet::interaction {

std::string render_login(const LoginView& view) {
  mstch::data d;
  d.set("return_to", view.return_to);
  d.set("csrf_token", view.csrf_token);
  d.set("username", view.username);
  // kainjow treats "" as true in sections, so conditions are passed as booleans.
  d.set("focus_password", !view.username.empty());
  if (!view.error.empty()) d.set("error", view.error);
  if (!view.client_name.empty()) d.set("client_name", view.client_name);
  return render_page("login", "Sign in", d);
}

std::string render_consent(const ConsentView& view) {
  const std::string client = view.client_name.empty() ? "An application" : view.client_name;
  mstch::data d;
  d.set("client_name", client);
  d.set("username", view.username);
  d.set("csrf_token", view.csrf_token);
  d.set("scopes", scope_items(view.scopes));
  d.set("has_scopes", !view.scopes.empty());
  d.set("nothing_asked", view.scopes.empty() && view.details.empty());
  d.set("details", detail_items(view.details));
  // §7.1: her accounts to tick, each its own field (account.<IBAN>).
  mstch::data accounts{mstch::data::type::list};
  for (const auto& a : view.accounts) {
    mstch::data item;
    item.set("field", "account." + a.iban);
    item.set("name", a.name.empty() ? std::string("Account") : a.name);
    item.set("iban", a.iban);
    item.set("currency", a.currency);
    accounts.push_back(item);
  }
  d.set("choose_accounts", !view.accounts.empty());
  d.set("accounts", accounts);
  if (!view.grant_change.empty()) d.set("grant_change", view.grant_change);

  d.set("hidden", hidden_fields(view.hidden, {"csrf_token", "decision"}));
  return render_page("consent", "Allow access", d);
}

std::string render_error(const ErrorView& view) {
  const std::string title = view.title.empty() ? "Something went wrong" : view.title;
  mstch::data d;
  d.set("title", title);
  d.set("message", view.message);
  return render_page("error", title, d);
}

const std::string& stylesheet() {
  static const std::string css{assets::get("static/signet.css")};
  return css;
}

}  // namespace signet::interaction
