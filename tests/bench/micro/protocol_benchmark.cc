// The token endpoint's CPU path outside the signature: form parsing, the JSON
// token response, and the whole access-token minting (claims, JSON, base64url, sign).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "common/form.h"
#include "jose/key_ring.h"
#include "protocol/authorization_details.h"
#include "protocol/token/access_token.h"
#include "protocol/token/token_response.h"

namespace {

using signet::jose::Alg;
using signet::jose::KeyRing;
using signet::jose::KeyState;
using signet::jose::PrivateKey;

// A typical authorization-code token request (RFC 6749 §4.1.3 with PKCE).
constexpr char kCodeBody[] =
    "grant_type=authorization_code&code=Q2h4Vb9kT1mZp0LsYwA3nR7eXc5dF8gH2jK4lM6nP8q"
    "&redirect_uri=https%3A%2F%2Ffinance.example%2Fcallback"
    "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
// The client-credentials body of the end-to-end benchmark.
constexpr char kClientCredentialsBody[] = "grant_type=client_credentials&scope=read%3Atransactions";

void parse_form(benchmark::State& state, const char* body) {
  for (auto _ : state) {
    auto params = signet::parse_form(body);
    if (!params.ok()) state.SkipWithError("parse_form failed");
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK_CAPTURE(parse_form, code, kCodeBody)->Name("form/parse_code_request");
BENCHMARK_CAPTURE(parse_form, client_credentials, kClientCredentialsBody)
    ->Name("form/parse_client_credentials_request");

signet::protocol::TokenSettings settings(Alg alg) {
  signet::protocol::TokenSettings s;
  s.issuer = "http://127.0.0.1:8080";
  s.audience = "bank-api";
  s.access_token_lifetime = 600;
  s.signing_alg = std::string(signet::jose::alg_name(alg));
  return s;
}

const KeyRing& ring() {
  static const KeyRing r = [] {
    KeyRing k;
    k.add(PrivateKey::generate(Alg::ES256).value(), KeyState::kActive);
    k.add(PrivateKey::generate(Alg::RS256).value(), KeyState::kActive);
    return k;
  }();
  return r;
}

void token_response_json(benchmark::State& state) {
  auto issued =
      signet::protocol::issue_access_token(ring(), settings(Alg::ES256), "Hk3v9QeT2mXr7L",
                                           "Hk3v9QeT2mXr7L", {"read:transactions"}, 1'764'403'200);
  signet::protocol::TokenResponse response;
  response.access_token = issued->token;
  response.expires_in = 600;
  response.scope = "read:transactions";
  for (auto _ : state) {
    std::string body = response.to_json().dump();
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(token_response_json)->Name("protocol/token_response_to_json_dump");

void issue_access_token(benchmark::State& state, Alg alg) {
  const auto s = settings(alg);
  const std::string subject = "3f1c2a9e-6f0b-4f55-9d0e-8a1b2c3d4e5f";
  const std::string client_id = "Hk3v9QeT2mXr7LpZ0aBcDw";
  const std::vector<std::string> scopes = {"read:accounts", "read:transactions"};
  for (auto _ : state) {
    auto issued =
        signet::protocol::issue_access_token(ring(), s, subject, client_id, scopes, 1'764'403'200);
    if (!issued.ok()) state.SkipWithError("issue_access_token failed");
    benchmark::DoNotOptimize(issued);
  }
}
BENCHMARK_CAPTURE(issue_access_token, ES256, Alg::ES256)->Name("ES256/issue_access_token");
BENCHMARK_CAPTURE(issue_access_token, RS256, Alg::RS256)->Name("RS256/issue_access_token");

// Rich authorization requests (RFC 9396): what a consent with details adds. The
// parameter's parse and schema check (at /authorize, /par and the consent form),
// and the access token carrying one account_information detail (the bigger token).
constexpr char kAccountDetails[] =
    R"([{"type":"account_information","access":{"accounts":[],"balances":[],)"
    R"("transactions":[]},"transactionsFromDate":"2026-01-01","validUntil":"2027-03-31"}])";
constexpr char kPaymentDetails[] =
    R"([{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"123.50"},)"
    R"("creditorName":"Landlord Ltd","creditorAccount":{"iban":"DE02100100109307118603"},)"
    R"("remittanceInformationUnstructured":"Rent December"}])";

void parse_authorization_details(benchmark::State& state, const char* text) {
  const auto& types = signet::protocol::AuthorizationDetailsTypes::builtin();
  const std::vector<std::string> allowed = {"account_information", "payment_initiation"};
  for (auto _ : state) {
    auto details = types.parse(text, &allowed);
    if (!details.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(details);
  }
}
BENCHMARK_CAPTURE(parse_authorization_details, account_information, kAccountDetails)
    ->Name("rar/parse_and_check_account_information");
BENCHMARK_CAPTURE(parse_authorization_details, payment_initiation, kPaymentDetails)
    ->Name("rar/parse_and_check_payment_initiation");

void issue_access_token_with_details(benchmark::State& state) {
  const auto s = settings(Alg::ES256);
  signet::protocol::GrantClaims grant;
  grant.grant_id = "Zk3v9QeT2mXr7LpZ0aBcDw";
  grant.authorization_details = nlohmann::json::parse(kAccountDetails);
  for (const char* k : {"accounts", "balances", "transactions"}) {
    grant.authorization_details[0]["access"][k] = {{{"iban", "DE89370400440532013000"}},
                                                   {{"iban", "DE02100100109307118603"}}};
  }
  for (auto _ : state) {
    auto issued = signet::protocol::issue_access_token(
        ring(), s, "3f1c2a9e-6f0b-4f55-9d0e-8a1b2c3d4e5f", "Hk3v9QeT2mXr7LpZ0aBcDw", {},
        1'764'403'200, {}, &grant);
    if (!issued.ok()) state.SkipWithError("issue_access_token failed");
    benchmark::DoNotOptimize(issued);
  }
}
BENCHMARK(issue_access_token_with_details)->Name("ES256/issue_access_token_with_details");

}  // namespace

BENCHMARK_MAIN();
