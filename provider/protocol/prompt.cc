// prompt, max_age and login_hint (OpenID Connect Core 1.0 §3.1.2.1, §3.1.2.6).
#include "protocol/prompt.h"

#include <sstream>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::protocol {
namespace {

std::optional<int64_t> parse_non_negative(const std::string& s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Result<PromptParams, OAuthError> parse_prompt_params(const Params& query) {
  PromptParams p;
  if (const std::string* prompt = find_param(query, "prompt")) {
    std::istringstream words(*prompt);
    int count = 0;
    for (std::string w; words >> w; ++count) {
      if (w == "none") {
        p.none = true;
      } else if (w == "login") {
        p.login = true;
      } else if (w == "consent") {
        p.consent = true;
      } else {
        return fail(OAuthError::invalid_request("The prompt value is not supported.", "prompt " + w)
                        .redirect());
      }
    }
    if (p.none && count > 1) {
      return fail(OAuthError::invalid_request("prompt=none cannot be combined with other values.")
                      .redirect());
    }
  }
  if (const std::string* max_age = find_param(query, "max_age")) {
    p.max_age = parse_non_negative(*max_age);
    if (!p.max_age) {
      return fail(
          OAuthError::invalid_request("max_age must be a non-negative integer.").redirect());
    }
  }
  if (const std::string* hint = find_param(query, "login_hint")) {
    if (hint->size() <= 256) p.login_hint = *hint;
  }
  return p;
}

bool is_internal_param(std::string_view name) { return name.rfind("signet_", 0) == 0; }

std::string login_mark(std::string_view key, std::string_view session_digest, int64_t login_time,
                       std::string_view client_id) {
  std::string data(session_digest);
  data += '|';
  data += std::to_string(login_time);
  data += '|';
  data += client_id;
  return base64url_encode(hmac_sha256(key, data));
}

std::optional<int64_t> verified_login_time(const Params& query, std::string_view key,
                                           std::string_view session_digest,
                                           std::string_view client_id, int64_t now) {
  const std::string* time = find_param(query, kLoginTimeParam);
  const std::string* mark = find_param(query, kLoginMarkParam);
  if (!time || !mark) return std::nullopt;
  auto t = parse_non_negative(*time);
  // Either way within the lifetime: replicas' clocks differ a little.
  if (!t || *t > now + kLoginMarkLifetime || now - *t > kLoginMarkLifetime) return std::nullopt;
  if (!constant_time_equal(*mark, login_mark(key, session_digest, *t, client_id))) {
    return std::nullopt;
  }
  return t;
}

std::vector<std::string> supported_prompt_values() { return {"none", "login", "consent"}; }

PromptOutcome decide(const PromptParams& prompt, const SessionFacts& session, bool consent_needed,
                     int64_t now) {
  bool authenticated = session.present;
  if (authenticated) {
    // A login on Signet's page after this request began satisfies everything.
    const bool fresh_login = prompt.login_after && session.auth_time >= *prompt.login_after;
    if (!fresh_login) {
      if (prompt.login) authenticated = false;
      if (prompt.max_age && now - session.auth_time > *prompt.max_age) authenticated = false;
    }
  }
  if (!authenticated) {
    if (prompt.none) return {PromptDecision::kError, OAuthError::login_required()};
    return {PromptDecision::kLogin, {}};
  }
  if (consent_needed || prompt.consent) {
    if (prompt.none) return {PromptDecision::kError, OAuthError::consent_required()};
    return {PromptDecision::kConsent, {}};
  }
  return {PromptDecision::kIssue, {}};
}

}  // namespace signet::protocol
