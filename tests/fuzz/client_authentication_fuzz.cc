// Client authentication at the token endpoint (protocol/token/client_authentication.cc):
// the Authorization: Basic header (base64, then form-urlencoded id and secret,
// RFC 6749 §2.3.1), client_id / client_secret in the body, and client
// assertions (RFC 7523 §2.2).
#include <cstdlib>

#include "common/clock.h"
#include "fuzz_fixture.h"
#include "token_request.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  struct World {
    protocol::testing::MemoryClientStore clients;
    FakeClock clock{fuzz::kNow};
    protocol::testing::TestClientAuthentication auth{clients, clock, fuzz::kIssuer};
    World() { fuzz::add_clients(clients); }
  };
  static World* w = new World;
  auto request = fuzz::token_request_from(data, size);
  if (!request) return 0;
  auto client = w->auth.authenticator.authenticate(*request);
  if (client) {
    // Only a known client gets through, and a confidential one only with its secret.
    if (client->client_id != "app" && client->client_id != "rs" && client->client_id != "spa") {
      abort();
    }
  } else if (client.error().code.empty()) {
    abort();
  }
  return 0;
}
