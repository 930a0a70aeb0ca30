#include "interaction/sign_in.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/form.h"
#include "interaction/browser_session.h"
#include "protocol/authorize.h"
#include "protocol/prompt.h"

namespace signet::interaction {

using protocol::OAuthError;

// Where a successful sign-in goes on to, and who it is for.
struct SignIn::WayBack {
  bool to_account = false;
  SignInClient client;
  // The authorization request's query, rebuilt from its parsed parameters,
  // each percent-encoded, so that no raw byte of return_to (CR, LF, '#')
  // reaches the Location header (response splitting, RFC 9110 §5.5; open
  // redirection, RFC 9700 §4.11.2).
  std::string query;
  std::string client_id;            // the validated client, for login.* events
  std::string requested_client_id;  // as return_to names it, for "throttled" events
};

namespace {

const std::string* value(const std::optional<std::string>& v) { return v ? &*v : nullptr; }

SignInOutcome outcome(SignInResult result, SignInClient client = {}) {
  SignInOutcome o;
  o.result = result;
  o.client = std::move(client);
  return o;
}

SignInOutcome store_unavailable(OAuthError error) {
  SignInOutcome o = outcome(SignInResult::kStoreUnavailable);
  o.error = std::move(error);
  return o;
}

}  // namespace

// return_to is exactly "account/apps" (the connected-apps page) or the
// authorization request's query: it is validated again, so that the redirect
// after sign-in can only lead back to /authorize (no open redirector).
std::optional<SignInOutcome> SignIn::find_way_back(const std::string& return_to, WayBack& way) {
  way.to_account = return_to == kAccountAppsReturnTo;
  if (way.to_account) return std::nullopt;
  auto params = parse_form(return_to);
  if (!params) return outcome(SignInResult::kBadReturnTo);
  if (const std::string* id = find_param(*params, "client_id")) way.requested_client_id = *id;
  auto validated = protocol::validate_authorize_request(*params, authorize_);
  if (!validated.ok() && !validated.error().error.redirectable) {
    const OAuthError& e = validated.error().error;
    if (e.status >= 500) return store_unavailable(e);
    SignInOutcome refused = outcome(SignInResult::kBadReturnTo);
    refused.error = e;
    return refused;
  }
  // A request refused with a redirect goes back to /authorize, which redirects
  // with the error.
  if (validated.ok()) {
    way.client = {validated->client.client_name, validated->redirect_uri};
    way.client_id = validated->client.client_id;
  }
  // Signet's own parameters never come from the form: the login mark is added
  // for the new session only.
  std::erase_if(*params, [](const auto& p) { return protocol::is_internal_param(p.first); });
  way.query = encode_form({params->begin(), params->end()});
  return std::nullopt;
}

// 429 with Retry-After (RFC 6585 §4). The "throttled" event follows the rule
// of login.failed: the subject (and the username) only when the typed text
// names a user; otherwise it may be a password typed in the wrong field, and
// nothing of it is kept. A failed look-up records no subject.
SignInOutcome SignIn::throttled(const SignInAttempt& attempt, const WayBack& way,
                                const protocol::ThrottleRefusal& refusal) {
  std::string subject;
  nlohmann::json detail = {{"limit", refusal.limit}};
  if (auto user = users_.find_user_by_username(*attempt.username); user && *user) {
    subject = (*user)->subject;
    detail["username"] = (*user)->username;
  }
  audit_.record({"throttled", way.requested_client_id, std::move(subject), attempt.request_id,
                 attempt.client_address, std::move(detail)});
  SignInOutcome o = outcome(SignInResult::kThrottled, way.client);
  o.retry_after = refusal.retry_after;
  return o;
}

SignInOutcome SignIn::attempt(const SignInAttempt& attempt) {
  // Login CSRF (RFC 6749 §10.12), before anything else is looked at.
  if (!login_csrf_matches(settings_.master_key, value(attempt.login_csrf_cookie),
                          value(attempt.csrf_token))) {
    return outcome(SignInResult::kCsrfMismatch);
  }
  if (!attempt.username || !attempt.password || !attempt.return_to) {
    return outcome(SignInResult::kIncompleteForm);
  }
  const std::string& username = *attempt.username;
  const std::string& password = *attempt.password;
  WayBack way;
  if (auto refused = find_way_back(*attempt.return_to, way)) return *refused;

  // Throttled before any work: a refused attempt costs no password
  // verification, and a correct password is refused too while the lockout lasts.
  if (throttle_) {
    auto refusal = throttle_->before_attempt(username, attempt.client_address);
    if (!refusal) return store_unavailable(refusal.error());
    if (*refusal) return throttled(attempt, way, **refusal);
  }

  auto user = users_.find_user_by_username(username);
  if (!user) return store_unavailable(user.error());
  bool valid = false;
  if (*user && !password.empty()) {
    valid = passwords_.verify(password, (*user)->password_hash);
  } else {
    // Same cost for an unknown user: timing must not reveal who has an account.
    passwords_.spend_one_verification(password);
  }
  if (!valid) {
    // The username only when it names a user: an unknown one may be a password
    // typed in the wrong field.
    nlohmann::json detail = {{"reason", !*user             ? "unknown_user"
                                        : password.empty() ? "empty_password"
                                                           : "wrong_password"}};
    if (*user) detail["username"] = (*user)->username;
    audit_.record({"login.failed", way.client_id, *user ? (*user)->subject : "", attempt.request_id,
                   attempt.client_address, std::move(detail)});
    if (throttle_) {
      auto locked = throttle_->after_failure(username, attempt.client_address);
      if (!locked) return store_unavailable(locked.error());
      if (*locked) return throttled(attempt, way, **locked);
    }
    return outcome(SignInResult::kBadCredentials, way.client);
  }
  return start_session(attempt, way, **user);
}

SignInOutcome SignIn::start_session(const SignInAttempt& attempt, const WayBack& way,
                                    const protocol::User& user) {
  std::optional<OAuthError> count_not_reset;
  if (throttle_) {
    // The user is signed in either way; a count left behind expires with its window.
    if (auto cleared = throttle_->after_success(*attempt.username); !cleared) {
      count_not_reset = cleared.error();
    }
  }

  // A new session id at every sign-in, and the session the browser carried is
  // ended, so a planted session cannot become the victim's (session fixation,
  // OWASP Session Management Cheat Sheet; RFC 6819 §4.4.1.6 on cookies). If it
  // cannot be ended, the sign-in fails rather than leave it alive.
  auto ended = end_browser_session(sessions_, value(attempt.session_cookie));
  if (!ended) return store_unavailable(ended.error());
  std::string session_id = random_token();
  const int64_t now = clock_.now();
  protocol::Session session{sha256_b64url(session_id), user.subject, random_token(), now,
                            now + settings_.session_ttl};
  auto created = sessions_.create_session(session);
  if (!created) return store_unavailable(created.error());
  audit_.record({"login.succeeded",
                 way.client_id,
                 user.subject,
                 attempt.request_id,
                 attempt.client_address,
                 {{"to", way.to_account ? "account_apps" : "authorize"}}});

  SignInOutcome o = outcome(SignInResult::kSignedIn, way.client);
  o.error = std::move(count_not_reset);
  o.session_id = std::move(session_id);
  if (way.to_account) {
    o.continue_to = "/account/apps";
  } else {
    // The login mark (protocol/prompt.h): this sign-in satisfies the request's
    // prompt=login or max_age, for this session and client only.
    o.continue_to = "/authorize?" + way.query + "&" +
                    encode_form({{protocol::kLoginTimeParam, std::to_string(now)},
                                 {protocol::kLoginMarkParam,
                                  protocol::login_mark(login_mark_key(settings_.master_key),
                                                       session.id_digest, now, way.client_id)}});
  }
  return o;
}

}  // namespace signet::interaction
