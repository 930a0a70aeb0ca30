#include "jose/dpop_nonce.h"

#include <stdexcept>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::jose {

DpopNonces::DpopNonces(std::string secret, int64_t window_seconds)
    : secret_(std::move(secret)), window_seconds_(window_seconds) {
  // Start-up configuration errors: a short secret makes nonces guessable.
  if (secret_.size() < 32) throw std::invalid_argument("DPoP nonce secret: at least 32 bytes");
  if (window_seconds_ <= 0) throw std::invalid_argument("DPoP nonce window: must be positive");
}

int64_t DpopNonces::window_of(int64_t now) const {
  int64_t w = now / window_seconds_;
  return (now < 0 && now % window_seconds_ != 0) ? w - 1 : w;  // floor
}

std::string DpopNonces::nonce_of(int64_t window) const {
  // The label keeps these MACs apart from any other use of the same secret.
  return base64url_encode(hmac_sha256(secret_, "signet dpop nonce " + std::to_string(window)));
}

std::string DpopNonces::current(int64_t now) const { return nonce_of(window_of(now)); }

bool DpopNonces::accepts(std::string_view nonce, int64_t now) const {
  int64_t w = window_of(now);
  // Both compared, in constant time, so timing does not tell which one matched.
  bool current = constant_time_equal(nonce, nonce_of(w));
  bool previous = constant_time_equal(nonce, nonce_of(w - 1));
  return current || previous;
}

}  // namespace signet::jose
