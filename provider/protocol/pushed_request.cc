#include "protocol/pushed_request.h"

#include <algorithm>
#include <utility>

#include "common/crypto.h"
#include "protocol/prompt.h"

namespace signet::protocol {

Result<PushedRequestUri, OAuthError> push_authorization_request(const Client& client, Params params,
                                                                PushedRequestStore& store,
                                                                const Clock& clock,
                                                                int64_t lifetime_seconds) {
  const int64_t lifetime =
      std::clamp(lifetime_seconds, kMinPushedRequestLifetime, kMaxPushedRequestLifetime);
  // 256 bits from the CSPRNG (RFC 9126 §7.1: the request_uri must not be guessable).
  std::string request_uri = std::string(kRequestUriPrefix) + random_token(32);
  PushedRequest row;
  row.request_uri_digest = sha256_b64url(request_uri);
  row.client_id = client.client_id;
  row.params = std::move(params);
  row.expires_at = clock.now() + lifetime;
  auto saved = store.save_pushed_request(row);
  if (!saved) return fail(std::move(saved.error()));
  return PushedRequestUri{std::move(request_uri), lifetime};
}

Result<Params, OAuthError> pushed_request_params(const Params& query, const Client& client,
                                                 PushedRequestStore& store, const Clock& clock) {
  const std::string* request_uri = find_param(query, "request_uri");
  const auto unknown = [&](std::string detail) {
    return fail(OAuthError::invalid_request_uri(std::move(detail)));
  };
  if (!request_uri || request_uri->rfind(kRequestUriPrefix, 0) != 0) {
    return unknown("not a pushed request_uri");
  }
  auto found = store.find_pushed_request(sha256_b64url(*request_uri), clock.now());
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return unknown("request_uri unknown, spent or expired");
  // RFC 9126 §4: a request_uri works only for the client that pushed it.
  if ((*found)->client_id != client.client_id) {
    return unknown("request_uri pushed by " + (*found)->client_id + ", presented by " +
                   client.client_id);
  }
  Params params = std::move((*found)->params);
  params["client_id"] = client.client_id;
  params["request_uri"] = *request_uri;  // carried through sign-in and consent
  for (const auto& [name, value] : query) {
    if (is_internal_param(name)) params[name] = value;
  }
  return params;
}

}  // namespace signet::protocol
