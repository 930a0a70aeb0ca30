// OpenID Connect Core 1.0 §3.1.2.1 authentication request parameters that decide
// what /authorize does with the browser: prompt, max_age, login_hint. The
// decision is a pure function, unit-tested without HTTP or a database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
  // Set by Signet on the way back from its own login page (never trusted for
  // more than this): a session authenticated at or after this time satisfies
  // prompt=login and max_age, so that a fresh login is not asked for again.
  std::optional<int64_t> login_after;
};

// The parameter that carries login_after through the login form's return_to.
inline constexpr const char* kLoginAfterParam = "signet_login_after";

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
  std::string error;  // with kError
};

// What /authorize does, given the request's prompt parameters, the browser's
// session (if any), whether consent is still needed, and the time now.
PromptOutcome decide(const PromptParams& prompt, const SessionFacts& session, bool consent_needed,
                     int64_t now);

}  // namespace signet::protocol
