// The browser-facing steps of the code flow: /authorize, /login, /consent.
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/form.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "http/lifecycle_handlers.h"
#include "http/throttling.h"
#include "interaction/pages.h"
#include "interaction/password.h"
#include "protocol/authorize.h"
#include "protocol/prompt.h"

namespace signet::http {
namespace {

using protocol::AuthorizeRequest;
using protocol::OAuthError;
using protocol::Session;

const char* const kInvalidLogin = "Invalid username or password";

// The authorization request's own parameters, carried through login and consent.
std::vector<std::pair<std::string, std::string>> request_fields(const AuthorizeRequest& r) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"response_type", "code"},
      {"client_id", r.client.client_id},
      {"redirect_uri", r.redirect_uri},
      {"scope", protocol::join_scope(r.scopes)},
      {"code_challenge", r.code_challenge},
      {"code_challenge_method", "S256"},
  };
  if (!r.state.empty()) f.emplace_back("state", r.state);
  if (!r.nonce.empty()) f.emplace_back("nonce", r.nonce);
  if (!r.resource.empty()) f.emplace_back("resource", r.resource);
  return f;
}

Answer redirect_with_error(Services& s, const std::string& redirect_uri, const OAuthError& e,
                           const std::string& state) {
  return redirect_answer(protocol::error_redirect(redirect_uri, e, state, s.config.issuer));
}

Answer issue_code_and_redirect(Services& s, const AuthorizeRequest& r, const Session& session) {
  // The session's sid goes with the code into the ID token (RP-Initiated Logout 1.0 §2).
  auto code =
      protocol::issue_authorization_code(r, session.subject, session.auth_time, s.codes, s.clock,
                                         s.config.code_ttl, session_sid(s, session.id_digest));
  if (!code) return error_page(code.error());
  return redirect_answer(
      protocol::success_redirect(r.redirect_uri, *code, r.state, s.config.issuer));
}

// The client a sign-in form may end at: its name for the page, and the
// validated redirect URI whose origin the page's CSP allows (empty for the
// connected-apps page, which stays on Signet).
struct LoginFor {
  std::string client_name;
  std::string redirect_uri;
};

Answer login_page(Services& s, const Incoming& in, const std::string& return_to,
                  const LoginFor& client, int status, const std::string& error,
                  const std::string& username) {
  // Login CSRF (RFC 6749 §10.12): a form token bound to the cookie (browser_session.h).
  LoginCsrf csrf = login_csrf(s, in);
  interaction::LoginView view{return_to, csrf.form_token, username, error, client.client_name};
  Answer a = page_answer(status, interaction::render_login(view));
  // POST /login -> 303 /authorize -> 303 redirect_uri when no consent page is
  // needed (returning customer, prompt=login, max_age, single sign-on).
  if (!client.redirect_uri.empty()) a.form_action = form_action_source(client.redirect_uri);
  a.cookies.push_back(std::move(csrf.cookie));
  return a;
}

// 429 with Retry-After (RFC 6585 §4), rendered like the other sign-in errors.
Answer too_many_attempts_page(Services& s, const Incoming& in, const std::string& return_to,
                              const LoginFor& client, const std::string& username, int64_t wait) {
  Answer a = login_page(s, in, return_to, client, 429, too_many_attempts(wait), username);
  a.retry_after = wait;
  return a;
}

// Runs the checks of §4.1.1 and answers with the failure, if any.
std::optional<Answer> refuse(
    Services& s, const Result<AuthorizeRequest, protocol::AuthorizeFailure>& validated) {
  if (validated.ok()) return std::nullopt;
  const auto& f = validated.error();
  if (f.error.status >= 500) return error_page(f.error);
  if (!f.error.redirectable) return error_page(f.error);
  return redirect_with_error(s, f.redirect_uri, f.error, f.state);
}

}  // namespace

