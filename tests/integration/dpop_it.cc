// DPoP (RFC 9449) end to end over HTTP: proofs the test signs with its own
// OpenSSL code, Signet's nonces (use_dpop_nonce), access tokens bound to the key
// (cnf.jkt, token_type DPoP) and accepted by bank-api only with a proof by that
// key, codes bound with dpop_jkt, and clients registered for DPoP-bound tokens.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <unistd.h>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

// An RSA key for RS256 proofs, an algorithm Signet's DPoP metadata leaves out.
class RsaKey {
 public:
  RsaKey() : pkey_(EVP_RSA_gen(2048), EVP_PKEY_free) {
    if (!pkey_) throw std::runtime_error("RSA keygen failed");
  }
  nlohmann::json public_jwk() const {
    return {{"kty", "RSA"},
            {"n", b64url(param(OSSL_PKEY_PARAM_RSA_N))},
            {"e", b64url(param(OSSL_PKEY_PARAM_RSA_E))}};
  }
  std::string sign_rs256(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
      throw std::runtime_error("RS256 sign failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       input.size()) != 1) {
      throw std::runtime_error("RS256 sign failed");
    }
    sig.resize(len);
    return sig;
  }

 private:
  std::string param(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey_.get(), name, &bn) != 1) throw std::runtime_error(name);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey_;
};

class DpopTest : public IntegrationTest {
 protected:
  // The cases below spoil one part of a proof (harness: dpop_proof_header/claims).
  static nlohmann::json proof_header(const EcKey& key) { return dpop_proof_header(key); }
  static nlohmann::json proof_claims(const std::string& method, const std::string& url,
                                     const std::string& nonce = {},
                                     const std::string& access_token = {}) {
    return dpop_proof_claims(method, url, nonce, access_token);
  }
  static std::string signed_by(const EcKey& key, const nlohmann::json& header,
                               const nlohmann::json& claims) {
    return make_jws(header, claims,
                    [&key](std::string_view input) { return key.sign_es256(input); });
  }

