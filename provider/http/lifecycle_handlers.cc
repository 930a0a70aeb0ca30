#include "http/lifecycle_handlers.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "common/blocking.h"
#include "common/form.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "interaction/browser_session.h"
#include "interaction/connected_apps.h"
#include "interaction/pages.h"
#include "interaction/sign_in.h"
#include "protocol/authorization_details.h"
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

namespace {

// The customer's grants (GrantStore::grants_of, oldest first) grouped by app, in
// the order each app was first allowed; scopes with their descriptions (a scope
// no longer in the registry is still shown, by name) and details in words.
Result<std::vector<interaction::ConnectedAppView>, OAuthError> apps_of(Services& s,
                                                                       const std::string& subject) {
  auto grants = s.grants->grants_of(subject);
  if (!grants) return fail(std::move(grants.error()));
  std::vector<interaction::ConnectedAppView> apps;
  for (const auto& g : *grants) {
    auto app = std::find_if(apps.begin(), apps.end(),
                            [&](const auto& a) { return a.client_id == g.client_id; });
    if (app == apps.end()) {
      apps.push_back({g.client_id, g.client_name, utc_date(g.created_at), {}});
      app = apps.end() - 1;
    }
    auto described = s.scopes.describe_scopes(g.scopes);
    if (!described) return fail(std::move(described.error()));
    interaction::GrantView v{
        g.grant_id, utc_date(g.created_at), utc_date(g.updated_at), *described, {}};
    for (const auto& name : g.scopes) {
      bool found = false;
      for (const auto& d : v.scopes) found = found || d.name == name;
      if (!found) v.scopes.push_back({name, name});
    }
    auto details = nlohmann::json::parse(g.authorization_details, nullptr, false);
    if (details.is_array()) {
      for (const auto& d : details) {
        v.details.push_back(protocol::AuthorizationDetailsTypes::builtin().describe(d));
      }
    }
    app->grants.push_back(std::move(v));
  }
  return apps;
}

// A form of the connected-apps page: its fields, once the session and the
// session-bound CSRF token of the page that showed it are checked; else the page
// that refuses it.
struct AccountForm {
  protocol::Session session;
  Params fields;
};

Result<AccountForm, Answer> account_form(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return fail(error_page(415, "Unsupported request", "The form must be sent as a form."));
  }
  auto form = parse_form(in.body);
  if (!form) {
    return fail(error_page(400, "This request cannot be completed", "The form is malformed."));
  }
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return fail(error_page(*store_error));
  if (!session) {
    return fail(
        error_page(401, "Your session has ended", "Please sign in again to manage your apps."));
  }
  if (!interaction::form_matches_session(*session, find_param(*form, "csrf_token"))) {
    return fail(error_page(403, "This form has expired",
                           "For your security, please open your connected apps again."));
  }
  return AccountForm{std::move(*session), std::move(*form)};
}

}  // namespace

Answer handle_connected_apps(Services& s, const Incoming& in) {
  if (!s.lifecycle || !s.grants) {
    return error_page(OAuthError::server_error("lifecycle or grant store missing"));
  }
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  if (!session) return account_login_page(s, in);

  auto apps = apps_of(s, session->subject);
  if (!apps) return error_page(apps.error());
  auto user = s.users.find_user_by_subject(session->subject);
  if (!user) return error_page(user.error());

  interaction::ConnectedAppsView view;
  view.username = *user ? (*user)->username : std::string();
  view.csrf_token = session->csrf_token;
  auto params = parse_form(in.query);
  if (params && find_param(*params, "revoked")) view.notice = "Access was revoked.";
  if (params && find_param(*params, "ended")) view.notice = "That access was ended.";
  view.apps = std::move(*apps);
  return page_answer(200, interaction::render_connected_apps(view));
}

Answer handle_connected_apps_revoke(Services& s, const Incoming& in) {
  if (!s.lifecycle) return error_page(OAuthError::server_error("lifecycle store missing"));
  auto form = account_form(s, in);
  if (!form) return form.error();
  const std::string* client_id = find_param(form->fields, "client_id");
  if (!client_id || client_id->empty()) {
    return error_page(400, "This request cannot be completed", "The form is incomplete.");
  }
  const std::string& subject = form->session.subject;
  auto done = s.lifecycle->disconnect_app(subject, *client_id, s.clock.now());
  if (!done) return error_page(done.error());
  if (*done) {
    s.audit->record({"consent.revoked",
                     *client_id,
                     subject,
                     in.request_id,
                     in.client_address,
                     {{"via", "connected_apps"}}});
  }
  return redirect_answer(s.config.issuer + "/account/apps?revoked=1");
}

Answer handle_connected_apps_end_grant(Services& s, const Incoming& in) {
  if (!s.grants) return error_page(OAuthError::server_error("grant store missing"));
  auto form = account_form(s, in);
  if (!form) return form.error();
  const std::string* grant_id = find_param(form->fields, "grant_id");
  if (!grant_id || grant_id->empty()) {
    return error_page(400, "This request cannot be completed", "The form is incomplete.");
  }
  const std::string& subject = form->session.subject;
  // Only this customer's grant: the store's DELETE names her as well as the
  // grant's client, so another customer's grant_id ends nothing.
  auto grant = s.grants->find_grant(*grant_id);
  if (!grant) return error_page(grant.error());
  bool ended = false;
  if (*grant && (*grant)->subject == subject) {
    auto done = s.grants->delete_grant(*grant_id, (*grant)->client_id, subject);
    if (!done) return error_page(done.error());
    ended = *done;
  }
  if (!ended) {
    return error_page(404, "This access was not found",
                      "It may have ended already. Please open your connected apps again.");
  }
  s.audit->record({"grant.revoked",
                   (*grant)->client_id,
                   subject,
                   in.request_id,
                   in.client_address,
                   {{"grant_id", *grant_id}, {"via", "connected_apps"}}});
  return redirect_answer(s.config.issuer + "/account/apps?ended=1");
}

}  // namespace signet::http
