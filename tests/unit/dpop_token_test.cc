// DPoP at Signet's own endpoints (RFC 9449 §5, §8, §10): a proof at /token binds
// the access token to its key (cnf.jkt, token_type DPoP); a client registered for
// DPoP-bound tokens needs one; a code bound with dpop_jkt (or at /par) is redeemed
// only with that key; proofs are used once; nonces come back as use_dpop_nonce.
#include <gtest/gtest.h>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jose/dpop.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "jose/key_ring.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol/pushed_authorization_endpoint.h"
#include "protocol/token/dpop_proof.h"
#include "protocol_fixtures.h"
#include "token_fixture.h"

namespace signet::protocol::testing {
namespace {

const jose::PrivateKey& signing_key() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::ES256);
  return key;
}
const jose::PrivateKey& holder_key() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::ES256);
  return key;
}
const jose::PrivateKey& other_key() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::EdDSA);
  return key;
}

class StoppedMicros final : public MicroClock {
 public:
  int64_t now_micros() const override { return 0; }
};

std::string thumbprint(const jose::PrivateKey& key) {
  return *jose::jwk_thumbprint(key.public_jwk());
}

class DpopTokenTest : public ::testing::Test {
 protected:
  DpopTokenTest() {
    ring_.add(signing_key(), jose::KeyState::kActive);
    clients_.add(finance_app());
    clients_.add(reporting_service());
    Client strict = reporting_service("strict-secret");
    strict.client_id = "strict";
    strict.dpop_bound_access_tokens = true;
    clients_.add(strict);
  }

  std::string proof(const jose::PrivateKey& key = holder_key(), const std::string& path = "/token",
                    std::optional<std::string> nonce = std::nullopt) {
    return jose::make_dpop_proof(key, "POST", std::string(kIssuer) + path, clock_.now(),
                                 random_token(12), nonce);
  }

  TokenRequest client_credentials(const std::string& id = "reporting",
                                  const std::string& secret = "reporting-secret") {
    TokenRequest r;
    r.form = {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}};
    r.authorization = "Basic " + base64_encode(id + ":" + secret);
    return r;
  }

  nlohmann::json claims_of(const std::string& token) {
    auto v = jose::verify_compact(token,
                                  [this](std::string_view kid) { return ring_.find_public(kid); });
    EXPECT_TRUE(v.ok());
    return v ? v->payload : nlohmann::json();
  }

  std::string code_for(Params query) {
    auto req = validate_with_clients(query, clients_);
    EXPECT_TRUE(req.ok()) << (req ? "" : req.error().error.description);
    if (!req) return {};
    auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
    EXPECT_TRUE(code.ok());
    return code ? *code : std::string();
  }

  TokenRequest code_request(const std::string& code) {
    TokenRequest r;
    r.form = {{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", kRedirect},
              {"code_verifier", kVerifier}};
    r.authorization = "Basic " + base64_encode("finance-app:finance-secret");
    return r;
  }

  FakeClock clock_;
  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  jose::KeyRing ring_;
  WiredTokenEndpoint endpoint_{clients_, codes_, ring_, clock_};
};

TEST_F(DpopTokenTest, AProofBindsTheAccessTokenToItsKey) {
  TokenRequest r = client_credentials();
  r.dpop = proof();
  auto t = endpoint_.handle(r);
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_EQ(t->token_type, "DPoP");
  EXPECT_EQ(t->to_json().value("token_type", ""), "DPoP");
  EXPECT_EQ(claims_of(t->access_token)["cnf"]["jkt"], thumbprint(holder_key()));
  // Control: without a proof, a bearer token with no cnf.
  auto bearer = endpoint_.handle(client_credentials());
  ASSERT_TRUE(bearer.ok());
  EXPECT_EQ(bearer->token_type, "Bearer");
  EXPECT_FALSE(claims_of(bearer->access_token).contains("cnf"));
}

