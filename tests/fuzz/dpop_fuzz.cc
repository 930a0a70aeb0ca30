// DPoP proof verification (jose/dpop.cc verify_dpop_proof, RFC 9449 §4.3) and the
// htu normalisation it uses (jose/htu.cc). An input is either
//   - a proof as a client sends it in the DPoP header (anything not starting '{'), or
//   - "<header JSON>\n<claims JSON>": the harness encodes both and signs them with
//     the fixed key of the header's alg, so the fuzzer reaches the jwk and claim
//     checks behind the signature.
// Each proof is checked twice: with the defaults, and with RS256 allowed, a nonce
// expected and an access token given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "fuzz_fixture.h"
#include "jose/dpop.h"
#include "jose/htu.h"

using namespace signet;

namespace {

const jose::PrivateKey& signer_for(std::string_view header_text) {
  auto header = nlohmann::json::parse(header_text, nullptr, false);
  if (header.is_object()) {
    auto alg = header.find("alg");
    if (alg != header.end() && alg->is_string()) {
      if (*alg == "RS256") return fuzz::rs256_key();
      if (*alg == "PS256") return fuzz::ps256_key();
      if (*alg == "EdDSA") return fuzz::eddsa_key();
    }
  }
  return fuzz::es256_key();
}

std::string proof_of(std::string_view input) {
  if (input.empty() || input.front() != '{') return std::string(input);
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return std::string(input);
  std::string_view header = input.substr(0, nl);
  std::string signing_input =
      base64url_encode(header) + "." + base64url_encode(input.substr(nl + 1));
  return signing_input + "." + base64url_encode(signer_for(header).sign(signing_input));
}

void check_one(std::string_view proof, const jose::DpopCheck& check) {
  auto r = jose::verify_dpop_proof(proof, check);
  if (!r) {
    if (jose::dpop_fault_name(r.error().fault).empty()) abort();
    return;
  }
  // What was accepted must hold what the checks promised.
  if (r->jkt.size() != 43 || r->jti.empty() || r->jti.size() > check.max_jti_bytes) abort();
  if (jose::normalize_htu(r->htu) != jose::normalize_htu(check.url)) abort();
  if (r->iat < check.now - check.max_age_seconds || r->iat > check.now + check.max_future_seconds)
    abort();
  if (check.nonce && r->nonce != *check.nonce) abort();
  if (!check.algs.contains(r->alg)) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Normalisation is idempotent: a normalised URL normalises to itself.
  if (auto once = jose::normalize_htu(input)) {
    if (jose::normalize_htu(*once) != once) abort();
  }

  const std::string proof = proof_of(input);
  jose::DpopCheck plain;
  plain.method = "POST";
  plain.url = fuzz::kTokenUrl;
  plain.now = fuzz::kNow;
  check_one(proof, plain);

  jose::DpopCheck strict = plain;
  strict.algs.insert(jose::Alg::RS256);
  strict.nonce = fuzz::kDpopNonce;
  strict.access_token = fuzz::kDpopAccessToken;
  check_one(proof, strict);
  return 0;
}
