// The browser's state at Signet on the wire: the session cookie and the
// sign-in form's CSRF cookie, read from a request and written to an answer.
// What they mean (the live session, whether a form matches) is decided in
// interaction/browser_session.h.
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
// The session-cookie look-up of every page and form.
std::optional<protocol::Session> current_session(Services& s, const Incoming& in,
                                                 std::optional<protocol::OAuthError>& error);
SetCookie session_cookie_set(const Services& s, std::string value);
SetCookie session_cookie_cleared(const Services& s);

// Login CSRF (RFC 6749 §10.12, interaction/browser_session.h): the cookie
// holds a random value and the sign-in form carries a MAC of it.
struct LoginCsrf {
  std::string form_token;
  SetCookie cookie;
};
// The pair for a sign-in page, keeping the browser's cookie while it lives.
LoginCsrf login_csrf(const Services& s, const Incoming& in);
SetCookie login_csrf_cleared(const Services& s);

// OpenID Connect `sid` of a session (interaction/browser_session.h).
std::string session_sid(const Services& s, std::string_view session_digest);

// The key of the login mark (protocol/prompt.h).
std::string login_mark_key(const Services& s);

}  // namespace signet::http
