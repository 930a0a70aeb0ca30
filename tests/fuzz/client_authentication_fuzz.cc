// Client authentication at the token endpoint (protocol/token/client_authentication.cc):
// the Authorization: Basic header (base64, then form-urlencoded id and secret,
// RFC 6749 §2.3.1), client_id / client_secret in the body, and client
// assertions (RFC 7523 §2.2, protocol/token/client_assertion.cc), raw or signed by
// the harness (token_request.h).
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/base64url.h"

#include "common/clock.h"
#include "fuzz_fixture.h"
#include "token_request.h"

using namespace signet;

namespace {

// What an accepted assertion must have held (RFC 7523 §3, FAPI 2.0 §5.3.2.1): the
// client as iss and sub, the issuer as a single-string aud, and an exp to come.
void check_accepted_assertion(const std::string& jwt) {
  const size_t a = jwt.find('.');
  const size_t b = jwt.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos) abort();
  auto payload = base64url_decode(std::string_view(jwt).substr(a + 1, b - a - 1));
  if (!payload) abort();
  auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object()) abort();
  if (claims.value("iss", nlohmann::json()) != "partner") abort();
  if (claims.value("sub", nlohmann::json()) != "partner") abort();
  if (claims.value("aud", nlohmann::json()) != fuzz::kIssuer) abort();
  const auto exp = claims.value("exp", nlohmann::json());
  if (!exp.is_number() || exp.get<double>() <= static_cast<double>(fuzz::kNow)) abort();
}

}  // namespace

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
    if (client->client_id != "app" && client->client_id != "rs" && client->client_id != "spa" &&
        client->client_id != "partner") {
      abort();
    }
    // The key-based client only with an assertion, which must have passed every check.
    if (client->client_id == "partner") {
      auto a = request->form.find("client_assertion");
      if (a == request->form.end() || request->authorization) abort();
      check_accepted_assertion(a->second);
    }
  } else if (client.error().code.empty()) {
    abort();
  }
  return 0;
}
