// Client authentication at the token endpoint (protocol/token/client_authentication.cc):
// the Authorization: Basic header (base64, then form-urlencoded id and secret,
// RFC 6749 §2.3.1) and client_id / client_secret in the body.
#include <cstdlib>

#include "token_request.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static protocol::testing::MemoryClientStore* clients = [] {
    auto* c = new protocol::testing::MemoryClientStore;
    fuzz::add_clients(*c);
    return c;
  }();
  auto request = fuzz::token_request_from(data, size);
  if (!request) return 0;
  auto client = protocol::authenticate_client(*request, *clients);
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
