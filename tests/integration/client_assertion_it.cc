// private_key_jwt client authentication (RFC 7523 §2.2, FAPI 2.0 Security
// Profile §5.3.2.1) over HTTP against the real signet and PostgreSQL: a client
// registered with its public key (signet client add --metadata) authenticates
// at /token, /par, /introspect and /revoke with assertions the test signs with
// its own OpenSSL code; every refusal has a passing control, and a jti is used
// once even across two replicas.
#include <cstdio>
#include <fstream>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const std::string kRedirect = "https://partner.example.com/callback";

class ClientAssertionTest : public IntegrationTest {
 protected:
  // A client_credentials client with private_key_jwt and `key`'s public half inline.
  Client register_client(const EcKey& key, const std::string& kid,
                         const std::vector<std::string>& grants = {"client_credentials"},
                         nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json md = {{"client_name", w().unique("Partner")},
                         {"scope", "read:accounts"},
                         {"grant_types", grants},
                         {"token_endpoint_auth_method", "private_key_jwt"},
                         {"jwks", {{"keys", nlohmann::json::array({key.public_jwk(kid)})}}}};
    if (std::find(grants.begin(), grants.end(), "authorization_code") != grants.end()) {
      md["redirect_uris"] = {kRedirect};
    }
    for (auto& [k, v] : extra.items()) md[k] = v;
    CommandResult r = add_from_metadata(md);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Client c;
    c.raw = nlohmann::json::parse(r.out, nullptr, false);
    if (c.raw.is_object()) c.client_id = c.raw.value("client_id", "");
    c.scope = "read:accounts";
    c.redirect_uris = {kRedirect};
    return c;
  }

  CommandResult add_from_metadata(const nlohmann::json& md) {
    const std::string path = w().log_dir + "/" + w().unique("metadata") + ".json";
    std::ofstream(path) << md.dump();
    CommandResult r = w().cli({"client", "add", "--metadata", path});
    std::remove(path.c_str());
    return r;
  }

  nlohmann::json claims(const Client& c) {
    return {{"iss", c.client_id},   {"sub", c.client_id},        {"aud", w().signet.base_url},
            {"iat", now_seconds()}, {"exp", now_seconds() + 60}, {"jti", random_hex(16)}};
  }

  std::string assertion(const EcKey& key, const std::string& kid, const nlohmann::json& c) {
    return make_jws({{"alg", "ES256"}, {"kid", kid}, {"typ", "JWT"}}, c,
                    [&key](std::string_view input) { return key.sign_es256(input); });
  }

  HttpResponse client_credentials(const std::string& assertion_jwt,
                                  const std::string& base_url = {}) {
    HttpClient http;
    return http.post_form((base_url.empty() ? w().signet.base_url : base_url) + "/token",
                          {{"grant_type", "client_credentials"},
                           {"scope", "read:accounts"},
                           {"client_assertion_type", kAssertionType},
                           {"client_assertion", assertion_jwt}});
  }

  EcKey key_ = EcKey::generate();
  const std::string kid_ = "partner-key-1";
};

TEST_F(ClientAssertionTest, MetadataAdvertisesPrivateKeyJwt) {
  HttpClient http;
  auto j = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server").json();
  for (const char* field :
       {"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported"}) {
    auto methods = j.value(field, std::vector<std::string>{});
    EXPECT_NE(std::find(methods.begin(), methods.end(), "private_key_jwt"), methods.end()) << field;
  }
  EXPECT_EQ(j.value("token_endpoint_auth_signing_alg_values_supported", std::vector<std::string>{}),
            (std::vector<std::string>{"ES256", "PS256", "EdDSA"}));
}

TEST_F(ClientAssertionTest, AnAssertionBuysATokenOnceAndOnlyOnce) {
  Client c = register_client(key_, kid_);
  ASSERT_FALSE(c.client_id.empty());
  EXPECT_EQ(c.raw.value("token_endpoint_auth_method", ""), "private_key_jwt");
  EXPECT_FALSE(c.raw.contains("client_secret")) << "no secret for a key-based client";
  const std::string a = assertion(key_, kid_, claims(c));
  HttpResponse first = client_credentials(a);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(jwt_claims(first.json().value("access_token", "")).value("client_id", ""), c.client_id);
  HttpResponse replay = client_credentials(a);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(replay.json().value("error", ""), "invalid_client");
}

