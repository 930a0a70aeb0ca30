// The resource-server library's token path (resource/): the Authorization header
// (RFC 6750 §2.1 bearer parsing) and TokenVerifier's checks of an RFC 9068 access
// token, against the fixed keys served by an in-process JWKS (no network).
// Input: the raw Authorization header value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "fuzz_fixture.h"
#include "resource/resource_server.h"

using namespace signet;

namespace {

resource::TokenVerifier& verifier() {
  static resource::TokenVerifier* v = [] {
    resource::VerifierOptions o;
    o.issuer = fuzz::kIssuer;
    o.audience = fuzz::kAudience;
    o.jwks_uri = fuzz::kJwksUrl;
    const std::string jwks = fuzz::key_ring().jwks().dump();
    auto* tv = new resource::TokenVerifier(
        o, [jwks](const std::string&) -> Result<std::string> { return jwks; },
        std::make_shared<FakeClock>(fuzz::kNow));
    if (!tv->refresh_keys()) abort();
    return tv;
  }();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  auto r = verifier().authorize(header, "read");
  if (r) {
    if (!r->has_scope("read")) abort();
  } else {
    const int status = r.error().status();
    if (status != 400 && status != 401 && status != 403) abort();
    // The challenge is a header value: never a CR, LF or other control byte.
    for (char c : r.error().www_authenticate()) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) abort();
    }
    (void)r.error().body().dump();
  }
  return 0;
}