TEST_F(DpopTokenTest, AClientRegisteredForDpopNeedsAProof) {
  auto none = endpoint_.handle(client_credentials("strict", "strict-secret"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "invalid_dpop_proof");
  TokenRequest r = client_credentials("strict", "strict-secret");
  r.dpop = proof();
  EXPECT_TRUE(endpoint_.handle(r).ok()) << "control";
}

TEST_F(DpopTokenTest, ABadOrReplayedProofIsRefused) {
  TokenRequest wrong_url = client_credentials();
  wrong_url.dpop = proof(holder_key(), "/par");
  EXPECT_EQ(endpoint_.handle(wrong_url).error().code, "invalid_dpop_proof");
  TokenRequest garbage = client_credentials();
  garbage.dpop = "not.a.proof";
  EXPECT_EQ(endpoint_.handle(garbage).error().code, "invalid_dpop_proof");
  TokenRequest once = client_credentials();
  once.dpop = proof();
  ASSERT_TRUE(endpoint_.handle(once).ok());
  auto again = endpoint_.handle(once);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "invalid_dpop_proof") << "a proof is good once";
}

TEST_F(DpopTokenTest, ACodeBoundWithDpopJktNeedsThatKey) {
  Params q = authorize_query();
  q["dpop_jkt"] = thumbprint(holder_key());
  const std::string code = code_for(q);
  auto no_proof = endpoint_.handle(code_request(code));
  ASSERT_FALSE(no_proof.ok());
  EXPECT_EQ(no_proof.error().code, "invalid_grant");
  TokenRequest other = code_request(code);
  other.dpop = proof(other_key());
  EXPECT_EQ(endpoint_.handle(other).error().code, "invalid_grant");
  TokenRequest right = code_request(code);
  right.dpop = proof();
  auto t = endpoint_.handle(right);
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_EQ(t->token_type, "DPoP");
}

TEST_F(DpopTokenTest, AMalformedDpopJktIsRefusedAtTheAuthorizationEndpoint) {
  Params q = authorize_query();
  q["dpop_jkt"] = "not-a-thumbprint";
  auto r = validate_with_clients(q, clients_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, "invalid_request");
}

TEST_F(DpopTokenTest, NoncesComeBackAsUseDpopNonceAndThenWork) {
  MemoryDpopJtis jtis;
  DpopProofs proofs({kIssuer, std::string(32, 'n'), 300, 60}, jtis, clock_);
  auto first = proofs.verify(proof(), "/token");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, "use_dpop_nonce");
  ASSERT_FALSE(first.error().dpop_nonce.empty());
  EXPECT_EQ(first.error().dpop_nonce, proofs.current_nonce());
  auto with_nonce =
      proofs.verify(proof(holder_key(), "/token", first.error().dpop_nonce), "/token");
  ASSERT_TRUE(with_nonce.ok()) << with_nonce.error().detail;
  EXPECT_EQ(**with_nonce, thumbprint(holder_key()));
  // A nonce is good in its window and the next, not later.
  clock_.advance(600);
  auto stale = proofs.verify(proof(holder_key(), "/token", first.error().dpop_nonce), "/token");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "use_dpop_nonce");
}

TEST_F(DpopTokenTest, APushedRequestWithAProofBindsTheCode) {
  MemoryPushedRequestStore pushed;
  AuthorizeContext context{clients_, pushed, clock_};
  StoppedMicros micros;
  ClientRateLimit off{0, 0, micros};
  TestClientAuthentication auth(clients_, clock_, kIssuer);
  PushedAuthorizationEndpoint par(auth.authenticator, auth.dpop, context, 90, off);
  Params body = authorize_query();
  body.erase("client_id");
  TokenRequest r{body, "Basic " + base64_encode("finance-app:finance-secret"),
                 proof(holder_key(), "/par")};
  auto uri = par.handle(r);
  ASSERT_TRUE(uri.ok()) << uri.error().detail;
  auto found = pushed.find_pushed_request(sha256_b64url(uri->request_uri), clock_.now());
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->params.at("dpop_jkt"), thumbprint(holder_key()));
  // A dpop_jkt naming another key than the proof's is refused.
  Params mismatch = body;
  mismatch["dpop_jkt"] = thumbprint(other_key());
  TokenRequest m{mismatch, "Basic " + base64_encode("finance-app:finance-secret"),
                 proof(holder_key(), "/par")};
  EXPECT_EQ(par.handle(m).error().code, "invalid_dpop_proof");
}

}  // namespace
}  // namespace signet::protocol::testing
