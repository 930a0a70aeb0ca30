// A FAPI 2.0 client end to end over HTTP (FAPI 2.0 Security Profile §5.3.2):
// registered with `signet client add --profile fapi2` from its keys alone, it
// pushes its request with a client assertion and a DPoP proof, signs the
// customer in through the browser pages (a 303 back to it, its long state
// intact), redeems the code for a DPoP-bound token with the 64-character nonce
// in the ID token, and refreshes without rotation. A public client's refresh
// token is bound to its DPoP key (RFC 9449 §5).
#include <cstdio>
#include <fstream>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://partner.example.com/callback";
const std::string kPassword = "correct horse battery staple";
const std::string kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
using Form = std::vector<std::pair<std::string, std::string>>;

class Fapi2ProfileTest : public IntegrationTest {
 protected:
  // The partner's registration: only its name, redirect, scope and keys; the
  // profile sets the rest.
  Client register_partner() {
    const std::string path = w().log_dir + "/" + w().unique("fapi2") + ".json";
    std::ofstream(path) << nlohmann::json{{"client_name", w().unique("Partner")},
                                          {"redirect_uris", {kRedirect}},
                                          {"grant_types", {"authorization_code", "refresh_token"}},
                                          {"scope", "openid offline_access read:accounts"},
                                          {"jwks",
                                           {{"keys", nlohmann::json::array(
                                                         {client_key_.public_jwk(kKid)})}}}}
                               .dump();
    CommandResult r = w().cli({"client", "add", "--metadata", path, "--profile", "fapi2"});
    std::remove(path.c_str());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Client c;
    c.raw = nlohmann::json::parse(r.out, nullptr, false);
    if (c.raw.is_object()) c.client_id = c.raw.value("client_id", "");
    return c;
  }

  // Its authentication at every endpoint: a fresh assertion (RFC 7523 §2.2).
  void authenticate(Form& form, const Client& c) {
    const nlohmann::json claims = {{"iss", c.client_id},         {"sub", c.client_id},
                                   {"aud", w().signet.base_url}, {"iat", now_seconds()},
                                   {"exp", now_seconds() + 60},  {"jti", random_hex(16)}};
    form.emplace_back("client_assertion_type", kAssertionType);
    form.emplace_back("client_assertion",
                      make_jws({{"alg", "ES256"}, {"kid", kKid}, {"typ", "JWT"}}, claims,
                               [this](std::string_view in) { return client_key_.sign_es256(in); }));
  }

  // POST to a Signet endpoint with a DPoP proof; a use_dpop_nonce answer is
  // retried once with the nonce it carries (RFC 9449 §8).
  HttpResponse post_with_proof(const std::string& path, const Client& c, const Form& fields,
                               const EcKey& key) {
    HttpResponse r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      Form form = fields;
      if (!c.client_id.empty() && c.client_secret.empty() && !public_) authenticate(form, c);
      HttpClient http;
      r = http.post_form(w().signet.base_url + path, form,
                         {{"DPoP", dpop_proof(key, "POST", w().signet.base_url + path, nonce_)}});
      if (!r.header("dpop-nonce").empty()) nonce_ = r.header("dpop-nonce");
      if (r.status != 400 || r.json().value("error", "") != "use_dpop_nonce") break;
    }
    return r;
  }

  HttpResponse refresh(const Client& c, const std::string& token, const EcKey* key) {
    Form form = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
    if (public_) form.emplace_back("client_id", c.client_id);
    if (key) return post_with_proof("/token", c, form, *key);
    if (!public_) authenticate(form, c);
    HttpClient http;
    return http.post_form(w().signet.base_url + "/token", form);
  }

  EcKey client_key_ = EcKey::generate();
  EcKey dpop_key_ = EcKey::generate();
  const std::string kKid = "partner-1";
  std::string nonce_;
  bool public_ = false;
};

