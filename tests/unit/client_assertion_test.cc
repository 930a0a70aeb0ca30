// private_key_jwt client authentication (RFC 7523 §2.2, §3; FAPI 2.0 Security
// Profile §5.3.2.1): protocol/token/client_assertion.h and the way
// ClientAuthenticator chooses it. Each refusal has a passing control beside it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "memory_stores.h"
#include "protocol/token/client_assertion.h"
#include "protocol/token/client_authentication.h"
#include "protocol_fixtures.h"

namespace signet::protocol::testing {
namespace {

const jose::PrivateKey& client_key() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::ES256);
  return key;
}

const jose::PrivateKey& other_key() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::ES256);
  return key;
}

nlohmann::json jwks_of(const jose::PrivateKey& key) {
  return {{"keys", nlohmann::json::array({key.public_jwk()})}};
}

// A FAPI 2.0 client: private_key_jwt with its ES256 key inline.
Client bank_partner() {
  Client c;
  c.client_id = "partner";
  c.client_name = "Partner";
  c.token_endpoint_auth_method = "private_key_jwt";
  c.jwks = jwks_of(client_key()).dump();
  c.scopes = {"read:accounts"};
  c.grant_types = {"client_credentials"};
  return c;
}

class ClientAssertionTest : public ::testing::Test {
 protected:
  ClientAssertionTest() {
    clients_.add(bank_partner());
    clients_.add(reporting_service());
  }

  nlohmann::json claims() {
    return {{"iss", "partner"},         {"sub", "partner"},    {"aud", kIssuer},
            {"exp", clock_.now() + 60}, {"iat", clock_.now()}, {"jti", "jti-" + random_token(8)}};
  }

  std::string sign(const nlohmann::json& c, const jose::PrivateKey& key = client_key()) {
    return jose::sign_compact(key, {{"typ", "JWT"}}, c);
  }

  TokenRequest request(const std::string& assertion) {
    return TokenRequest{{{"grant_type", "client_credentials"},
                         {"client_assertion_type", std::string(kJwtBearerAssertionType)},
                         {"client_assertion", assertion}},
                        std::nullopt};
  }

  Result<Client, OAuthError> authenticate(const std::string& assertion) {
    return auth_.authenticator.authenticate(request(assertion));
  }

  void expect_refused(const std::string& assertion, const std::string& what) {
    auto r = authenticate(assertion);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, "invalid_client") << what;
    EXPECT_EQ(r.error().status, 401) << what;
  }

  FakeClock clock_;
  MemoryClientStore clients_;
  TestClientAuthentication auth_{clients_, clock_, kIssuer};
};

TEST_F(ClientAssertionTest, AValidAssertionAuthenticatesItsClient) {
  auto r = authenticate(sign(claims()));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->client_id, "partner");
}

TEST_F(ClientAssertionTest, AJtiIsUsedOnceUntilTheAssertionExpires) {
  const std::string assertion = sign(claims());
  ASSERT_TRUE(authenticate(assertion).ok());
  expect_refused(assertion, "the same assertion again");
  nlohmann::json c = claims();
  c["jti"] = "fixed-jti";
  ASSERT_TRUE(authenticate(sign(c)).ok());
  c["exp"] = clock_.now() + 120;  // another assertion with the same jti
  expect_refused(sign(c), "a new assertion reusing a live jti");
}

TEST_F(ClientAssertionTest, TheAudienceIsTheIssuerAsAStringOnly) {
  nlohmann::json c = claims();
  c["aud"] = nlohmann::json::array({kIssuer});
  expect_refused(sign(c), "aud as an array");
  c["aud"] = std::string(kIssuer) + "/token";
  expect_refused(sign(c), "aud as the token endpoint");
  c["aud"] = "https://other.example";
  expect_refused(sign(c), "another server");
  c.erase("aud");
  expect_refused(sign(c), "no aud");
  EXPECT_TRUE(authenticate(sign(claims())).ok()) << "control";
}

TEST_F(ClientAssertionTest, ExpIsRequiredInTheFutureAndShort) {
  nlohmann::json c = claims();
  c.erase("exp");
  expect_refused(sign(c), "no exp");
  c = claims();
  c["exp"] = clock_.now();
  expect_refused(sign(c), "expired");
  c = claims();
  c["exp"] = clock_.now() + 301;
  expect_refused(sign(c), "lives too long");
  c = claims();
  c["exp"] = clock_.now() + 300;
  EXPECT_TRUE(authenticate(sign(c)).ok()) << "control: 300 s";
}

