// DPoP proofs at Signet's own endpoints (RFC 9449 §5 at /token, §10.1 at /par):
// jose::verify_dpop_proof for this server's URL of the endpoint, the jti used
// once across replicas, and server nonces (§8) that every replica issues and
// accepts without shared state (jose/dpop_nonce.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "jose/dpop.h"
#include "jose/dpop_nonce.h"
#include "protocol/error.h"
#include "protocol/stores.h"

namespace signet::protocol {

// A proof's jti, used once per key (RFC 9449 §11.1) on every replica.
class DpopReplayStore {
 public:
  virtual ~DpopReplayStore() = default;
  // false when (jkt, jti) was already recorded and has not expired (a replay).
  virtual StoreResult<bool> use_dpop_jti(std::string_view jkt, std::string_view jti,
                                         int64_t expires_at, int64_t now) = 0;
};

struct DpopSettings {
  std::string issuer;  // the endpoints' URLs are issuer + path
  // Nonces on when a secret is given (32 bytes or more), in windows of
  // `nonce_window_seconds` (a nonce is good in its window and the next).
  std::string nonce_secret = {};
  int64_t nonce_window_seconds = 300;
  int64_t max_age_seconds = 60;  // a proof's iat at most this far in the past
};

// The algorithms Signet accepts in a proof (FAPI 2.0 Security Profile §5.4.1).
inline constexpr const char* kDpopSigningAlgs[] = {"ES256", "PS256", "EdDSA"};

class DpopProofs {
 public:
  DpopProofs(DpopSettings settings, DpopReplayStore& replay, const Clock& clock);

  // The key a request's proof binds (its RFC 7638 thumbprint), or nullopt when
  // the request carries no proof. `path` is the endpoint ("/token", "/par").
  // Refusals: invalid_dpop_proof (400), or use_dpop_nonce (400, carrying the
  // nonce to use) when nonces are on and the proof lacks the current one.
  Result<std::optional<std::string>, OAuthError> verify(const std::optional<std::string>& proof,
                                                        std::string_view path);
  // The same at an endpoint that takes an access token (RFC 9449 §7.1, e.g.
  // /grants/{id}): htm must be `method`, and ath the hash of `access_token`.
  Result<std::optional<std::string>, OAuthError> verify(const std::optional<std::string>& proof,
                                                        std::string_view path,
                                                        std::string_view method,
                                                        std::string_view access_token);

  // The nonce to hand out now ("" when nonces are off): sent with every answer
  // of a DPoP request so that clients keep a fresh one (§8.2).
  std::string current_nonce() const;

 private:
  const DpopSettings settings_;
  DpopReplayStore& replay_;
  const Clock& clock_;
  std::optional<jose::DpopNonces> nonces_;
};

}  // namespace signet::protocol
