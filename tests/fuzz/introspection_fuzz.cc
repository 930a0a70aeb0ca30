// Token introspection (RFC 7662) and revocation (RFC 7009) requests
// (protocol/introspection.cc): client authentication, then the `token` parameter,
// a JWS access token checked against a fixed key ring or a refresh token looked up
// by digest. Input: Authorization header line, then the form body (token_request.h).
#include <cstdlib>

#include "common/clock.h"
#include "fuzz_fixture.h"
#include "memory_lifecycle_store.h"
#include "protocol/introspection.h"
#include "token_request.h"

using namespace signet;

namespace {

struct World {
  protocol::testing::MemoryClientStore clients;
  protocol::testing::MemoryLifecycleStore store;
  FakeClock clock{fuzz::kNow};
  protocol::testing::TestClientAuthentication auth{clients, clock, fuzz::kIssuer};
  protocol::Introspection introspection{
      protocol::TokenSettings{fuzz::kIssuer, fuzz::kAudience, 600, "ES256"}, auth.authenticator,
      store, fuzz::key_ring(), clock};
  World() { fuzz::add_clients(clients); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* w = new World;
  auto request = fuzz::token_request_from(data, size);
  if (!request) return 0;
  auto answer = w->introspection.introspect(*request);
  if (answer) {
    // RFC 7662 §2.2: "active" is required and boolean.
    if (!answer->contains("active") || !(*answer)["active"].is_boolean()) abort();
    (void)answer->dump();
  }
  (void)w->introspection.revoke(*request);
  return 0;
}
