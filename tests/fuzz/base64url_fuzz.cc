// Base64url (JOSE, RFC 7515 §2) and base64 (HTTP Basic) decoding (common/base64url.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/base64url.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // Strict: one byte string has exactly one accepted encoding, so whatever decodes
  // re-encodes to the very same text.
  if (auto bytes = base64url_decode(in)) {
    if (base64url_encode(*bytes) != in) abort();
  }
  if (auto bytes = base64url_encode(in); base64url_decode(bytes) != in) abort();

  (void)base64_decode(in);
  if (base64_decode(base64_encode(in)) != in) abort();
  return 0;
}
