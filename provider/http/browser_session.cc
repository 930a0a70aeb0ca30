#include "http/browser_session.h"

#include <utility>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::http {
namespace {

// One label per purpose: a value made for one can never pass for another.
constexpr std::string_view kLoginCsrfLabel = "signet login csrf v1";
constexpr std::string_view kSidLabel = "signet sid v1";
constexpr std::string_view kLoginMarkLabel = "signet login mark v1";
constexpr std::string_view kHostPrefix = "__Host-";
// The cookies' bare names; with an https issuer they carry kHostPrefix.
constexpr const char* kSessionCookie = "signet_session";
constexpr const char* kLoginCsrfCookie = "signet_login_csrf";

std::string cookie_name(const config::Config& config, const char* name) {
  return config.secure_cookies() ? std::string(kHostPrefix) + name : std::string(name);
}

std::string keyed(const Services& s, std::string_view label, std::string_view data) {
  return base64url_encode(hmac_sha256(derive_key(s.config.master_key, label), data));
}

}  // namespace

std::string session_cookie_name(const config::Config& config) {
  return cookie_name(config, kSessionCookie);
}

std::string login_csrf_cookie_name(const config::Config& config) {
  return cookie_name(config, kLoginCsrfCookie);
}

const std::string* session_cookie(const Services& s, const Incoming& in) {
  const std::string* id = in.cookie(session_cookie_name(s.config));
  if (!id || id->empty() || id->size() > 128) return nullptr;
  return id;
}

std::optional<protocol::Session> current_session(Services& s, const Incoming& in,
                                                 std::optional<protocol::OAuthError>& error) {
  const std::string* id = session_cookie(s, in);
  if (!id) return std::nullopt;
  auto found = s.sessions.find_session(sha256_b64url(*id), s.clock.now());
  if (!found) {
    error = found.error();
    return std::nullopt;
  }
  return *found;
}

SetCookie session_cookie_set(const Services& s, std::string value) {
  return {session_cookie_name(s.config), std::move(value), s.config.secure_cookies(), false};
}

SetCookie session_cookie_cleared(const Services& s) {
  return {session_cookie_name(s.config), "", s.config.secure_cookies(), true};
}

LoginCsrf login_csrf(const Services& s, const Incoming& in) {
  const std::string* existing = in.cookie(login_csrf_cookie_name(s.config));
  std::string value = existing && existing->size() == 43 ? *existing : random_token();
  std::string token = keyed(s, kLoginCsrfLabel, value);
  return {std::move(token),
          {login_csrf_cookie_name(s.config), std::move(value), s.config.secure_cookies(), false}};
}

bool login_csrf_matches(const Services& s, const Incoming& in, const std::string* form_token) {
  const std::string* cookie = in.cookie(login_csrf_cookie_name(s.config));
  if (!form_token || !cookie || form_token->empty() || cookie->empty()) return false;
  return constant_time_equal(*form_token, keyed(s, kLoginCsrfLabel, *cookie));
}

SetCookie login_csrf_cleared(const Services& s) {
  return {login_csrf_cookie_name(s.config), "", s.config.secure_cookies(), true};
}

std::string session_sid(const Services& s, std::string_view session_digest) {
  return keyed(s, kSidLabel, session_digest);
}

std::string login_mark_key(const Services& s) {
  return derive_key(s.config.master_key, kLoginMarkLabel);
}

}  // namespace signet::http
