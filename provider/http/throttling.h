// Throttling at the HTTP edge (protocol/throttle.h holds the rules): what
// /login and /token ask before and after their work, and the "throttled"
// audit event for every refusal. Each check is off when its limit is unset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/token_request.h"

namespace signet::http {

// /login, before the password is verified: seconds to wait (0: go on).
Result<int64_t, protocol::OAuthError> login_wait(Services& s, const Incoming& in,
                                                 const std::string& username);
// /login, after a wrong password or an unknown username: counts the failure;
// the wait when it started a lockout (0: none).
Result<int64_t, protocol::OAuthError> login_failed(Services& s, const Incoming& in,
                                                   const std::string& username);
// /login, after a correct password: the account's count starts again.
void login_succeeded(Services& s, const std::string& username);
// The message of the 429 sign-in page.
std::string too_many_attempts(int64_t wait_seconds);

// /token, before the request is handled: 429 slow_down when the caller's
// address failed client authentication too often.
std::optional<Answer> refuse_token_address(Services& s, const Incoming& in,
                                           const protocol::TokenRequest& request);
// /token, after an error: counts failed client authentication per address and
// audits a client over its rate.
void after_token_error(Services& s, const Incoming& in, const protocol::TokenRequest& request,
                       const protocol::OAuthError& error);

}  // namespace signet::http
