#include "interaction/browser_session.h"

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::interaction {
namespace {

// One label per purpose: a value made for one can never pass for another.
constexpr std::string_view kLoginCsrfLabel = "signet login csrf v1";
constexpr std::string_view kSidLabel = "signet sid v1";
constexpr std::string_view kLoginMarkLabel = "signet login mark v1";

std::string keyed(std::string_view master_key, std::string_view label, std::string_view data) {
  return base64url_encode(hmac_sha256(derive_key(master_key, label), data));
}

}  // namespace

protocol::StoreResult<std::optional<protocol::Session>> find_browser_session(
    protocol::SessionStore& sessions, const std::string* cookie_value, int64_t now) {
  if (!cookie_value) return std::optional<protocol::Session>();
  return sessions.find_session(sha256_b64url(*cookie_value), now);
}

protocol::StoreResult<Ok> end_browser_session(protocol::SessionStore& sessions,
                                              const std::string* cookie_value) {
  if (!cookie_value) return Ok{};
  return sessions.delete_session(sha256_b64url(*cookie_value));
}

bool form_matches_session(const protocol::Session& session, const std::string* form_token) {
  return form_token && !form_token->empty() && constant_time_equal(*form_token, session.csrf_token);
}

std::string login_csrf_token(std::string_view master_key, std::string_view cookie_value) {
  return keyed(master_key, kLoginCsrfLabel, cookie_value);
}

bool login_csrf_matches(std::string_view master_key, const std::string* cookie_value,
                        const std::string* form_token) {
  if (!form_token || !cookie_value || form_token->empty() || cookie_value->empty()) return false;
  return constant_time_equal(*form_token, login_csrf_token(master_key, *cookie_value));
}

std::string session_sid(std::string_view master_key, std::string_view session_digest) {
  return keyed(master_key, kSidLabel, session_digest);
}

std::string login_mark_key(std::string_view master_key) {
  return derive_key(master_key, kLoginMarkLabel);
}

}  // namespace signet::interaction
