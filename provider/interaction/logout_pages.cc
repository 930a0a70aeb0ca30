#include "interaction/logout_pages.h"

#include "interaction/render.h"

namespace signet::interaction {

std::string render_logout_confirm(const LogoutView& view) {
  mstch::data d;
  if (!view.client_name.empty()) d.set("client_name", view.client_name);
  d.set("username", view.username);
  d.set("csrf_token", view.csrf_token);
  d.set("hidden", hidden_fields(view.hidden, {"csrf_token"}));
  return render_page("logout", "Sign out", d);
}

std::string render_signed_out() { return render_page("signed_out", "Signed out", mstch::data{}); }

}  // namespace signet::interaction
