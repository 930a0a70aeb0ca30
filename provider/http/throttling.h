// Throttling at the HTTP edge (protocol/throttle.h holds the rules): what
// /token asks before and after its work, and the "throttled" audit event for
// every refusal; the text of the sign-in page's refusal (sign-in itself asks
// its throttle in interaction/sign_in.h). Each check is off when its limit is unset.
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
