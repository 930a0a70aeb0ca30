// The browser's state at Signet as decisions: which live session a cookie
// names, whether a form comes from a page Signet showed this browser (CSRF),
// and the values derived from it under keys derived from the master key (the
// same on every replica). The cookies' wire details (names, attributes, which
// values are plausible) stay in http/browser_session.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/model.h"
#include "protocol/stores.h"

namespace signet::interaction {

// The live session a session cookie's value names; none without a cookie
// (nullptr) or when it names no live session.
protocol::StoreResult<std::optional<protocol::Session>> find_browser_session(
    protocol::SessionStore& sessions, const std::string* cookie_value, int64_t now);

// Ends the session a session cookie's value names (nothing to do without one).
protocol::StoreResult<Ok> end_browser_session(protocol::SessionStore& sessions,
                                              const std::string* cookie_value);

// CSRF of the forms shown in a session (consent, connected apps, logout): the
// form carries the session's own random token, which a cross-site page cannot
// read (RFC 6749 §10.12).
bool form_matches_session(const protocol::Session& session, const std::string* form_token);

// Login CSRF (RFC 6749 §10.12): before sign-in there is no session, so the
// cookie holds a random value and the form carries HMAC(key, that value); a
// cookie planted with a value of the attacker's choosing cannot be paired with
// a form token of their choosing (a plain double-submit would accept cookie=X,
// csrf_token=X).
std::string login_csrf_token(std::string_view master_key, std::string_view cookie_value);
// Whether the form's token belongs to the browser's login CSRF cookie.
bool login_csrf_matches(std::string_view master_key, const std::string* cookie_value,
                        const std::string* form_token);

// OpenID Connect `sid` of a session: HMAC of its id digest, so the value an RP
// sees reveals neither the cookie nor the stored digest (Front-Channel Logout
// 1.0 §3, RP-Initiated Logout 1.0 §2).
std::string session_sid(std::string_view master_key, std::string_view session_digest);

// The key of the login mark (protocol/prompt.h).
std::string login_mark_key(std::string_view master_key);

}  // namespace signet::interaction
