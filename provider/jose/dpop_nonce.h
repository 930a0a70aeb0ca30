// Server-provided DPoP nonces (RFC 9449 §9) that need no shared state: the nonce
// of a time window is HMAC-SHA256(secret, window number), so every replica holding
// the secret issues and accepts the same values, and nobody without it can
// predict one. A nonce is accepted in its window and the next, so a client that
// got one just before a window ends has a full window to use it. Shared by
// Signet's token endpoint and the resource library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace signet::jose {

class DpopNonces {
 public:
  // `secret`: at least 32 bytes; `window_seconds` > 0.
  DpopNonces(std::string secret, int64_t window_seconds);

  std::string current(int64_t now) const;                   // base64url, 43 characters
  bool accepts(std::string_view nonce, int64_t now) const;  // this window's or the last one's

 private:
  std::string nonce_of(int64_t window) const;
  int64_t window_of(int64_t now) const;

  std::string secret_;
  int64_t window_seconds_;
};

}  // namespace signet::jose