// The jti table is shared: a second replica (the same issuer, as behind a load
// balancer) refuses what the first accepted.
TEST_F(ClientAssertionTest, AReplayAtAnotherReplicaIsRefused) {
  Client c = register_client(key_, kid_);
  std::string error;
  Server second = w().start_signet({{"SIGNET_ISSUER", w().signet.base_url}}, &error);
  Forget forget{second};
  ASSERT_TRUE(error.empty()) << error;
  const std::string a = assertion(key_, kid_, claims(c));
  EXPECT_EQ(client_credentials(a).status, 200);
  HttpResponse there = client_credentials(a, second.base_url);
  EXPECT_EQ(there.status, 401) << there.body;
  // Control: a fresh assertion works there.
  EXPECT_EQ(client_credentials(assertion(key_, kid_, claims(c)), second.base_url).status, 200);
}

TEST_F(ClientAssertionTest, RefusedAssertionsEachBesideAPassingControl) {
  Client c = register_client(key_, kid_);
  EcKey stranger = EcKey::generate();
  struct Case {
    const char* what;
    std::function<std::string()> make;
  };
  const std::vector<Case> cases = {
      {"aud as an array",
       [&] {
         auto x = claims(c);
         x["aud"] = nlohmann::json::array({w().signet.base_url});
         return assertion(key_, kid_, x);
       }},
      {"aud the token endpoint",
       [&] {
         auto x = claims(c);
         x["aud"] = w().signet.base_url + "/token";
         return assertion(key_, kid_, x);
       }},
      {"expired",
       [&] {
         auto x = claims(c);
         x["exp"] = now_seconds() - 5;
         return assertion(key_, kid_, x);
       }},
      {"no exp",
       [&] {
         auto x = claims(c);
         x.erase("exp");
         return assertion(key_, kid_, x);
       }},
      {"iat a minute ahead",
       [&] {
         auto x = claims(c);
         x["iat"] = now_seconds() + 65;
         return assertion(key_, kid_, x);
       }},
      {"sub another client",
       [&] {
         auto x = claims(c);
         x["sub"] = "someone";
         return assertion(key_, kid_, x);
       }},
      {"iss an unknown client, sub this one",
       [&] {
         auto x = claims(c);
         x["iss"] = "someone";
         return assertion(key_, kid_, x);
       }},
      {"signed by another key", [&] { return assertion(stranger, kid_, claims(c)); }},
      {"alg none",
       [&] {
         return b64url(nlohmann::json{{"alg", "none"}, {"kid", kid_}}.dump()) + "." +
                b64url(claims(c).dump()) + ".";
       }},
      {"HS256 keyed with the public key",
       [&] {
         return make_jws({{"alg", "HS256"}, {"kid", kid_}}, claims(c), [&](std::string_view in) {
           return hmac_sha256(key_.public_jwk(kid_).dump(), in);
         });
       }},
  };
  for (const auto& k : cases) {
    HttpResponse r = client_credentials(k.make());
    EXPECT_EQ(r.status, 401) << k.what << ": " << r.body;
    EXPECT_EQ(r.json().value("error", ""), "invalid_client") << k.what;
  }
  EXPECT_EQ(client_credentials(assertion(key_, kid_, claims(c))).status, 200) << "control";
}

TEST_F(ClientAssertionTest, ASecretNeverAuthenticatesAKeyClientNorAnAssertionASecretClient) {
  Client keyed = register_client(key_, kid_);
  HttpClient http;
  HttpResponse basic =
      http.post_form(w().signet.base_url + "/token", {{"grant_type", "client_credentials"}},
                     {{"Authorization", basic_auth(keyed.client_id, "guess")}});
  EXPECT_EQ(basic.status, 401) << basic.body;
  Client secret_client =
      w().add_client(w().unique("Reconciler"), {}, "read:accounts", false, {"client_credentials"});
  auto x = claims(secret_client);
  HttpResponse r = client_credentials(assertion(key_, kid_, x));
  EXPECT_EQ(r.status, 401) << r.body;
}

