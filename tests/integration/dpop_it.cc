// DPoP (RFC 9449) end to end over HTTP: proofs the test signs with its own
// OpenSSL code, Signet's nonces (use_dpop_nonce), access tokens bound to the key
// (cnf.jkt, token_type DPoP) and accepted by bank-api only with a proof by that
// key, codes bound with dpop_jkt, and clients registered for DPoP-bound tokens.
#include <cstdio>
#include <fstream>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

// RFC 7638 §3: SHA-256 of the required members in lexicographic order.
std::string thumbprint(const nlohmann::json& jwk) {
  const nlohmann::json canonical = {
      {"crv", jwk["crv"]}, {"kty", jwk["kty"]}, {"x", jwk["x"]}, {"y", jwk["y"]}};
  return b64url(sha256(canonical.dump()));
}

class DpopTest : public IntegrationTest {
 protected:
  // A proof for `method` `url` by `key` (RFC 9449 §4.2), with the server's nonce
  // and the token's hash when given.
  std::string proof(const EcKey& key, const std::string& method, const std::string& url,
                    const std::string& nonce = {}, const std::string& access_token = {}) {
    nlohmann::json jwk = key.public_jwk("k");
    jwk.erase("kid");
    jwk.erase("alg");
    jwk.erase("use");
    nlohmann::json claims = {
        {"jti", random_hex(16)}, {"htm", method}, {"htu", url}, {"iat", now_seconds()}};
    if (!nonce.empty()) claims["nonce"] = nonce;
    if (!access_token.empty()) claims["ath"] = b64url(sha256(access_token));
    return make_jws({{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", jwk}}, claims,
                    [&key](std::string_view input) { return key.sign_es256(input); });
  }

  HttpResponse token(const Client& c, const std::vector<std::pair<std::string, std::string>>& form,
                     const std::string& dpop) {
    HttpClient http;
    Headers h{{"Authorization", basic_auth(c.client_id, c.client_secret)}};
    if (!dpop.empty()) h.emplace_back("DPoP", dpop);
    return http.post_form(w().signet.base_url + "/token", form, h);
  }

  // The nonce Signet hands out (RFC 9449 §8): the answer to a proof without one.
  std::string nonce_for(const Client& c, const EcKey& key) {
    HttpResponse r = token(c, {{"grant_type", "client_credentials"}},
                           proof(key, "POST", w().signet.base_url + "/token"));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().value("error", ""), "use_dpop_nonce") << r.body;
    EXPECT_FALSE(r.header("dpop-nonce").empty());
    return r.header("dpop-nonce");
  }

  Client machine() {
    return w().add_client(w().unique("Machine"), {}, "read:accounts", false,
                          {"client_credentials"});
  }

  EcKey key_ = EcKey::generate();
};

TEST_F(DpopTest, MetadataNamesTheProofAlgorithms) {
  HttpClient http;
  auto j = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(j.value("dpop_signing_alg_values_supported", std::vector<std::string>{}),
            (std::vector<std::string>{"ES256", "PS256", "EdDSA"}));
}

// The whole chain: a nonce, a bound token, and bank-api accepting it only with a
// proof by the same key for the very request.
TEST_F(DpopTest, ABoundTokenWorksAtBankApiOnlyWithItsKey) {
  Client c = machine();
  const std::string nonce = nonce_for(c, key_);
  HttpResponse t = token(c, {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}},
                         proof(key_, "POST", w().signet.base_url + "/token", nonce));
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json().value("token_type", ""), "DPoP");
  EXPECT_FALSE(t.header("dpop-nonce").empty()) << "a fresh nonce with the answer (§8.2)";
  const std::string at = t.json().value("access_token", "");
  EXPECT_EQ(jwt_claims(at)["cnf"].value("jkt", ""), thumbprint(key_.public_jwk("k")));

  const std::string url = w().bank.base_url + "/accounts";
  HttpClient api;
  HttpResponse ok =
      api.get(url, {{"Authorization", "DPoP " + at}, {"DPoP", proof(key_, "GET", url, "", at)}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  HttpResponse as_bearer = api.get(url, {{"Authorization", "Bearer " + at}});
  EXPECT_EQ(as_bearer.status, 401) << "a bound token is not a bearer token";
  EcKey thief = EcKey::generate();
  HttpResponse stolen =
      api.get(url, {{"Authorization", "DPoP " + at}, {"DPoP", proof(thief, "GET", url, "", at)}});
  EXPECT_EQ(stolen.status, 401) << "a proof by another key";
  HttpResponse no_proof = api.get(url, {{"Authorization", "DPoP " + at}});
  EXPECT_EQ(no_proof.status, 401);
}

TEST_F(DpopTest, ProofsAreCheckedAndUsedOnce) {
  Client c = machine();
  const std::string nonce = nonce_for(c, key_);
  const std::string good = proof(key_, "POST", w().signet.base_url + "/token", nonce);
  ASSERT_EQ(token(c, {{"grant_type", "client_credentials"}}, good).status, 200);
  HttpResponse replay = token(c, {{"grant_type", "client_credentials"}}, good);
  EXPECT_EQ(replay.status, 400) << replay.body;
  EXPECT_EQ(replay.json().value("error", ""), "invalid_dpop_proof");
  HttpResponse wrong_url = token(c, {{"grant_type", "client_credentials"}},
                                 proof(key_, "POST", w().signet.base_url + "/par", nonce));
  EXPECT_EQ(wrong_url.json().value("error", ""), "invalid_dpop_proof") << wrong_url.body;
  HttpResponse wrong_method = token(c, {{"grant_type", "client_credentials"}},
                                    proof(key_, "GET", w().signet.base_url + "/token", nonce));
  EXPECT_EQ(wrong_method.json().value("error", ""), "invalid_dpop_proof") << wrong_method.body;
}

TEST_F(DpopTest, IntrospectionReturnsTheConfirmation) {
  Client c = machine();
  Client rs = w().add_resource_server(w().unique("Introspector"));
  HttpResponse t = token(c, {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}},
                         proof(key_, "POST", w().signet.base_url + "/token", nonce_for(c, key_)));
  ASSERT_EQ(t.status, 200) << t.body;
  HttpClient http;
  HttpResponse i = http.post_form(w().signet.base_url + "/introspect",
                                  {{"token", t.json().value("access_token", "")}},
                                  {{"Authorization", basic_auth(rs.client_id, rs.client_secret)}});
  ASSERT_EQ(i.status, 200) << i.body;
  EXPECT_EQ(i.json().value("active", false), true) << i.body;
  EXPECT_EQ(i.json()["cnf"].value("jkt", ""), thumbprint(key_.public_jwk("k"))) << i.body;
  EXPECT_EQ(i.json().value("token_type", ""), "DPoP");
}