// FAPI 2.0 §5.3.2.1: iat and nbf up to 10 s ahead are accepted (clock skew); more is refused.
TEST_F(ClientAssertionTest, IatAndNbfMayBeAFewSecondsAhead) {
  for (const char* name : {"iat", "nbf"}) {
    nlohmann::json c = claims();
    c[name] = clock_.now() + 10;
    EXPECT_TRUE(authenticate(sign(c)).ok()) << name << " 10 s ahead";
    c = claims();
    c[name] = clock_.now() + 61;
    expect_refused(sign(c), std::string(name) + " 61 s ahead");
    c = claims();
    c[name] = "soon";
    expect_refused(sign(c), std::string(name) + " not a number");
  }
}

TEST_F(ClientAssertionTest, IssAndSubAreTheClient) {
  nlohmann::json c = claims();
  c["sub"] = "someone-else";
  expect_refused(sign(c), "sub");
  c = claims();
  c.erase("sub");
  expect_refused(sign(c), "no sub");
  c = claims();
  c["iss"] = "reporting";  // a secret client: assertions do not authenticate it
  c["sub"] = "reporting";
  expect_refused(sign(c), "a client_secret client");
}

TEST_F(ClientAssertionTest, JtiIsRequired) {
  nlohmann::json c = claims();
  c.erase("jti");
  expect_refused(sign(c), "no jti");
  c = claims();
  c["jti"] = std::string(257, 'j');
  expect_refused(sign(c), "jti too long");
}

TEST_F(ClientAssertionTest, OnlyTheRegisteredKeysSign) {
  expect_refused(sign(claims(), other_key()), "an unregistered key");
  // The registered key's kid on another key's signature.
  const std::string genuine = sign(claims());
  const std::string forged = sign(claims(), other_key());
  const std::string spliced =
      genuine.substr(0, genuine.rfind('.')) + forged.substr(forged.rfind('.'));
  expect_refused(spliced, "a signature by another key under the registered kid");
}

// RFC 8725 §3.1: none and HMAC are never accepted, whatever the header says.
TEST_F(ClientAssertionTest, NoneAndHmacAreRefused) {
  const std::string payload = base64url_encode(claims().dump());
  const std::string kid = client_key().kid();
  const std::string none =
      base64url_encode(nlohmann::json{{"alg", "none"}, {"kid", kid}}.dump()) + "." + payload + ".";
  expect_refused(none, "alg none");
  const std::string hs_input =
      base64url_encode(nlohmann::json{{"alg", "HS256"}, {"kid", kid}}.dump()) + "." + payload;
  // The HMAC key an attacker would try: the registered public key's JSON.
  const std::string hs =
      hs_input + "." + base64url_encode(hmac_sha256(client_key().public_jwk().dump(), hs_input));
  expect_refused(hs, "HS256 keyed with the public key");
}

TEST_F(ClientAssertionTest, Ps256AndEdDsaKeysAuthenticateToo) {
  for (jose::Alg alg : {jose::Alg::PS256, jose::Alg::EdDSA}) {
    const jose::PrivateKey key = *jose::PrivateKey::generate(alg);
    Client c = bank_partner();
    c.jwks = jwks_of(key).dump();
    clients_.add(c);
    EXPECT_EQ(check_client_jwks(c.jwks), "") << jose::alg_name(alg);
    auto r = authenticate(sign(claims(), key));
    EXPECT_TRUE(r.ok()) << jose::alg_name(alg) << ": " << (r ? "" : r.error().detail);
  }
}

TEST_F(ClientAssertionTest, Rs256IsNotAFapiAlgorithm) {
  const jose::PrivateKey rsa = *jose::PrivateKey::generate(jose::Alg::RS256);
  Client c = bank_partner();
  c.jwks = jwks_of(rsa).dump();  // stored by hand: registration refuses it (below)
  clients_.add(c);
  expect_refused(sign(claims(), rsa), "RS256");
  EXPECT_NE(check_client_jwks(jwks_of(rsa).dump()), "");
}

TEST_F(ClientAssertionTest, TheRegisteredSigningAlgIsEnforced) {
  Client c = bank_partner();
  c.token_endpoint_auth_signing_alg = "PS256";
  clients_.add(c);
  expect_refused(sign(claims()), "ES256 when PS256 is registered");
  c.token_endpoint_auth_signing_alg = "ES256";
  clients_.add(c);
  EXPECT_TRUE(authenticate(sign(claims())).ok()) << "control";
}

