// Sign-in (POST /login): the rules between the sign-in form and a new session,
// in the order they apply. Login CSRF, the way back (`return_to`), throttling
// and account lockout, the password check, the audit trail and session
// rotation live here; http/ parses the form, calls attempt() and turns the
// outcome into the page, the redirect and the cookies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "interaction/password.h"
#include "protocol/audit.h"
#include "protocol/authorize.h"
#include "protocol/error.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"

namespace signet::interaction {

// The return_to of the sign-in form that leads to the connected-apps page; any
// other value is the authorization request's query.
inline constexpr const char* kAccountAppsReturnTo = "account/apps";

// One POST /login: the form's fields (absent when the form lacks them) and
// what the browser carried.
struct SignInAttempt {
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> csrf_token;
  std::optional<std::string> return_to;
  std::optional<std::string> login_csrf_cookie;  // the cookie the sign-in page set
  std::optional<std::string> session_cookie;     // a session the browser already had
  std::string client_address;
  std::string request_id;
};

enum class SignInResult {
  kSignedIn,          // a new session: session_id and continue_to are set
  kCsrfMismatch,      // the form's token is not the one of this browser's cookie
  kIncompleteForm,    // username, password or return_to missing
  kBadReturnTo,       // return_to is no request to go back to; error when it was refused
  kThrottled,         // lockout or address limit: retry_after seconds
  kBadCredentials,    // unknown username, wrong or empty password (one answer for all)
  kStoreUnavailable,  // a store failed: error
};

// The client a sign-in form ends at: its name for the page, and the validated
// redirect URI whose origin the page's CSP allows (both empty for the
// connected-apps page, which stays on Signet).
struct SignInClient {
  std::string client_name;
  std::string redirect_uri;
};

struct SignInOutcome {
  SignInResult result = SignInResult::kStoreUnavailable;
  SignInClient client;
  int64_t retry_after = 0;
  // kStoreUnavailable: the failure; kBadReturnTo: the refusal of the request,
  // if it was refused; kSignedIn: a failed reset of the account's failure
  // count, to be logged (the user is signed in either way).
  std::optional<protocol::OAuthError> error;
  std::string session_id;   // kSignedIn: the new session's id (the cookie's value)
  std::string continue_to;  // kSignedIn: the path under the issuer to go on to
};

struct SignInSettings {
  std::string master_key;  // the login CSRF and login mark keys derive from it
  int64_t session_ttl = 8 * 3600;
};

class SignIn {
 public:
  // `authorize` checks the request a sign-in returns to; `throttle` may be null
  // (no throttling).
  SignIn(SignInSettings settings, protocol::UserStore& users, protocol::SessionStore& sessions,
         const protocol::AuthorizeContext& authorize, protocol::LoginThrottle* throttle,
         const PasswordVerifier& passwords, protocol::AuditSink& audit, const Clock& clock)
      : settings_(std::move(settings)),
        users_(users),
        sessions_(sessions),
        authorize_(authorize),
        throttle_(throttle),
        passwords_(passwords),
        audit_(audit),
        clock_(clock) {}

  SignInOutcome attempt(const SignInAttempt& attempt);

 private:
  struct WayBack;
  std::optional<SignInOutcome> find_way_back(const std::string& return_to, WayBack& way);
  SignInOutcome throttled(const SignInAttempt& attempt, const WayBack& way,
                          const protocol::ThrottleRefusal& refusal);
  SignInOutcome start_session(const SignInAttempt& attempt, const WayBack& way,
                              const protocol::User& user);

  const SignInSettings settings_;
  protocol::UserStore& users_;
  protocol::SessionStore& sessions_;
  const protocol::AuthorizeContext& authorize_;
  protocol::LoginThrottle* throttle_;
  const PasswordVerifier& passwords_;
  protocol::AuditSink& audit_;
  const Clock& clock_;
};

}  // namespace signet::interaction
