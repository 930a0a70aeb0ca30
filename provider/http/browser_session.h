// The browser's state at Signet: the session cookie, the sign-in form's CSRF
// cookie, and what is derived from them under keys derived from the master key
// (the same on every replica).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"
#include "protocol/model.h"

namespace signet::http {

// Cookie names. With an https issuer they carry the __Host- prefix (RFC 6265bis
// §4.1.3.2): a browser keeps such a cookie only when it is Secure, Path=/ and
// has no Domain, so a sibling subdomain cannot plant or overwrite it. A plain
// http loopback issuer keeps the bare names (browsers refuse __Host- without
// Secure).
std::string session_cookie_name(const config::Config& config);
std::string login_csrf_cookie_name(const config::Config& config);

// The session cookie's value, when one of a plausible size was sent.
const std::string* session_cookie(const Services& s, const Incoming& in);
// The browser's live session, if any; `error` is set when the store failed.
std::optional<protocol::Session> current_session(Services& s, const Incoming& in,
                                                 std::optional<protocol::OAuthError>& error);
SetCookie session_cookie_set(const Services& s, std::string value);
SetCookie session_cookie_cleared(const Services& s);

// Login CSRF (RFC 6749 §10.12): the cookie holds a random value and the form
// carries HMAC(key, that value), so a cookie planted with a value of the
// attacker's choosing cannot be paired with a form token of their choosing
// (a plain double-submit would accept cookie=X, csrf_token=X).
struct LoginCsrf {
  std::string form_token;
  SetCookie cookie;
};
// The pair for a sign-in page, keeping the browser's cookie while it lives.
LoginCsrf login_csrf(const Services& s, const Incoming& in);
// Whether the form's token belongs to the browser's cookie.
bool login_csrf_matches(const Services& s, const Incoming& in, const std::string* form_token);
SetCookie login_csrf_cleared(const Services& s);

// OpenID Connect `sid` of a session: HMAC of its id digest, so the value an RP
// sees reveals neither the cookie nor the stored digest (Front-Channel Logout
// 1.0 §3, RP-Initiated Logout 1.0 §2).
std::string session_sid(const Services& s, std::string_view session_digest);

// The key of the login mark (protocol/prompt.h).
std::string login_mark_key(const Services& s);

}  // namespace signet::http
