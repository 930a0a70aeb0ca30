// Pushed Authorization Requests (RFC 9126): the client sends the authorization
// request's parameters straight to the server (POST /par, authenticated) and
// gets back a short-lived request_uri; the browser then carries only client_id
// and request_uri, so nothing of the request can be read or changed on the way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/form.h"
#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/stores.h"

namespace signet::protocol {

// RFC 9126 §2.2: the request_uri is a URN the server minted.
inline constexpr std::string_view kRequestUriPrefix = "urn:ietf:params:oauth:request_uri:";

// Lifetimes: RFC 9126 §2.2 ("short"), FAPI 2.0 Security Profile §5.3.2.2 item 6
// (expires_in below 600 s); under 30 s a customer reading the sign-in page could lose it.
inline constexpr int64_t kMinPushedRequestLifetime = 30;
inline constexpr int64_t kMaxPushedRequestLifetime = 599;

// A pushed request as stored: only the digest of its request_uri.
struct PushedRequest {
  std::string request_uri_digest;  // sha256_b64url(request_uri)
  std::string client_id;
  Params params;  // the authorization request's parameters, checked when pushed
  int64_t expires_at = 0;
};

class PushedRequestStore {
 public:
  virtual ~PushedRequestStore() = default;
  virtual StoreResult<Ok> save_pushed_request(const PushedRequest& request) = 0;
  // The request with this digest while it is neither spent nor expired at `now`.
  virtual StoreResult<std::optional<PushedRequest>> find_pushed_request(std::string_view digest,
                                                                        int64_t now) = 0;
  // Marks the request spent (an authorization that ended in a refusal or a
  // denial). Issuing a code spends it in the code's own transaction instead
  // (AuthorizationCode::request_uri_digest).
  virtual StoreResult<Ok> spend_pushed_request(std::string_view digest, int64_t now) = 0;
};

// What POST /par answers (RFC 9126 §2.2).
struct PushedRequestUri {
  std::string request_uri;
  int64_t expires_in = 0;
};

// Stores the already validated parameters of `client`'s authorization request
// and returns the request_uri that stands for them.
Result<PushedRequestUri, OAuthError> push_authorization_request(const Client& client, Params params,
                                                                PushedRequestStore& store,
                                                                const Clock& clock,
                                                                int64_t lifetime_seconds);

// The parameters behind a request_uri, for /authorize (RFC 9126 §4): only for
// the client it was pushed by, once, before it expires. Signet's own marks
// (prompt.h, "signet_*") come from `query`: sign-in adds them on the way back.
// Every other parameter of `query` is ignored: the pushed ones are the request.
// Refusals are never redirected (the redirect URI is part of what was pushed).
Result<Params, OAuthError> pushed_request_params(const Params& query, const Client& client,
                                                 PushedRequestStore& store, const Clock& clock);

}  // namespace signet::protocol
