// OpenID Connect Core 1.0 §3.1.2.1 authentication request parameters that decide
// what /authorize does with the browser: prompt, max_age, login_hint. The
// decision is a pure function, unit-tested without HTTP or a database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/form.h"
#include "common/result.h"
#include "protocol/error.h"

namespace signet::protocol {

struct PromptParams {
  bool none = false;
  bool login = false;
  bool consent = false;
  std::optional<int64_t> max_age;  // seconds
  std::string login_hint;
  // A login at or after this time satisfies prompt=login and max_age, so that a
  // fresh login on Signet's page is not asked for again. Never read from the
  // request as such: set only from a login mark that verifies (below).
  std::optional<int64_t> login_after;
};

// The login mark: POST /login sends the browser back to /authorize with the
// login time and a MAC over (the new session's id digest, that time, the
// client id) under a key only the server holds. /authorize trusts the time only
// when the MAC verifies for the session cookie it receives, so a time typed
// into the query, or a mark copied from another session or client, counts for
// nothing (OpenID Connect Core 1.0 §3.1.2.1: prompt=login, max_age).
inline constexpr const char* kLoginTimeParam = "signet_login_time";
inline constexpr const char* kLoginMarkParam = "signet_login_mark";
// A mark is followed at once (a 303); an older one is void.
inline constexpr int64_t kLoginMarkLifetime = 120;

// Every parameter Signet adds for itself starts so; one arriving from outside
// is dropped before the login form's way back is built.
bool is_internal_param(std::string_view name);

// base64url(HMAC-SHA256(key, digest "|" time "|" client_id)).
std::string login_mark(std::string_view key, std::string_view session_digest, int64_t login_time,
                       std::string_view client_id);

// The login time of a mark in `query` that verifies for this session and
// client, and is not older than kLoginMarkLifetime; nullopt otherwise.
std::optional<int64_t> verified_login_time(const Params& query, std::string_view key,
                                           std::string_view session_digest,
                                           std::string_view client_id, int64_t now);

// Parses prompt (space-separated; "none" alone; known values none, login,
// consent; select_account is refused as unsupported), max_age (a non-negative
// integer) and login_hint. Errors are invalid_request, safe to redirect.
Result<PromptParams, OAuthError> parse_prompt_params(const Params& query);

// The values advertised in prompt_values_supported.
std::vector<std::string> supported_prompt_values();

struct SessionFacts {
  bool present = false;
  int64_t auth_time = 0;
};

enum class PromptDecision {
  kLogin,    // show the login page
  kConsent,  // show the consent page
  kIssue,    // issue the code and redirect
  kError,    // redirect with `error` (login_required / consent_required)
};

struct PromptOutcome {
  PromptDecision decision = PromptDecision::kLogin;
  OAuthError error;  // with kError: login_required or consent_required
};

// What /authorize does, given the request's prompt parameters, the browser's
// session (if any), whether consent is still needed, and the time now.
PromptOutcome decide(const PromptParams& prompt, const SessionFacts& session, bool consent_needed,
                     int64_t now);

}  // namespace signet::protocol