TEST_F(ClientAssertionTest, OneMethodPerRequestAndTheRegisteredOne) {
  // An assertion beside Basic credentials or a client_secret.
  TokenRequest both = request(sign(claims()));
  both.authorization = "Basic " + base64_encode("partner:x");
  EXPECT_EQ(auth_.authenticator.authenticate(both).error().code, "invalid_request");
  TokenRequest with_secret = request(sign(claims()));
  with_secret.form["client_secret"] = "x";
  EXPECT_EQ(auth_.authenticator.authenticate(with_secret).error().code, "invalid_request");
  // A private_key_jwt client cannot fall back to a secret or to nothing.
  TokenRequest basic{{{"grant_type", "client_credentials"}},
                     "Basic " + base64_encode("partner:anything")};
  EXPECT_EQ(auth_.authenticator.authenticate(basic).error().code, "invalid_client");
  TokenRequest none{{{"grant_type", "client_credentials"}, {"client_id", "partner"}}, std::nullopt};
  EXPECT_EQ(auth_.authenticator.authenticate(none).error().code, "invalid_client");
  // Another assertion type, or half of the pair.
  TokenRequest saml = request(sign(claims()));
  saml.form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
  EXPECT_EQ(auth_.authenticator.authenticate(saml).error().code, "invalid_client");
  TokenRequest half = request(sign(claims()));
  half.form.erase("client_assertion_type");
  EXPECT_EQ(auth_.authenticator.authenticate(half).error().code, "invalid_request");
  // client_id in the body must name the assertion's client.
  TokenRequest other = request(sign(claims()));
  other.form["client_id"] = "reporting";
  EXPECT_EQ(auth_.authenticator.authenticate(other).error().code, "invalid_request");
  TokenRequest same = request(sign(claims()));
  same.form["client_id"] = "partner";
  EXPECT_TRUE(auth_.authenticator.authenticate(same).ok()) << "control";
}

TEST_F(ClientAssertionTest, PresentedClientIdIsTheAssertionsIssuerForAudits) {
  EXPECT_EQ(presented_client_id(request(sign(claims()))), "partner");
  EXPECT_EQ(presented_client_id(request("not-a-jwt")), "");
}

TEST_F(ClientAssertionTest, RegistrationRefusesUnusableKeySets) {
  EXPECT_EQ(check_client_jwks(jwks_of(client_key()).dump()), "");
  nlohmann::json with_private = jwks_of(client_key());
  with_private["keys"][0]["d"] = "AAAA";
  EXPECT_NE(check_client_jwks(with_private.dump()), "");
  EXPECT_NE(check_client_jwks(R"({"keys":[]})"), "");
  EXPECT_NE(check_client_jwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"), "");
  EXPECT_NE(check_client_jwks("[]"), "");
  nlohmann::json twice = jwks_of(client_key());
  twice["keys"].push_back(twice["keys"][0]);
  EXPECT_NE(check_client_jwks(twice.dump()), "");
}

TEST_F(ClientAssertionTest, AnUnavailableReplayStoreIsNotASuccess) {
  auth_.jtis.unavailable = true;
  auto r = authenticate(sign(claims()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 503);
}

// --- keys published at a jwks_uri ----------------------------------------------------

class JwksUriTest : public ClientAssertionTest {
 protected:
  JwksUriTest() {
    Client c = bank_partner();
    c.jwks.clear();
    c.jwks_uri = kUri;
    clients_.add(c);
    auth_.fetcher.publish(kUri, jwks_of(client_key()).dump());
  }
  static constexpr const char* kUri = "https://partner.example/jwks.json";
};

TEST_F(JwksUriTest, KeysAreFetchedOnceAndKept) {
  ASSERT_TRUE(authenticate(sign(claims())).ok());
  ASSERT_TRUE(authenticate(sign(claims())).ok());
  EXPECT_EQ(auth_.fetcher.fetches(), 1);
  clock_.advance(301);  // past the cache lifetime
  ASSERT_TRUE(authenticate(sign(claims())).ok());
  EXPECT_EQ(auth_.fetcher.fetches(), 2);
}

TEST_F(JwksUriTest, ARotatedKeyIsFetchedOnItsUnknownKid) {
  ASSERT_TRUE(authenticate(sign(claims())).ok());
  auth_.fetcher.publish(kUri, jwks_of(other_key()).dump());  // the client rotated
  clock_.advance(61);
  EXPECT_TRUE(authenticate(sign(claims(), other_key())).ok());
  EXPECT_EQ(auth_.fetcher.fetches(), 2);
}

// An attacker sending assertions with random kids cannot make Signet fetch at will.
TEST_F(JwksUriTest, UnknownKidsRefetchAtMostOncePerMinute) {
  ASSERT_TRUE(authenticate(sign(claims())).ok());
  clock_.advance(61);
  expect_refused(sign(claims(), other_key()), "unknown kid, refetched");
  expect_refused(sign(claims(), other_key()), "unknown kid again");
  expect_refused(sign(claims(), other_key()), "and again");
  EXPECT_EQ(auth_.fetcher.fetches(), 2);
}

TEST_F(JwksUriTest, AnUnreachableJwksUriIsAFailedAuthentication) {
  Client c = bank_partner();
  c.jwks.clear();
  c.jwks_uri = "https://gone.example/jwks.json";
  clients_.add(c);
  expect_refused(sign(claims()), "nothing at the jwks_uri");
}

}  // namespace
}  // namespace signet::protocol::testing
