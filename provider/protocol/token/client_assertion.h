// private_key_jwt client authentication (RFC 7523 §2.2 and §3, OpenID Connect
// Core §9, FAPI 2.0 Security Profile §5.3.2.1): the client signs a short JWT
// with a key it registered, and the server checks it and uses its jti once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "jose/key.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/stores.h"

namespace signet::protocol {

// RFC 7523 §2.2: the client_assertion_type of a JWT assertion.
inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// A client assertion's jti, used once (RFC 7523 §3 item 7) on every replica.
class AssertionReplayStore {
 public:
  virtual ~AssertionReplayStore() = default;
  // Records `jti` of `client_id` until `expires_at`; false when it was already
  // recorded and has not expired (a replay).
  virtual StoreResult<bool> use_assertion_jti(std::string_view client_id, std::string_view jti,
                                              int64_t expires_at, int64_t now) = 0;
};

// A client's registered public keys.
using ClientKeys = std::vector<jose::PublicKey>;

// Fetches the JWKS a client publishes at its jwks_uri (an adapter: bounded in
// time and size, and never to a private address unless configured). Refuses
// with would_block where waiting is forbidden (common/blocking.h).
class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  virtual Result<std::string, OAuthError> fetch_jwks(const std::string& uri) = 0;
};

// Where the keys of a private_key_jwt client come from: its inline `jwks`,
// parsed once per registration, or its `jwks_uri`, fetched and kept for
// `cache_seconds`, and fetched again on an unknown kid at most every
// `min_refetch_seconds` (so a client rotating its key is seen at once, and an
// attacker sending random kids cannot make Signet a load generator).
class ClientKeySource {
 public:
  ClientKeySource(JwksFetcher& fetcher, const Clock& clock, int64_t cache_seconds = 300,
                  int64_t min_refetch_seconds = 60)
      : fetcher_(fetcher),
        clock_(clock),
        cache_seconds_(cache_seconds),
        min_refetch_seconds_(min_refetch_seconds) {}

  Result<std::shared_ptr<const ClientKeys>, OAuthError> keys_for(const Client& client);
  // After an unknown kid: the keys fetched again, when the client's keys come
  // from a jwks_uri and the last fetch is old enough; else nullptr.
  Result<std::shared_ptr<const ClientKeys>, OAuthError> refetch_for(const Client& client);

 private:
  struct Entry {
    std::string source;  // the registration these keys come from (jwks text or jwks_uri)
    std::shared_ptr<const ClientKeys> keys;
    int64_t fetched_at = 0;
  };
  Result<std::shared_ptr<const ClientKeys>, OAuthError> fetch(const Client& client);

  JwksFetcher& fetcher_;
  const Clock& clock_;
  const int64_t cache_seconds_;
  const int64_t min_refetch_seconds_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> by_client_;
};

// Checks a JWKS as a client registers it: an object with a non-empty "keys"
// array of public keys Signet can verify with, each with a distinct kid. ""
// when it is acceptable, else why not (for the CLI's one-line error).
std::string check_client_jwks(const std::string& jwks_text);

struct ClientAssertionRules {
  std::string issuer;             // the one accepted `aud`, as a string
  int64_t max_lifetime = 300;     // `exp` at most this many seconds ahead
  int64_t future_tolerance = 10;  // `iat` and `nbf` at most this many seconds ahead
};

class ClientAssertionVerifier {
 public:
  ClientAssertionVerifier(ClientAssertionRules rules, ClientKeySource& keys,
                          AssertionReplayStore& replay, const Clock& clock)
      : rules_(std::move(rules)), keys_(keys), replay_(replay), clock_(clock) {}

  // The client an assertion names (its `iss`), unverified: only to find the
  // client whose keys verify it. "" when the assertion is not a readable JWT.
  static std::string asserted_client_id(std::string_view assertion);

  // Every check of RFC 7523 §3 for `client` (a private_key_jwt client): the
  // signature by one of its keys with ES256, PS256 or EdDSA (its registered
  // token_endpoint_auth_signing_alg, if any); iss = sub = client_id; aud the
  // issuer as a string; exp present, in the future, at most max_lifetime ahead;
  // iat and nbf at most future_tolerance ahead; jti present and unused. Every
  // refusal is invalid_client with one public description.
  Result<Ok, OAuthError> verify(std::string_view assertion, const Client& client);

 private:
  const ClientAssertionRules rules_;
  ClientKeySource& keys_;
  AssertionReplayStore& replay_;
  const Clock& clock_;
};

}  // namespace signet::protocol
