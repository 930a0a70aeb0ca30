// JWK and JWKS parsing (jose/key.cc PublicKey::from_jwk, resource/jwks_cache.cc):
// the resource-server library reads the issuer's JWKS document from the network.
// Input: the JWKS document the issuer would serve; then a fixed token is verified
// against whatever keys it yielded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "fuzz_fixture.h"
#include "jose/jws.h"
#include "resource/resource_server.h"

using namespace signet;

namespace {

const std::string& fixed_token() {
  static const std::string t = jose::sign_compact(fuzz::es256_key(), {{"typ", "at+jwt"}},
                                                  {{"iss", fuzz::kIssuer},
                                                   {"aud", fuzz::kAudience},
                                                   {"sub", "alice"},
                                                   {"client_id", "app"},
                                                   {"scope", "read"},
                                                   {"jti", "j1"},
                                                   {"iat", fuzz::kNow},
                                                   {"exp", fuzz::kNow + 600}});
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string doc(reinterpret_cast<const char*>(data), size);

  // Each JWK of a "keys" array on its own, as the cache does.
  auto j = nlohmann::json::parse(doc, nullptr, false);
  if (j.is_object() && j.contains("keys") && j["keys"].is_array()) {
    for (const auto& jwk : j["keys"]) (void)jose::PublicKey::from_jwk(jwk);
  } else if (j.is_object()) {
    (void)jose::PublicKey::from_jwk(j);
  }

  resource::VerifierOptions o;
  o.issuer = fuzz::kIssuer;
  o.audience = fuzz::kAudience;
  o.jwks_uri = fuzz::kJwksUrl;
  resource::TokenVerifier v(
      o, [&doc](const std::string&) -> Result<std::string> { return doc; },
      std::make_shared<FakeClock>(fuzz::kNow));
  (void)v.refresh_keys();
  (void)v.verify(fixed_token());
  return 0;
}
