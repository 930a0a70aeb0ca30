#include "http/lifecycle_handlers.h"

#include <ctime>
#include <string>

#include "common/blocking.h"
#include "common/form.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "interaction/browser_session.h"
#include "interaction/connected_apps.h"
#include "interaction/pages.h"
#include "interaction/sign_in.h"
#include "protocol/introspection.h"
#include "protocol/revocation_feed.h"

namespace signet::http {
namespace {

using protocol::OAuthError;

// The form body of a client request, as at /token (RFC 6749 §3.2).
Result<protocol::TokenRequest, OAuthError> client_request(const Incoming& in) {
  if (!in.is_form()) {
    return fail(
        OAuthError::invalid_request("Content-Type must be application/x-www-form-urlencoded."));
  }
  auto form = parse_form(in.body);
  if (!form) return fail(OAuthError::malformed_form(form.error()));
  return protocol::TokenRequest{std::move(*form), in.authorization};
}

Answer unavailable() {
  return oauth_error_json(OAuthError::server_error("token lifecycle is not configured"));
}

std::string utc_date(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The login page, returning to /account/apps after sign-in (same CSRF cookie
// rules as the login page of the authorization flow).
Answer account_login_page(Services& s, const Incoming& in) {
  LoginCsrf csrf = login_csrf(s, in);
  interaction::LoginView view{interaction::kAccountAppsReturnTo, csrf.form_token, "", "", ""};
  Answer a = page_answer(200, interaction::render_login(view));
  a.cookies.push_back(std::move(csrf.cookie));
  return a;
}

}  // namespace

Answer handle_revoke(Services& s, const Incoming& in) {
  if (!s.introspection) return unavailable();
  auto request = client_request(in);
  if (!request) return oauth_error_json(request.error());
  auto r = s.introspection->revoke(*request);
  if (!r) return oauth_error_json(r.error());
  return json_answer(200, nlohmann::json::object());  // RFC 7009 §2.2
}

Answer handle_revocation_feed(Services& s, const Incoming& in) {
  if (!s.revocation_feed) return unavailable();
  auto request = client_request(in);
  if (!request) return oauth_error_json(request.error());
  auto r = s.revocation_feed->read(*request);
  if (!r) return oauth_error_json(r.error());
  return json_answer(200, *r);  // no-store by default
}

namespace {

// nullopt when the answer needs the database (only in a NonBlockingScope).
std::optional<Answer> answer_introspect(Services& s, const Incoming& in) {
  if (!s.introspection) return unavailable();
  auto request = client_request(in);
  if (!request) return oauth_error_json(request.error());
  auto r = s.introspection->introspect(*request);
  if (!r && r.error().is_would_block()) return std::nullopt;
  if (!r) return oauth_error_json(r.error());
  return json_answer(200, *r);  // no-store by default
}

}  // namespace

Answer handle_introspect(Services& s, const Incoming& in) {
  if (auto a = answer_introspect(s, in)) return *a;
  return oauth_error_json(OAuthError::temporarily_unavailable("introspection blocked"));
}

std::optional<Answer> try_introspect_without_waiting(Services& s, const Incoming& in) {
  if (in.waits_to_authenticate()) return std::nullopt;  // verified once, on a worker
  NonBlockingScope no_waiting;
  return answer_introspect(s, in);
}

Answer handle_connected_apps(Services& s, const Incoming& in) {
  if (!s.lifecycle) return error_page(OAuthError::server_error("lifecycle store missing"));
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  if (!session) return account_login_page(s, in);

  auto apps = s.lifecycle->connected_apps(session->subject);
  if (!apps) return error_page(apps.error());
  auto user = s.users.find_user_by_subject(session->subject);
  if (!user) return error_page(user.error());

  interaction::ConnectedAppsView view;
  view.username = *user ? (*user)->username : std::string();
  view.csrf_token = session->csrf_token;
  auto params = parse_form(in.query);
  if (params && find_param(*params, "revoked")) view.notice = "Access was revoked.";
  for (const auto& app : *apps) {
    auto described = s.scopes.describe_scopes(app.scopes);
    if (!described) return error_page(described.error());
    interaction::ConnectedAppView v{app.client_id, app.client_name, utc_date(app.granted_at),
                                    *described};
    // A scope no longer in the registry is still shown, by name.
    for (const auto& name : app.scopes) {
      bool found = false;
      for (const auto& d : v.scopes) found = found || d.name == name;
      if (!found) v.scopes.push_back({name, name});
    }
    view.apps.push_back(std::move(v));
  }
  return page_answer(200, interaction::render_connected_apps(view));
}

Answer handle_connected_apps_revoke(Services& s, const Incoming& in) {
  if (!s.lifecycle) return error_page(OAuthError::server_error("lifecycle store missing"));
  if (!in.is_form()) {
    return error_page(415, "Unsupported request", "The form must be sent as a form.");
  }
  auto form = parse_form(in.body);
  if (!form) return error_page(400, "This request cannot be completed", "The form is malformed.");
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  if (!session) {
    return error_page(401, "Your session has ended", "Please sign in again to manage your apps.");
  }
  // CSRF: the session-bound token of the page that showed the form.
  if (!interaction::form_matches_session(*session, find_param(*form, "csrf_token"))) {
    return error_page(403, "This form has expired",
                      "For your security, please open your connected apps again.");
  }
  const std::string* client_id = find_param(*form, "client_id");
  if (!client_id || client_id->empty()) {
    return error_page(400, "This request cannot be completed", "The form is incomplete.");
  }
  auto done = s.lifecycle->disconnect_app(session->subject, *client_id, s.clock.now());
  if (!done) return error_page(done.error());
  if (*done) {
    s.audit->record({"consent.revoked",
                     *client_id,
                     session->subject,
                     in.request_id,
                     in.client_address,
                     {{"via", "connected_apps"}}});
  }
  return redirect_answer(s.config.issuer + "/account/apps?revoked=1");
}

}  // namespace signet::http
