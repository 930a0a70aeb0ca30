// OpenID Connect: discovery, /userinfo, RP-initiated logout.
#include "http/oidc_handlers.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/bearer.h"
#include "common/crypto.h"
#include "common/form.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "interaction/browser_session.h"
#include "interaction/logout_pages.h"
#include "protocol/authorize.h"
#include "protocol/id_token.h"
#include "protocol/own_access_token.h"
#include "protocol/prompt.h"

namespace signet::http {
namespace {

using protocol::OAuthError;

// --- /logout --------------------------------------------------------------------

std::string param(const Params& p, std::string_view key) {
  const std::string* v = find_param(p, key);
  return v ? *v : std::string();
}

// Where to send the browser after logout: only a URI registered for the client,
// compared as an exact string (RP-Initiated Logout 1.0 §3).
struct LogoutTarget {
  std::string client_id;
  std::string client_name;
  std::string redirect_uri;  // "" = no redirect: show "You are signed out"
  std::string state;
};

LogoutTarget logout_target(Services& s, const std::string& client_id, const Params& p) {
  LogoutTarget t;
  if (client_id.empty()) return t;
  auto client = s.clients.find_client(client_id);
  if (!client || !*client) return t;
  t.client_id = client_id;
  t.client_name = (*client)->client_name;
  const std::string uri = param(p, "post_logout_redirect_uri");
  const auto& allowed = (*client)->post_logout_redirect_uris;
  if (!uri.empty() && std::find(allowed.begin(), allowed.end(), uri) != allowed.end()) {
    t.redirect_uri = uri;
    t.state = param(p, "state");
  }
  return t;
}

Answer end_session_and_leave(Services& s, const Incoming& in, const LogoutTarget& target) {
  auto ended = interaction::end_browser_session(s.sessions, session_cookie(s, in));
  if (!ended) return error_page(ended.error());
  Answer a;
  if (!target.redirect_uri.empty()) {
    std::vector<std::pair<std::string, std::string>> q;
    if (!target.state.empty()) q.emplace_back("state", target.state);
    a = redirect_answer(append_query(target.redirect_uri, q));
  } else {
    a = page_answer(200, interaction::render_signed_out());
  }
  a.cookies.push_back(session_cookie_cleared(s));
  return a;
}

Answer confirm_page(Services& s, const protocol::Session& session, const LogoutTarget& target) {
  interaction::LogoutView view;
  view.client_name = target.client_name;
  auto user = s.users.find_user_by_subject(session.subject);
  if (user && *user) view.username = (*user)->username;
  view.csrf_token = session.csrf_token;
  if (!target.client_id.empty()) view.hidden.emplace_back("client_id", target.client_id);
  if (!target.redirect_uri.empty()) {
    view.hidden.emplace_back("post_logout_redirect_uri", target.redirect_uri);
    if (!target.state.empty()) view.hidden.emplace_back("state", target.state);
  }
  Answer a = page_answer(200, interaction::render_logout_confirm(view));
  // The browser follows the 303 after the form to the RP: allow it in form-action.
  if (!target.redirect_uri.empty()) a.form_action = form_action_source(target.redirect_uri);
  return a;
}

Answer logout(Services& s, const Incoming& in, const Params& p, bool confirmed_post) {
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);

  const std::string hint = param(p, "id_token_hint");
  const std::string client_id = param(p, "client_id");
  if (!hint.empty()) {
    auto claims = protocol::verify_id_token_hint(*s.keys.current(), s.config.issuer, hint);
    if (!claims) {
      log_error("logout", claims.error());
      return error_page(400, "This sign-out request cannot be completed",
                        "The app sent an invalid sign-out request.");
    }
    const std::string aud = (*claims)["aud"].get<std::string>();
    if (!client_id.empty() && client_id != aud) {
      return error_page(400, "This sign-out request cannot be completed",
                        "The app sent an invalid sign-out request.");
    }
    LogoutTarget target = logout_target(s, aud, p);
    // The hint was issued in this very session (its sid, and its user), or there
    // is no session left: the RP asked, so the session ends without a question.
    // Any other hint (an older ID token of the same user, kept or stolen, or
    // another user's) only leads to the question (RP-Initiated Logout 1.0 §2).
    if (!session) return end_session_and_leave(s, in, target);
    auto sid = claims->find("sid");
    if (session->subject == (*claims)["sub"].get<std::string>() && sid != claims->end() &&
        sid->is_string() &&
        constant_time_equal(sid->get<std::string>(), session_sid(s, session->id_digest))) {
      return end_session_and_leave(s, in, target);
    }
    return confirm_page(s, *session, target);
  }

