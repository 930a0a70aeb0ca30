#include "protocol/token/dpop_proof.h"

#include <utility>

namespace signet::protocol {

DpopProofs::DpopProofs(DpopSettings settings, DpopReplayStore& replay, const Clock& clock)
    : settings_(std::move(settings)), replay_(replay), clock_(clock) {
  if (!settings_.nonce_secret.empty()) {
    nonces_.emplace(settings_.nonce_secret, settings_.nonce_window_seconds);
  }
}

std::string DpopProofs::current_nonce() const {
  return nonces_ ? nonces_->current(clock_.now()) : std::string();
}

Result<std::optional<std::string>, OAuthError> DpopProofs::verify(
    const std::optional<std::string>& proof, std::string_view path) {
  return verify(proof, path, "POST", {});
}

Result<std::optional<std::string>, OAuthError> DpopProofs::verify(
    const std::optional<std::string>& proof, std::string_view path, std::string_view method,
    std::string_view access_token) {
  if (!proof) return std::optional<std::string>();
  const int64_t now = clock_.now();
  const std::string url = settings_.issuer + std::string(path);
  jose::DpopCheck check;
  check.method = method;
  check.url = url;
  check.now = now;
  check.max_age_seconds = settings_.max_age_seconds;
  if (!access_token.empty()) check.access_token = access_token;
  auto verified = jose::verify_dpop_proof(*proof, check);
  if (!verified) {
    return fail(
        OAuthError::invalid_dpop_proof(std::string("proof refused: ") +
                                       std::string(jose::dpop_fault_name(verified.error().fault))));
  }
  // §8: a nonce of this window or the last one, else the client retries with ours.
  if (nonces_ && (!verified->nonce || !nonces_->accepts(*verified->nonce, now))) {
    return fail(OAuthError::use_dpop_nonce(nonces_->current(now)));
  }
  // §11.1: the proof is good once; kept until its iat leaves the accepted window.
  auto fresh = replay_.use_dpop_jti(verified->jkt, verified->jti,
                                    verified->iat + settings_.max_age_seconds + 5, now);
  if (!fresh) return fail(std::move(fresh.error()));
  if (!*fresh) return fail(OAuthError::invalid_dpop_proof("proof jti replayed"));
  return std::optional<std::string>(std::move(verified->jkt));
}

}  // namespace signet::protocol