Answer handle_authorize(Services& s, const Incoming& in) {
  auto params = parse_form(in.query);
  if (!params) {
    return error_page(400, "This request cannot be completed",
                      "The authorization request is malformed: " + params.error().message + ".");
  }
  auto validated =
      protocol::validate_authorize_request(*params, s.clients, s.resources, s.config.audience);
  if (auto refused = refuse(s, validated)) return *refused;
  const AuthorizeRequest& r = *validated;

  // OpenID Connect prompt, max_age, login_hint (protocol/prompt.h decides).
  auto prompt = protocol::parse_prompt_params(*params);
  if (!prompt) return redirect_with_error(s, r.redirect_uri, prompt.error(), r.state);

  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  const int64_t now = s.clock.now();
  // Only a login mark that verifies for this session says when it logged in.
  if (session) {
    prompt->login_after = protocol::verified_login_time(
        *params, login_mark_key(s), session->id_digest, r.client.client_id, now);
  }

  bool consent_needed = true;
  if (session) {
    auto granted = s.consents.granted_scopes(session->subject, r.client.client_id);
    if (!granted) return error_page(granted.error());
    consent_needed = protocol::consent_required(r.scopes, *granted);
  }
  protocol::SessionFacts facts{session.has_value(), session ? session->auth_time : 0};
  const auto outcome = protocol::decide(*prompt, facts, consent_needed, now);
  switch (outcome.decision) {
    case protocol::PromptDecision::kError:
      return redirect_with_error(
          s, r.redirect_uri,
          OAuthError{outcome.error,
                     outcome.error == "login_required" ? "The user is not signed in."
                                                       : "The user has not granted this access.",
                     "prompt=none", 400, true},
          r.state);
    case protocol::PromptDecision::kLogin: {
      // Back to /authorize after login with prompt and max_age kept (/login
      // adds the login mark that satisfies them).
      auto fields = request_fields(r);
      if (const std::string* p = find_param(*params, "prompt")) fields.emplace_back("prompt", *p);
      if (prompt->max_age) fields.emplace_back("max_age", std::to_string(*prompt->max_age));
      return login_page(s, in, encode_form(fields), {r.client.client_name, r.redirect_uri}, 200, "",
                        prompt->login_hint);
    }
    case protocol::PromptDecision::kIssue:
      return issue_code_and_redirect(s, r, *session);
    case protocol::PromptDecision::kConsent:
      break;
  }

  auto descriptions = s.scopes.describe_scopes(r.scopes);
  if (!descriptions) return error_page(descriptions.error());
  auto user = s.users.find_user_by_subject(session->subject);
  if (!user) return error_page(user.error());
  interaction::ConsentView view;
  view.client_name = r.client.client_name;
  view.username = *user ? (*user)->username : std::string();
  view.scopes = *descriptions;
  view.csrf_token = session->csrf_token;
  view.hidden = request_fields(r);
  Answer a = page_answer(200, interaction::render_consent(view));
  a.form_action = form_action_source(r.redirect_uri);
  return a;
}

// OpenID Connect Core §3.1.2.1: the same request as a form body. The strict
// parser refuses a repeated parameter; the answer is a 303 to GET /authorize
// with the parameters re-encoded, so that the browser's SameSite=Lax session
// cookie, which a cross-site POST does not carry, comes along.
Answer handle_authorize_post(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return error_page(415, "Unsupported request",
                      "The authorization request must be sent as a form.");
  }
  auto params = parse_form(in.body);
  if (!params) {
    return error_page(400, "This request cannot be completed",
                      "The authorization request is malformed: " + params.error().message + ".");
  }
  return redirect_answer(s.config.issuer + "/authorize?" +
                         encode_form({params->begin(), params->end()}));
}

