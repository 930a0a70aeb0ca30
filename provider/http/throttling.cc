#include "http/throttling.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "common/form.h"

namespace signet::http {
namespace {

// The client of the sign-in form (its return_to carries the authorization
// request, already validated by handle_login); "" for the account pages.
std::string login_client_id(const Incoming& in) {
  auto form = parse_form(in.body);
  if (!form) return {};
  const std::string* return_to = find_param(*form, "return_to");
  if (!return_to) return {};
  auto params = parse_form(*return_to);
  if (!params) return {};
  const std::string* id = find_param(*params, "client_id");
  return id ? *id : std::string();
}

void audit_throttled(Services& s, const Incoming& in, std::string client_id, std::string subject,
                     const char* limit) {
  s.audit->record({"throttled",
                   std::move(client_id),
                   std::move(subject),
                   in.request_id,
                   in.client_address,
                   {{"limit", limit}}});
}

Result<int64_t, protocol::OAuthError> refused_login(
    Services& s, const Incoming& in, const std::string& username,
    protocol::StoreResult<std::optional<protocol::ThrottleRefusal>> r) {
  if (!r) return fail(std::move(r.error()));
  if (!*r) return int64_t{0};
  // The rule of login.failed: the subject (and the username) only when the
  // typed text names a user; otherwise it may be a password typed in the wrong
  // field, and nothing of it is kept. A failed look-up records no subject.
  std::string subject;
  nlohmann::json detail = {{"limit", (*r)->limit}};
  if (auto user = s.users.find_user_by_username(username); user && *user) {
    subject = (*user)->subject;
    detail["username"] = (*user)->username;
  }
  s.audit->record({"throttled", login_client_id(in), std::move(subject), in.request_id,
                   in.client_address, std::move(detail)});
  return (*r)->retry_after;
}

}  // namespace

Result<int64_t, protocol::OAuthError> login_wait(Services& s, const Incoming& in,
                                                 const std::string& username) {
  if (!s.throttles.login) return int64_t{0};
  return refused_login(s, in, username,
                       s.throttles.login->before_attempt(username, in.client_address));
}

Result<int64_t, protocol::OAuthError> login_failed(Services& s, const Incoming& in,
                                                   const std::string& username) {
  if (!s.throttles.login) return int64_t{0};
  return refused_login(s, in, username,
                       s.throttles.login->after_failure(username, in.client_address));
}

void login_succeeded(Services& s, const std::string& username) {
  if (!s.throttles.login) return;
  // The user is signed in either way; a count left behind expires with its window.
  if (auto r = s.throttles.login->after_success(username); !r)
    log_error("login_throttle", r.error());
}

std::string too_many_attempts(int64_t wait_seconds) {
  const int64_t minutes = (wait_seconds + 59) / 60;
  return "Too many sign-in attempts. Try again in " + std::to_string(minutes) +
         (minutes == 1 ? " minute." : " minutes.");
}

std::optional<Answer> refuse_token_address(Services& s, const Incoming& in,
                                           const protocol::TokenRequest& request) {
  auto* limit = s.throttles.client_auth_failures;
  if (!limit || !limit->enabled()) return std::nullopt;
  const int64_t wait = limit->wait(in.client_address);
  if (wait == 0) return std::nullopt;
  audit_throttled(s, in, protocol::presented_client_id(request), "", "address");
  return oauth_error_json(protocol::slow_down(wait));
}

void after_token_error(Services& s, const Incoming& in, const protocol::TokenRequest& request,
                       const protocol::OAuthError& error) {
  if (error.code == "invalid_client") {
    if (auto* limit = s.throttles.client_auth_failures) limit->record_failure(in.client_address);
  } else if (error.status == 429) {
    audit_throttled(s, in, protocol::presented_client_id(request), "", "client");
  }
}

}  // namespace signet::http