  std::string proof(const EcKey& key, const std::string& method, const std::string& url,
                    const std::string& nonce = {}, const std::string& access_token = {}) {
    return dpop_proof(key, method, url, nonce, access_token);
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

  // Signet's log from `mark` once it holds `needle` (polled: the log is written
  // after the answer); "" when it does not within a second.
  std::string log_line_since(std::size_t mark, const std::string& needle) {
    for (int i = 0; i < 20; ++i) {
      std::string log = w().signet.process->log_since(mark);
      if (log.find(needle) != std::string::npos) return log;
      usleep(50000);
    }
    return {};
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
  EXPECT_EQ(jwt_claims(at)["cnf"].value("jkt", ""), ec_thumbprint(key_.public_jwk("k")));

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

// A proof made by hand with one fault (RFC 9449 §4.3), each with a current nonce
// so that only the fault can be the reason; the control is the same proof unspoilt.
struct SpoiltProof {
  const char* what;
  std::function<std::string()> make;
  const char* fault;  // the check that refuses it, as Signet logs and bank-api names it; "": any
};

TEST_F(DpopTest, HandMadeProofsWithOneFaultAreRefusedAtTheTokenEndpoint) {
  Client c = machine();
  const std::string url = w().signet.base_url + "/token";
  const std::string nonce = nonce_for(c, key_);
  EcKey stranger = EcKey::generate();
  RsaKey rsa;
  auto with_header = [&](const char* name, const nlohmann::json& value) {
    nlohmann::json h = proof_header(key_);
    if (value.is_null())
      h.erase(name);
    else
      h[name] = value;
    return signed_by(key_, h, proof_claims("POST", url, nonce));
  };
  auto with_claim = [&](const char* name, const nlohmann::json& value) {
    nlohmann::json x = proof_claims("POST", url, nonce);
    if (value.is_null())
      x.erase(name);
    else
      x[name] = value;
    return signed_by(key_, proof_header(key_), x);
  };
  auto unsigned_part = [&](const nlohmann::json& h) {
    return b64url(h.dump()) + "." + b64url(proof_claims("POST", url, nonce).dump());
  };
  const std::vector<SpoiltProof> cases = {
      {"no typ", [&] { return with_header("typ", nullptr); }, "wrong_type"},
      {"typ JWT", [&] { return with_header("typ", "JWT"); }, "wrong_type"},
      {"no jwk", [&] { return with_header("jwk", nullptr); }, "missing_jwk"},
      {"the private key in jwk", [&] { return with_header("jwk", key_.private_jwk("k")); },
       "private_jwk"},
      {"signed by another key than jwk",
       [&] { return signed_by(stranger, proof_header(key_), proof_claims("POST", url, nonce)); },
       "bad_signature"},
      {"alg none",
       [&] {
         nlohmann::json h = proof_header(key_);
         h["alg"] = "none";
         return unsigned_part(h) + ".";
       },
       ""},
      {"HS256 keyed with the public jwk",
       [&] {
         nlohmann::json h = proof_header(key_);
         h["alg"] = "HS256";
         const std::string in = unsigned_part(h);
         return in + "." + b64url(hmac_sha256(h["jwk"].dump(), in));
       },
       "unsupported_alg"},
      {"RS256, not among the allowed algorithms",
       [&] {
         const nlohmann::json h = {
             {"typ", "dpop+jwt"}, {"alg", "RS256"}, {"jwk", rsa.public_jwk()}};
         const std::string in = unsigned_part(h);
         return in + "." + b64url(rsa.sign_rs256(in));
       },
       "alg_not_allowed"},
      {"no htm", [&] { return with_claim("htm", nullptr); }, "wrong_method"},
      {"no htu", [&] { return with_claim("htu", nullptr); }, "wrong_url"},
      {"no iat", [&] { return with_claim("iat", nullptr); }, "bad_iat"},
      {"no jti", [&] { return with_claim("jti", nullptr); }, "bad_jti"},
      {"iat an hour ago", [&] { return with_claim("iat", now_seconds() - 3600); }, "iat_too_old"},
      {"iat an hour ahead", [&] { return with_claim("iat", now_seconds() + 3600); },
       "iat_in_future"},
  };
  for (const auto& k : cases) {
    const std::size_t mark = w().signet.process->log_size();
    HttpResponse r = token(c, {{"grant_type", "client_credentials"}}, k.make());
    EXPECT_EQ(r.status, 400) << k.what << ": " << r.body;
    EXPECT_EQ(r.json().value("error", ""), "invalid_dpop_proof") << k.what << ": " << r.body;
    // The client is told only that the proof is invalid; the log names the check.
    const std::string logged = log_line_since(mark, std::string("proof refused: ") + k.fault);
    EXPECT_FALSE(logged.empty()) << k.what << ": no \"proof refused: " << k.fault
                                 << "\" in the log:\n"
                                 << w().signet.process->log_since(mark);
  }
  HttpResponse control =
      token(c, {{"grant_type", "client_credentials"}},
            signed_by(key_, proof_header(key_), proof_claims("POST", url, nonce)));
  EXPECT_EQ(control.status, 200) << "control: " << control.body;
}

// RFC 9449 §4.3 step 1: not more than one DPoP header field. Two lines folded
// into one by a proxy (RFC 9110 §5.3) are refused, even of two good proofs. Two
// separate lines reach Signet and bank-api as the first one only: Pistache keeps
// one value per header name (see http/incoming.cc), so they cannot be told apart.
TEST_F(DpopTest, TwoProofsInOneDpopHeaderAreRefused) {
  Client c = machine();
  const std::string url = w().signet.base_url + "/token";
  const std::string nonce = nonce_for(c, key_);
  HttpResponse two =
      token(c, {{"grant_type", "client_credentials"}},
            proof(key_, "POST", url, nonce) + ", " + proof(key_, "POST", url, nonce));
  EXPECT_EQ(two.status, 400) << two.body;
  EXPECT_EQ(two.json().value("error", ""), "invalid_dpop_proof") << two.body;
  HttpResponse one =
      token(c, {{"grant_type", "client_credentials"}}, proof(key_, "POST", url, nonce));
  ASSERT_EQ(one.status, 200) << "control: " << one.body;

  const std::string at = one.json().value("access_token", "");
  const std::string api_url = w().bank.base_url + "/accounts";
  HttpClient api;
  HttpResponse two_at_api = api.get(api_url, {{"Authorization", "DPoP " + at},
                                              {"DPoP", proof(key_, "GET", api_url, "", at) + ", " +
                                                           proof(key_, "GET", api_url, "", at)}});
  EXPECT_EQ(two_at_api.status, 401) << two_at_api.body;
  EXPECT_NE(two_at_api.header("www-authenticate").find("invalid_dpop_proof"), std::string::npos)
      << two_at_api.header("www-authenticate");
  HttpResponse one_at_api = api.get(
      api_url, {{"Authorization", "DPoP " + at}, {"DPoP", proof(key_, "GET", api_url, "", at)}});
  EXPECT_EQ(one_at_api.status, 200) << "control: " << one_at_api.body;
}

// At the resource server the proof also carries the token's hash (§4.3 step 12).
TEST_F(DpopTest, HandMadeProofsWithOneFaultAreRefusedAtBankApi) {
  Client c = machine();
  HttpResponse t = token(c, {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}},
                         proof(key_, "POST", w().signet.base_url + "/token", nonce_for(c, key_)));
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string at = t.json().value("access_token", "");
  const std::string url = w().bank.base_url + "/accounts";
  EcKey stranger = EcKey::generate();
  auto with_claim = [&](const char* name, const nlohmann::json& value) {
    nlohmann::json x = proof_claims("GET", url, "", at);
    if (value.is_null())
      x.erase(name);
    else
      x[name] = value;
    return signed_by(key_, proof_header(key_), x);
  };
  const std::vector<SpoiltProof> cases = {
      {"ath of another token", [&] { return with_claim("ath", b64url(sha256(at + "x"))); },
       "wrong_ath"},
      {"no ath", [&] { return with_claim("ath", nullptr); }, "missing_ath"},
      {"htm POST", [&] { return with_claim("htm", "POST"); }, "wrong_method"},
      {"htu of another endpoint",
       [&] { return with_claim("htu", w().bank.base_url + "/transactions"); }, "wrong_url"},
      {"iat an hour ago", [&] { return with_claim("iat", now_seconds() - 3600); }, "iat_too_old"},
      {"iat an hour ahead", [&] { return with_claim("iat", now_seconds() + 3600); },
       "iat_in_future"},
      {"signed by another key than jwk",
       [&] { return signed_by(stranger, proof_header(key_), proof_claims("GET", url, "", at)); },
       "bad_signature"},
      {"alg none",
       [&] {
         nlohmann::json h = proof_header(key_);
         h["alg"] = "none";
         return b64url(h.dump()) + "." + b64url(proof_claims("GET", url, "", at).dump()) + ".";
       },
       ""},
  };
  HttpClient api;
  for (const auto& k : cases) {
    HttpResponse r = api.get(url, {{"Authorization", "DPoP " + at}, {"DPoP", k.make()}});
    EXPECT_EQ(r.status, 401) << k.what << ": " << r.body;
    const std::string challenge = r.header("www-authenticate");
    EXPECT_NE(challenge.find("error=\"invalid_dpop_proof\""), std::string::npos)
        << k.what << ": " << challenge;
    EXPECT_NE(challenge.find(k.fault), std::string::npos) << k.what << ": " << challenge;
  }
  // A replayed proof: the first use passes (the control), the second is refused.
  const std::string good = proof(key_, "GET", url, "", at);
  HttpResponse first = api.get(url, {{"Authorization", "DPoP " + at}, {"DPoP", good}});
  EXPECT_EQ(first.status, 200) << "control: " << first.body;
  HttpResponse replay = api.get(url, {{"Authorization", "DPoP " + at}, {"DPoP", good}});
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_NE(replay.header("www-authenticate").find("replayed"), std::string::npos)
      << replay.header("www-authenticate");
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
  EXPECT_EQ(i.json()["cnf"].value("jkt", ""), ec_thumbprint(key_.public_jwk("k"))) << i.body;
  EXPECT_EQ(i.json().value("token_type", ""), "DPoP");
}

TEST_F(DpopTest, ACodeBoundWithDpopJktIsRedeemedOnlyWithThatKey) {
  User user = w().add_user(w().unique("alice"), kPassword);
  Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts");
  AuthorizeRequest req{c.client_id,     kRedirect,
                       "read:accounts", random_hex(8),
                       random_hex(32),  {{"dpop_jkt", ec_thumbprint(key_.public_jwk("k"))}}};
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