  LogoutTarget target = logout_target(s, client_id, p);
  if (!session) return end_session_and_leave(s, in, target);
  if (!confirmed_post) return confirm_page(s, *session, target);
  if (!interaction::form_matches_session(*session, find_param(p, "csrf_token"))) {
    return error_page(403, "This form has expired",
                      "For your security, please start signing out again.");
  }
  return end_session_and_leave(s, in, target);
}

}  // namespace

nlohmann::json openid_configuration(const config::Config& c) {
  nlohmann::json doc = authorization_server_metadata(c);
  doc["userinfo_endpoint"] = c.issuer + "/userinfo";
  doc["end_session_endpoint"] = c.issuer + "/logout";
  doc["scopes_supported"] = {"openid",         "profile",       "email",
                             "offline_access", "read:accounts", "read:transactions",
                             "write:payments"};
  doc["subject_types_supported"] = {"public"};
  doc["id_token_signing_alg_values_supported"] = {"RS256", "ES256"};
  doc["claims_supported"] = {"iss",       "sub",           "aud",     "exp",  "iat",
                             "auth_time", "nonce",         "at_hash", "name", "preferred_username",
                             "email",     "email_verified"};
  doc["claims_supported"].push_back("sid");  // the session, RP-Initiated Logout 1.0 §2
  doc["prompt_values_supported"] = protocol::supported_prompt_values();
  doc["claims_parameter_supported"] = false;
  doc["request_parameter_supported"] = false;
  doc["request_uri_parameter_supported"] = false;
  return doc;
}

Answer handle_userinfo(Services& s, const Incoming& in) {
  // RFC 6750 §3.1, as the resource library answers: no bearer credentials (no
  // header, another scheme such as Basic) is a bare 401 challenge; a malformed
  // Bearer value is 400 invalid_request; a bad token is 401 invalid_token.
  std::optional<std::string_view> authorization;
  if (in.authorization) authorization = *in.authorization;
  auto token = parse_bearer_authorization(authorization);
  if (!token && token.error() == BearerProblem::kNoCredentials) return bearer_error(401, "", "");
  if (!token) {
    return bearer_error(400, "invalid_request",
                        "The Authorization header is not a well-formed Bearer token.");
  }
  const std::string invalid = "The access token is invalid or expired.";
  const auto ring = s.keys.current();  // kept for the whole verification (keys rotate)
  // The token must be for this server's audience: a token for another API is
  // refused here even though Signet signed it.
  auto at = protocol::verify_own_access_token(*token, *ring, s.config.issuer, s.config.audience,
                                              s.clock.now());
  if (!at) return bearer_error(401, "invalid_token", invalid);
  if (!protocol::has_scope(at->scopes, protocol::kOpenIdScope)) {
    return bearer_error(403, "insufficient_scope", "The access token lacks the openid scope.",
                        "openid");
  }
  // RFC 7009 §2: a revoked access token (or one of a revoked grant: connected
  // apps, refresh reuse) stops working here at once, not at its expiry.
  if (s.lifecycle) {
    auto revoked = protocol::is_revoked(*at, *s.lifecycle);
    if (!revoked) return oauth_error_json(revoked.error());
    if (*revoked) return bearer_error(401, "invalid_token", invalid);
  }
  auto user = s.users.find_user_by_subject(at->subject);
  if (!user) return oauth_error_json(user.error());
  if (!*user) return bearer_error(401, "invalid_token", invalid);
  return json_answer(200, protocol::user_claims(**user, at->scopes));
}

Answer handle_logout_get(Services& s, const Incoming& in) {
  auto p = parse_form(in.query);
  if (!p) return error_page(400, "This request cannot be completed", "The request is malformed.");
  return logout(s, in, *p, false);
}

Answer handle_logout_post(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return error_page(415, "Unsupported request", "The sign-out form must be sent as a form.");
  }
  auto p = parse_form(in.body);
  if (!p) return error_page(400, "This request cannot be completed", "The form is malformed.");
  // A POST carrying an id_token_hint is the RP's own request; one without is
  // the confirmation form and needs its CSRF token.
  return logout(s, in, *p, true);
}

}  // namespace signet::http