Answer handle_login(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return error_page(415, "Unsupported request", "The sign-in form must be sent as a form.");
  }
  auto form = parse_form(in.body);
  if (!form) return error_page(400, "This request cannot be completed", "The form is malformed.");
  const std::string* username = find_param(*form, "username");
  const std::string* password = find_param(*form, "password");
  const std::string* csrf = find_param(*form, "csrf_token");
  const std::string* return_to = find_param(*form, "return_to");
  if (!login_csrf_matches(s, in, csrf)) {
    return error_page(403, "Your sign-in form has expired",
                      "For your security, please go back to the app and start again.");
  }
  if (!username || !password || !return_to) {
    return error_page(400, "This request cannot be completed", "The form is incomplete.");
  }
  // return_to is exactly "account/apps" (the connected-apps page) or the
  // authorization request's query: re-validate it so that the redirect after
  // login can only lead back to /authorize (no open redirector).
  const bool to_account = *return_to == kAccountAppsReturnTo;
  LoginFor client;
  // The way back is rebuilt from the parsed parameters, each percent-encoded, so
  // that no raw byte of return_to (CR, LF, '#') reaches the Location header
  // (response splitting, RFC 9110 §5.5; open redirection, RFC 9700 §4.11.2).
  std::string back_to;
  std::string client_id;  // for the audit trail
  if (!to_account) {
    auto params = parse_form(*return_to);
    if (!params) {
      return error_page(400, "This request cannot be completed", "The form is malformed.");
    }
    auto validated =
        protocol::validate_authorize_request(*params, s.clients, s.resources, s.config.audience);
    if (!validated.ok() && !validated.error().error.redirectable) {
      return error_page(validated.error().error);
    }
    if (validated.ok()) {
      client = {validated->client.client_name, validated->redirect_uri};
      client_id = validated->client.client_id;
    }
    // Signet's own parameters never come from the form: the login mark is added
    // below, for the new session only.
    std::erase_if(*params, [](const auto& p) { return protocol::is_internal_param(p.first); });
    back_to = encode_form({params->begin(), params->end()});
  }

  // Throttled before any work: a refused attempt costs no Argon2 verification,
  // and a correct password is refused too while the lockout lasts.
  auto wait = login_wait(s, in, *username);
  if (!wait) return error_page(wait.error());
  if (*wait) return too_many_attempts_page(s, in, *return_to, client, *username, *wait);

  auto user = s.users.find_user_by_username(*username);
  if (!user) return error_page(user.error());
  bool valid = false;
  if (*user && !password->empty()) {
    valid = interaction::verify_password(*password, (*user)->password_hash);
  } else {
    // Same cost for an unknown user: timing must not reveal who has an account.
    interaction::burn_password_verification(*password);
  }
  if (!valid) {
    // The username only when it names a user: an unknown one may be a password
    // typed in the wrong field.
    nlohmann::json detail = {{"reason", !*user              ? "unknown_user"
                                        : password->empty() ? "empty_password"
                                                            : "wrong_password"}};
    if (*user) detail["username"] = (*user)->username;
    s.audit->record({"login.failed", client_id, *user ? (*user)->subject : "", in.request_id,
                     in.client_address, std::move(detail)});
    auto locked = login_failed(s, in, *username);
    if (!locked) return error_page(locked.error());
    if (*locked) return too_many_attempts_page(s, in, *return_to, client, *username, *locked);
    return login_page(s, in, *return_to, client, 401, kInvalidLogin, *username);
  }
  login_succeeded(s, *username);

  // A new session id at every login, and the session the browser carried is
  // ended, so a planted session cannot become the victim's (session fixation,
  // OWASP Session Management Cheat Sheet; RFC 6819 §4.4.1.6 on cookies). If it
  // cannot be ended, the sign-in fails rather than leave it alive.
  if (const std::string* old = session_cookie(s, in)) {
    auto ended = s.sessions.delete_session(sha256_b64url(*old));
    if (!ended) return error_page(ended.error());
  }
  std::string session_id = random_token();
  const int64_t now = s.clock.now();
  Session session{sha256_b64url(session_id), (*user)->subject, random_token(), now,
                  now + s.config.session_ttl};
  auto created = s.sessions.create_session(session);
  if (!created) return error_page(created.error());
  s.audit->record({"login.succeeded",
                   client_id,
                   (*user)->subject,
                   in.request_id,
                   in.client_address,
                   {{"to", to_account ? "account_apps" : "authorize"}}});

  if (!to_account) {
    // The login mark (protocol/prompt.h): this login satisfies the request's
    // prompt=login or max_age, for this session and client only.
    back_to +=
        "&" +
        encode_form({{protocol::kLoginTimeParam, std::to_string(now)},
                     {protocol::kLoginMarkParam,
                      protocol::login_mark(login_mark_key(s), session.id_digest, now, client_id)}});
  }
  Answer a = redirect_answer(s.config.issuer +
                             (to_account ? std::string("/account/apps") : "/authorize?" + back_to));
  a.cookies.push_back(session_cookie_set(s, session_id));
  a.cookies.push_back(login_csrf_cleared(s));
  return a;
}

Answer handle_consent(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return error_page(415, "Unsupported request", "The consent form must be sent as a form.");
  }
  auto form = parse_form(in.body);
  if (!form) return error_page(400, "This request cannot be completed", "The form is malformed.");
  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  if (!session) {
    return error_page(401, "Your session has ended",
                      "Please go back to the app and start again to sign in.");
  }
  const std::string* csrf = find_param(*form, "csrf_token");
  if (!csrf || !constant_time_equal(*csrf, session->csrf_token)) {
    return error_page(403, "This form has expired",
                      "For your security, please go back to the app and start again.");
  }
  std::string decision;
  if (const std::string* d = find_param(*form, "decision")) decision = *d;
  form->erase("csrf_token");
  form->erase("decision");

  auto validated =
      protocol::validate_authorize_request(*form, s.clients, s.resources, s.config.audience);
  if (auto refused = refuse(s, validated)) return *refused;
  const AuthorizeRequest& r = *validated;

  if (decision == "deny") {
    return redirect_with_error(s, r.redirect_uri,
                               OAuthError::access_denied("The user denied the request.").redirect(),
                               r.state);
  }
  if (decision != "allow") {
    return error_page(400, "This request cannot be completed", "Choose Allow or Deny.");
  }
  auto granted =
      s.consents.grant_consent(session->subject, r.client.client_id, r.scopes, s.clock.now());
  if (!granted) return error_page(granted.error());
  s.audit->record({"consent.granted",
                   r.client.client_id,
                   session->subject,
                   in.request_id,
                   in.client_address,
                   {{"scopes", r.scopes}}});
  return issue_code_and_redirect(s, r, *session);
}

}  // namespace signet::http
