// Compact JWS verification (jose/jws.cc verify_compact) against a fixed key ring:
// the one path by which Signet parses an untrusted token (access tokens at
// introspection and revocation, id_token_hint at logout).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_fixture.h"
#include "jose/jws.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  const jose::KeyRing& ring = fuzz::key_ring();
  auto v =
      jose::verify_compact(token, [&ring](std::string_view kid) { return ring.find_public(kid); });
  if (v) {
    if (!v->header.is_object() || !v->payload.is_object()) abort();
    (void)v->payload.dump();
  } else if (v.error().code.empty()) {
    abort();
  }
  return 0;
}
