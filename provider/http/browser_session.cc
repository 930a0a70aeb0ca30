#include "http/browser_session.h"

#include <utility>

#include "common/crypto.h"
#include "interaction/browser_session.h"

namespace signet::http {
namespace {

constexpr std::string_view kHostPrefix = "__Host-";
// The cookies' bare names; with an https issuer they carry kHostPrefix.
constexpr const char* kSessionCookie = "signet_session";
constexpr const char* kLoginCsrfCookie = "signet_login_csrf";

std::string cookie_name(const config::Config& config, const char* name) {
  return config.secure_cookies() ? std::string(kHostPrefix) + name : std::string(name);
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
  auto found = interaction::find_browser_session(s.sessions, session_cookie(s, in), s.clock.now());
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
  std::string token = interaction::login_csrf_token(s.config.master_key, value);
  return {std::move(token),
          {login_csrf_cookie_name(s.config), std::move(value), s.config.secure_cookies(), false}};
}

SetCookie login_csrf_cleared(const Services& s) {
  return {login_csrf_cookie_name(s.config), "", s.config.secure_cookies(), true};
}

std::string session_sid(const Services& s, std::string_view session_digest) {
  return interaction::session_sid(s.config.master_key, session_digest);
}

std::string login_mark_key(const Services& s) {
  return interaction::login_mark_key(s.config.master_key);
}

}  // namespace signet::http
