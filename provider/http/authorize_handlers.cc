// The browser-facing steps of the code flow: /authorize, /login, /consent.
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/form.h"
#include "http/browser_session.h"
#include "http/handlers.h"
#include "http/lifecycle_handlers.h"
#include "http/throttling.h"
#include "interaction/consent.h"
#include "interaction/pages.h"
#include "interaction/password.h"
#include "interaction/sign_in.h"
#include "protocol/authorize.h"
#include "protocol/prompt.h"

namespace signet::http {
namespace {

using protocol::AuthorizeRequest;
using protocol::OAuthError;
using protocol::Session;

const char* const kInvalidLogin = "Invalid username or password";

// The authorization request's own parameters, carried through login and consent;
// of a pushed request (RFC 9126), only client_id and request_uri.
std::vector<std::pair<std::string, std::string>> request_fields(const AuthorizeRequest& r) {
  if (!r.request_uri.empty()) {
    return {{"client_id", r.client.client_id}, {"request_uri", r.request_uri}};
  }
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
  if (!r.dpop_jkt.empty()) f.emplace_back("dpop_jkt", r.dpop_jkt);  // RFC 9449 §10
  if (!r.authorization_details.empty()) {                           // RFC 9396 §2
    f.emplace_back("authorization_details", r.authorization_details.dump());
  }
  if (const std::string* a = find_param(r.params, "grant_management_action")) {
    f.emplace_back("grant_management_action", *a);  // Grant Management §4.1
  }
  if (!r.grant_id.empty()) f.emplace_back("grant_id", r.grant_id);
  return f;
}

Answer redirect_with_error(Services& s, const std::string& redirect_uri, const OAuthError& e,
                           const std::string& state) {
  return redirect_answer(protocol::error_redirect(redirect_uri, e, state, s.config.issuer));
}

// An authorization that ends in an error at the client: a pushed request it
// came by is spent too (RFC 9126 §4: one authorization per request_uri).
Answer end_with_error(Services& s, const AuthorizeRequest& r, const OAuthError& e) {
  if (!r.request_uri.empty()) {
    auto spent =
        s.authorize.pushed.spend_pushed_request(sha256_b64url(r.request_uri), s.clock.now());
    if (!spent) return error_page(spent.error());
  }
  return redirect_with_error(s, r.redirect_uri, e, r.state);
}

Answer issue_code_and_redirect(Services& s, const AuthorizeRequest& r, const Session& session) {
  // The session's sid goes with the code into the ID token (RP-Initiated Logout 1.0 §2).
  auto code =
      protocol::issue_authorization_code(r, session.subject, session.auth_time, s.codes, s.clock,
                                         s.config.code_ttl, session_sid(s, session.id_digest));
  if (!code) {
    // A named grant that is not this customer's (Grant Management §4.1): the
    // client hears it; nothing was saved.
    if (code.error().code == "invalid_grant_id") {
      return end_with_error(s, r, code.error().redirect());
    }
    return error_page(code.error());
  }
  return redirect_answer(
      protocol::success_redirect(r.redirect_uri, *code, r.state, s.config.issuer));
}

// The client a sign-in form may end at (interaction/sign_in.h).
using LoginFor = interaction::SignInClient;

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

// A form field or cookie, when the request carried it.
std::optional<std::string> copy_of(const std::string* value) {
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

// A request refused by the checks of §4.1.1: a page, or a redirect when allowed.
Answer refuse(Services& s, const protocol::AuthorizeFailure& f) {
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
  auto validated = protocol::validate_authorize_request(*params, s.authorize);
  if (!validated.ok()) return refuse(s, validated.error());
  const AuthorizeRequest& r = *validated;

  // OpenID Connect prompt, max_age, login_hint (protocol/prompt.h decides), from
  // the request's own parameters (a pushed request's, when it came by request_uri).
  auto prompt = protocol::parse_prompt_params(r.params);
  if (!prompt) return end_with_error(s, r, prompt.error());

  std::optional<OAuthError> store_error;
  auto session = current_session(s, in, store_error);
  if (store_error) return error_page(*store_error);
  const int64_t now = s.clock.now();
  // Only a login mark that verifies for this session says when it logged in.
  if (session) {
    prompt->login_after = protocol::verified_login_time(
        r.params, login_mark_key(s), session->id_digest, r.client.client_id, now);
  }

  bool consent_needed = true;
  if (session && !r.needs_consent_page()) {
    auto granted = s.consents.granted_scopes(session->subject, r.client.client_id);
    if (!granted) return error_page(granted.error());
    consent_needed = protocol::consent_required(r.scopes, *granted);
  }
  protocol::SessionFacts facts{session.has_value(), session ? session->auth_time : 0};
  const auto outcome = protocol::decide(*prompt, facts, consent_needed, now);
  switch (outcome.decision) {
    case protocol::PromptDecision::kError:
      return end_with_error(s, r, outcome.error);
    case protocol::PromptDecision::kLogin: {
      // Back to /authorize after login with prompt and max_age kept (/login
      // adds the login mark that satisfies them); a pushed request keeps them itself.
      auto fields = request_fields(r);
      if (r.request_uri.empty()) {
        if (const std::string* p = find_param(r.params, "prompt"))
          fields.emplace_back("prompt", *p);
        if (prompt->max_age) fields.emplace_back("max_age", std::to_string(*prompt->max_age));
      }
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
  // RFC 9396: each detail in words, and her accounts when she chooses (§7.1).
  for (const auto& detail : r.authorization_details) {
    view.details.push_back(s.authorize.detail_types->describe(detail));
  }
  if (interaction::offers_account_choice(r, s.authorize.detail_types)) {
    if (!s.accounts) {
      return end_with_error(s, r,
                            OAuthError::invalid_authorization_details(
                                "Choosing accounts is not available at this server.",
                                "no account directory (SIGNET_ACCOUNT_DIRECTORY_URL)")
                                .redirect());
    }
    auto accounts = s.accounts->accounts_of(session->subject);
    if (!accounts) return error_page(accounts.error());
    view.accounts = std::move(*accounts);
  }
  if (r.grant_write == protocol::GrantWrite::kUpdate) {
    view.grant_change = "This adds to what you allowed this app before.";
  } else if (r.grant_write == protocol::GrantWrite::kReplace) {
    view.grant_change = "This replaces what you allowed this app before.";
  }
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
  interaction::SignInAttempt attempt{copy_of(find_param(*form, "username")),
                                     copy_of(find_param(*form, "password")),
                                     copy_of(find_param(*form, "csrf_token")),
                                     copy_of(find_param(*form, "return_to")),
                                     copy_of(in.cookie(login_csrf_cookie_name(s.config))),
                                     copy_of(session_cookie(s, in)),
                                     in.client_address,
                                     in.request_id};
  static const interaction::Argon2idVerifier argon2id;
  interaction::SignIn sign_in({s.config.master_key, s.config.session_ttl}, s.users, s.sessions,
                              s.authorize, s.throttles.login, argon2id, *s.audit, s.clock);
  const auto outcome = sign_in.attempt(attempt);

  using interaction::SignInResult;
  const LoginFor& client = outcome.client;
  switch (outcome.result) {
    case SignInResult::kCsrfMismatch:
      return error_page(403, "Your sign-in form has expired",
                        "For your security, please go back to the app and start again.");
    case SignInResult::kIncompleteForm:
      return error_page(400, "This request cannot be completed", "The form is incomplete.");
    case SignInResult::kBadReturnTo:
      if (outcome.error) return error_page(*outcome.error);
      return error_page(400, "This request cannot be completed", "The form is malformed.");
    case SignInResult::kStoreUnavailable:
      return error_page(*outcome.error);
    case SignInResult::kThrottled:
      return too_many_attempts_page(s, in, *attempt.return_to, client, *attempt.username,
                                    outcome.retry_after);
    case SignInResult::kBadCredentials:
      return login_page(s, in, *attempt.return_to, client, 401, kInvalidLogin, *attempt.username);
    case SignInResult::kSignedIn:
      break;
  }
  if (outcome.error) log_error("login_throttle", *outcome.error);
  Answer a = redirect_answer(s.config.issuer + outcome.continue_to);
  a.cookies.push_back(session_cookie_set(s, outcome.session_id));
  a.cookies.push_back(login_csrf_cleared(s));
  return a;
}

Answer handle_consent(Services& s, const Incoming& in) {
  if (!in.is_form()) {
    return error_page(415, "Unsupported request", "The consent form must be sent as a form.");
  }
  auto form = parse_form(in.body);
  if (!form) return error_page(400, "This request cannot be completed", "The form is malformed.");
  interaction::Consent consent(s.authorize, s.sessions, s.consents, *s.audit, s.clock, s.accounts);
  auto outcome = consent.decide(
      {std::move(*form), copy_of(session_cookie(s, in)), in.client_address, in.request_id});
  using interaction::ConsentResult;
  switch (outcome.result) {
    case ConsentResult::kStoreUnavailable:
      return error_page(*outcome.error);
    case ConsentResult::kNoSession:
      return error_page(401, "Your session has ended",
                        "Please go back to the app and start again to sign in.");
    case ConsentResult::kCsrfMismatch:
      return error_page(403, "This form has expired",
                        "For your security, please go back to the app and start again.");
    case ConsentResult::kRefusedRequest:
      return refuse(s, *outcome.refusal);
    case ConsentResult::kDenied:
      return end_with_error(s, outcome.request,
                            OAuthError::access_denied("The user denied the request.").redirect());
    case ConsentResult::kNoChoice:
      return error_page(400, "This request cannot be completed", "Choose Allow or Deny.");
    case ConsentResult::kNoAccountChosen:
      return error_page(400, "Choose an account",
                        "Go back and tick at least one account to share, or choose Deny.");
    case ConsentResult::kUnknownAccount:
      return error_page(400, "This request cannot be completed",
                        "One of the chosen accounts is not yours.");
    case ConsentResult::kGranted:
      break;
  }
  return issue_code_and_redirect(s, outcome.request, outcome.session);
}

}  // namespace signet::http