TEST_F(DpopTest, ACodeBoundWithDpopJktIsRedeemedOnlyWithThatKey) {
  User user = w().add_user(w().unique("alice"), kPassword);
  Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts");
  AuthorizeRequest req{c.client_id,     kRedirect,
                       "read:accounts", random_hex(8),
                       random_hex(32),  {{"dpop_jkt", thumbprint(key_.public_jwk("k"))}}};
  HttpClient browser;
  AuthorizationResult a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
  const std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "authorization_code"},
      {"code", a.code()},
      {"redirect_uri", kRedirect},
      {"code_verifier", req.code_verifier}};
  HttpResponse without = token(c, form, "");
  EXPECT_EQ(without.status, 400) << without.body;
  EXPECT_EQ(without.json().value("error", ""), "invalid_grant");
  const std::string nonce = nonce_for(
      w().add_client(w().unique("M"), {}, "read:accounts", false, {"client_credentials"}), key_);
  HttpResponse with_key =
      token(c, form, proof(key_, "POST", w().signet.base_url + "/token", nonce));
  EXPECT_EQ(with_key.status, 200) << with_key.body;
  EXPECT_EQ(with_key.json().value("token_type", ""), "DPoP");
}

TEST_F(DpopTest, AClientRegisteredForDpopGetsNoBearerToken) {
  const std::string path = w().log_dir + "/" + w().unique("metadata") + ".json";
  std::ofstream(path) << nlohmann::json{
      {"client_name", w().unique("Strict")},
      {"scope", "read:accounts"},
      {"grant_types", {"client_credentials"}},
      {"dpop_bound_access_tokens",
       true}}.dump();
  CommandResult r = w().cli({"client", "add", "--metadata", path});
  std::remove(path.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Client c;
  c.raw = nlohmann::json::parse(r.out);
  c.client_id = c.raw.value("client_id", "");
  c.client_secret = c.raw.value("client_secret", "");
  EXPECT_EQ(c.raw.value("dpop_bound_access_tokens", false), true);
  HttpResponse bearer = token(c, {{"grant_type", "client_credentials"}}, "");
  EXPECT_EQ(bearer.status, 400) << bearer.body;
  EXPECT_EQ(bearer.json().value("error", ""), "invalid_dpop_proof");
  HttpResponse bound =
      token(c, {{"grant_type", "client_credentials"}},
            proof(key_, "POST", w().signet.base_url + "/token", nonce_for(c, key_)));
  EXPECT_EQ(bound.status, 200) << bound.body;
}

}  // namespace
}  // namespace signet::it
