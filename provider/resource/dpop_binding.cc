#include "resource/dpop_binding.h"

#include "common/crypto.h"
#include "jose/dpop.h"

namespace signet::resource {
namespace {

AuthError dpop_error(AuthErrorKind kind, std::string description) {
  AuthError e;
  e.kind = kind;
  e.scheme = AuthScheme::kDpop;
  e.description = std::move(description);
  return e;
}

}  // namespace

DpopBinding::DpopBinding(const DpopOptions& options, std::shared_ptr<const Clock> clock)
    : options_(options), clock_(std::move(clock)), replay_(options.replay_cache_max_entries) {
  if (!options_.nonce_secret.empty()) {
    nonces_.emplace(options_.nonce_secret, options_.nonce_window_seconds);
  }
}

std::string DpopBinding::nonce() const { return nonces_ ? nonces_->current(clock_->now()) : ""; }

Status<AuthError> DpopBinding::check(const ProtectedRequest& request, std::string_view token,
                                     const AccessToken& at) {
  // RFC 9449 §7.1 speaks of DPoP-bound tokens only: a bearer token sent under
  // the DPoP scheme is refused rather than silently taken as a bearer token, so a
  // client that believes its token is bound learns at once that it is not.
  if (!at.jkt) {
    return fail(dpop_error(AuthErrorKind::kInvalidToken, "the token is not DPoP-bound"));
  }
  // §4.3 step 1: exactly one DPoP header. A comma cannot occur in a compact JWS;
  // it is how a proxy joins two header lines into one (RFC 9110 §5.3).
  if (request.dpop.empty()) {
    return fail(dpop_error(AuthErrorKind::kInvalidDpopProof, "DPoP proof required"));
  }
  if (request.dpop.size() > 1 || request.dpop.front().find(',') != std::string_view::npos) {
    return fail(dpop_error(AuthErrorKind::kInvalidDpopProof, "exactly one DPoP proof required"));
  }

  const int64_t now = clock_->now();
  jose::DpopCheck check;
  check.method = request.method;
  check.url = request.url;
  check.now = now;
  check.max_age_seconds = options_.max_age_seconds;
  check.max_future_seconds = options_.max_future_seconds;
  check.access_token = token;  // §4.3 step 12: ath must be this token's hash
  // The nonce is checked below, against two windows' values.
  auto proof = jose::verify_dpop_proof(request.dpop.front(), check);
  if (!proof) {
    return fail(dpop_error(
        AuthErrorKind::kInvalidDpopProof,
        "invalid DPoP proof: " + std::string(jose::dpop_fault_name(proof.error().fault))));
  }

  // §9: a proof without a nonce of this window or the last gets a fresh one.
  if (nonces_ && (!proof->nonce || !nonces_->accepts(*proof->nonce, now))) {
    AuthError e = dpop_error(AuthErrorKind::kUseDpopNonce, "a fresh DPoP nonce is required");
    e.dpop_nonce = nonces_->current(now);
    return fail(std::move(e));
  }

  // §7.1: the proof's key must be the one the token is bound to.
  if (!constant_time_equal(proof->jkt, *at.jkt)) {
    return fail(dpop_error(AuthErrorKind::kInvalidToken, "invalid DPoP key binding"));
  }

  // §11.1: last, so that only proofs otherwise good (by the token's own key)
  // take room in the cache.
  switch (replay_.admit(proof->jkt, proof->jti, proof->iat + options_.max_age_seconds, now)) {
    case ReplayVerdict::kFirstUse:
      return Ok{};
    case ReplayVerdict::kReplayed:
      return fail(dpop_error(AuthErrorKind::kInvalidDpopProof, "DPoP proof replayed"));
    case ReplayVerdict::kFull:
      break;
  }
  return fail(dpop_error(AuthErrorKind::kInvalidDpopProof,
                         "too many DPoP proofs in the window; retry later"));
}

}  // namespace signet::resource