// The same authentication at /par, /introspect and /revoke.
TEST_F(ClientAssertionTest, PushIntrospectAndRevokeTakeAssertions) {
  Client c = register_client(key_, kid_, {"authorization_code", "client_credentials"});
  HttpClient http;
  HttpResponse pushed = http.post_form(w().signet.base_url + "/par",
                                       {{"response_type", "code"},
                                        {"redirect_uri", kRedirect},
                                        {"scope", "read:accounts"},
                                        {"code_challenge", pkce_challenge(random_hex(32))},
                                        {"code_challenge_method", "S256"},
                                        {"client_assertion_type", kAssertionType},
                                        {"client_assertion", assertion(key_, kid_, claims(c))}});
  EXPECT_EQ(pushed.status, 201) << pushed.body;

  HttpResponse token = client_credentials(assertion(key_, kid_, claims(c)));
  ASSERT_EQ(token.status, 200) << token.body;
  const std::string at = token.json().value("access_token", "");
  HttpResponse intro = http.post_form(w().signet.base_url + "/introspect",
                                      {{"token", at},
                                       {"client_assertion_type", kAssertionType},
                                       {"client_assertion", assertion(key_, kid_, claims(c))}});
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_EQ(intro.json().value("active", false), true) << intro.body;
  HttpResponse revoke = http.post_form(w().signet.base_url + "/revoke",
                                       {{"token", at},
                                        {"client_assertion_type", kAssertionType},
                                        {"client_assertion", assertion(key_, kid_, claims(c))}});
  EXPECT_EQ(revoke.status, 200) << revoke.body;
  HttpResponse after = http.post_form(w().signet.base_url + "/introspect",
                                      {{"token", at},
                                       {"client_assertion_type", kAssertionType},
                                       {"client_assertion", assertion(key_, kid_, claims(c))}});
  EXPECT_EQ(after.json().value("active", true), false) << after.body;
}

TEST_F(ClientAssertionTest, RegistrationRefusesWhatCannotAuthenticate) {
  nlohmann::json base = {{"client_name", "X"},
                         {"scope", "read:accounts"},
                         {"grant_types", {"client_credentials"}},
                         {"token_endpoint_auth_method", "private_key_jwt"}};
  CommandResult no_keys = add_from_metadata(base);
  EXPECT_NE(no_keys.exit_code, 0);
  EXPECT_NE(no_keys.err.find("jwks"), std::string::npos) << no_keys.err;
  nlohmann::json with_private = base;
  nlohmann::json jwk = key_.public_jwk(kid_);
  jwk["d"] = b64url(std::string(32, 'x'));
  with_private["jwks"] = {{"keys", {jwk}}};
  CommandResult priv = add_from_metadata(with_private);
  EXPECT_NE(priv.exit_code, 0);
  EXPECT_NE(priv.err.find("private"), std::string::npos) << priv.err;
  nlohmann::json bad_alg = base;
  bad_alg["jwks"] = {{"keys", {key_.public_jwk(kid_)}}};
  bad_alg["token_endpoint_auth_signing_alg"] = "HS256";
  CommandResult alg = add_from_metadata(bad_alg);
  EXPECT_NE(alg.exit_code, 0);
  EXPECT_NE(alg.err.find("token_endpoint_auth_signing_alg"), std::string::npos) << alg.err;
  // rotate-secret has nothing to rotate.
  Client c = register_client(key_, kid_);
  CommandResult rotate = w().cli({"client", "rotate-secret", c.client_id});
  EXPECT_NE(rotate.exit_code, 0);
  EXPECT_NE(rotate.err.find("private_key_jwt"), std::string::npos) << rotate.err;
}

// A jwks_uri is fetched, but never from a loopback or private address unless the
// operator allows it (SSRF: a client must not make Signet reach the bank's network).
TEST_F(ClientAssertionTest, AJwksUriOnALocalAddressIsRefusedUnlessAllowed) {
  StaticServer jwks(nlohmann::json{{"keys", {key_.public_jwk(kid_)}}}.dump());
  nlohmann::json md = {{"client_name", w().unique("Published")},
                       {"scope", "read:accounts"},
                       {"grant_types", {"client_credentials"}},
                       {"token_endpoint_auth_method", "private_key_jwt"},
                       {"jwks_uri", jwks.url()}};
  CommandResult r = add_from_metadata(md);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Client c;
  c.client_id = nlohmann::json::parse(r.out).value("client_id", "");
  HttpResponse refused = client_credentials(assertion(key_, kid_, claims(c)));
  EXPECT_EQ(refused.status, 401) << refused.body;
  // Control: a replica allowed to reach private addresses (a development set-up).
  std::string error;
  Server dev = w().start_signet(
      {{"SIGNET_ISSUER", w().signet.base_url}, {"SIGNET_ALLOW_PRIVATE_JWKS_URI", "true"}}, &error);
  Forget forget{dev};
  ASSERT_TRUE(error.empty()) << error;
  HttpResponse ok = client_credentials(assertion(key_, kid_, claims(c)), dev.base_url);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

}  // namespace
}  // namespace signet::it
