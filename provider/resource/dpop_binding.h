// The proof-of-possession check of a DPoP-bound access token at a resource
// (RFC 9449 §7.1), run on every request, after the token itself is verified (or
// found in the verified-token cache): the proof is never cached. Internal to
// signet_resource.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "jose/dpop_nonce.h"
#include "resource/dpop_replay_cache.h"
#include "resource/resource_server.h"

namespace signet::resource {

class DpopBinding {
 public:
  DpopBinding(const DpopOptions& options, std::shared_ptr<const Clock> clock);

  // `token` came with the DPoP scheme and verified as `at`. Refuses, in order: a
  // token without cnf.jkt (invalid_token: the DPoP scheme claims a binding it does
  // not have); no proof, or more than one (invalid_dpop_proof); a proof
  // jose::verify_dpop_proof refuses for this method, URL, token and time
  // (invalid_dpop_proof); a missing or stale nonce when nonces are on
  // (use_dpop_nonce, with a fresh one); a proof by a key other than cnf.jkt's
  // (invalid_token, §7.1); a jti this key already used (invalid_dpop_proof), or a
  // full replay cache. Errors carry scheme kDpop; the caller sets the realm.
  Status<AuthError> check(const ProtectedRequest& request, std::string_view token,
                          const AccessToken& at);

  // The nonce to hand out now; empty when nonces are off.
  std::string nonce() const;

 private:
  DpopOptions options_;
  std::shared_ptr<const Clock> clock_;
  DpopReplayCache replay_;
  std::optional<jose::DpopNonces> nonces_;
};

}  // namespace signet::resource