TEST_F(Fapi2ProfileTest, APartnerRegisteredByTheProfileRunsTheWholeFlow) {
  Client c = register_partner();
  ASSERT_FALSE(c.client_id.empty());
  EXPECT_EQ(c.raw.value("token_endpoint_auth_method", ""), "private_key_jwt");
  EXPECT_EQ(c.raw.value("require_pushed_authorization_requests", false), true);
  EXPECT_EQ(c.raw.value("dpop_bound_access_tokens", false), true);
  User user = w().add_user(w().unique("alice"), kPassword);

  // FAPI 2.0 §5.3.2.2: nonces up to 64 characters and long state values.
  const std::string nonce(64, 'n');
  const std::string state = random_hex(750);  // 1500 characters
  const std::string verifier = random_hex(32);
  const Form request = {{"response_type", "code"},
                        {"client_id", c.client_id},
                        {"redirect_uri", kRedirect},
                        {"scope", "openid offline_access read:accounts"},
                        {"state", state},
                        {"nonce", nonce},
                        {"code_challenge", b64url(sha256(verifier))},
                        {"code_challenge_method", "S256"}};
  HttpResponse pushed = post_with_proof("/par", c, request, dpop_key_);
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  const std::string request_uri = pushed.json().value("request_uri", "");

  // The request is pushed or refused: the same parameters on the URL are not enough.
  HttpClient stray;
  AuthorizeRequest direct{c.client_id, kRedirect, "read:accounts", "s", verifier, {}};
  AuthorizationResult refused = w().authorize(stray, direct, user);
  EXPECT_TRUE(refused.code().empty()) << "a FAPI client's request must be pushed";

  HttpClient browser;
  AuthorizationResult a =
      w().authorize_at(browser,
                       w().signet.base_url + "/authorize?client_id=" + c.client_id +
                           "&request_uri=" + url_encode(request_uri),
                       user);
  ASSERT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
  EXPECT_EQ(a.last.status, 303) << "redirects are 303 See Other";
  EXPECT_EQ(a.params["state"], state) << "the long state comes back intact";

  HttpResponse t = post_with_proof("/token", c,
                                   {{"grant_type", "authorization_code"},
                                    {"code", a.code()},
                                    {"redirect_uri", kRedirect},
                                    {"code_verifier", verifier}},
                                   dpop_key_);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json().value("token_type", ""), "DPoP");
  EXPECT_EQ(jwt_claims(t.json().value("id_token", "")).value("nonce", ""), nonce);
  const std::string refresh_token = t.json().value("refresh_token", "");
  ASSERT_FALSE(refresh_token.empty());

  // §5.3.2.1 item 9: no rotation; each refresh is a new DPoP-bound access token.
  std::string last_access = t.json().value("access_token", "");
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = refresh(c, refresh_token, &dpop_key_);
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
    EXPECT_EQ(r.json().value("refresh_token", ""), refresh_token) << "the same token stays";
    EXPECT_NE(r.json().value("access_token", ""), last_access);
    last_access = r.json().value("access_token", "");
  }
  HttpResponse bare = refresh(c, refresh_token, nullptr);
  EXPECT_EQ(bare.status, 400) << bare.body;
  EXPECT_EQ(bare.json().value("error", ""), "invalid_dpop_proof") << "DPoP-bound client";

  const std::string url = w().bank.base_url + "/accounts";
  HttpClient api;
  HttpResponse data = api.get(url, {{"Authorization", "DPoP " + last_access},
                                    {"DPoP", dpop_proof(dpop_key_, "GET", url, "", last_access)}});
  EXPECT_EQ(data.status, 200) << data.body;

  // Revoking the refresh token ends the grant: it works no more.
  Form revoke = {{"token", refresh_token}};
  authenticate(revoke, c);
  HttpClient http;
  ASSERT_EQ(http.post_form(w().signet.base_url + "/revoke", revoke).status, 200);
  HttpResponse after = refresh(c, refresh_token, &dpop_key_);
  EXPECT_EQ(after.status, 400) << after.body;
  EXPECT_EQ(after.json().value("error", ""), "invalid_grant");
}

TEST_F(Fapi2ProfileTest, TheProfileRefusesASecretOrAnHttpRedirect) {
  const std::string path = w().log_dir + "/" + w().unique("fapi2-bad") + ".json";
  std::ofstream(path)
      << nlohmann::json{{"client_name", "Bad"},
                        {"redirect_uris", {"http://partner.example.com/cb"}},
                        {"scope", "read:accounts"},
                        {"jwks", {{"keys", nlohmann::json::array({client_key_.public_jwk(kKid)})}}}}
             .dump();
  CommandResult http_redirect =
      w().cli({"client", "add", "--metadata", path, "--profile", "fapi2"});
  EXPECT_NE(http_redirect.exit_code, 0);
  EXPECT_NE(http_redirect.err.find("https"), std::string::npos) << http_redirect.err;
  std::ofstream(path) << nlohmann::json{{"client_name", "Bad"},
                                        {"redirect_uris", {kRedirect}},
                                        {"scope", "read:accounts"},
                                        {"token_endpoint_auth_method", "client_secret_basic"}}
                             .dump();
  CommandResult secret = w().cli({"client", "add", "--metadata", path, "--profile", "fapi2"});
  std::remove(path.c_str());
  EXPECT_NE(secret.exit_code, 0);
  EXPECT_NE(secret.err.find("private_key_jwt"), std::string::npos) << secret.err;
}

TEST_F(Fapi2ProfileTest, APublicClientsRefreshTokenNeedsItsDpopKey) {
  public_ = true;
  Client c = w().add_client(w().unique("Mobile"), {kRedirect}, "read:accounts", true,
                            {"authorization_code", "refresh_token"});
  User user = w().add_user(w().unique("bob"), kPassword);
  AuthorizeRequest req{c.client_id, kRedirect, "read:accounts", random_hex(8), random_hex(32), {}};
  HttpClient browser;
  AuthorizationResult a = w().authorize(browser, req, user);
  ASSERT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
  HttpResponse t = post_with_proof("/token", c,
                                   {{"grant_type", "authorization_code"},
                                    {"client_id", c.client_id},
                                    {"code", a.code()},
                                    {"redirect_uri", kRedirect},
                                    {"code_verifier", req.code_verifier}},
                                   dpop_key_);
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string first = t.json().value("refresh_token", "");
  ASSERT_FALSE(first.empty());

  HttpResponse bare = refresh(c, first, nullptr);
  EXPECT_EQ(bare.status, 400) << bare.body;
  EXPECT_EQ(bare.json().value("error", ""), "invalid_grant") << "no proof";
  EcKey thief = EcKey::generate();
  HttpResponse stolen = refresh(c, first, &thief);
  EXPECT_EQ(stolen.status, 400) << stolen.body;
  EXPECT_EQ(stolen.json().value("error", ""), "invalid_grant") << "another key";
  HttpResponse own = refresh(c, first, &dpop_key_);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_NE(own.json().value("refresh_token", ""), first) << "a public client keeps rotation";
  EXPECT_EQ(jwt_claims(own.json().value("access_token", ""))["cnf"].value("jkt", ""),
            ec_thumbprint(dpop_key_.public_jwk("k")));
}

}  // namespace
}  // namespace signet::it
