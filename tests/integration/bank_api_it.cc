// bank-api as a resource server under attack: forged, altered and misdirected
// tokens must all be 401 invalid_token (RFC 6750 §3.1), and one customer must
// never see another's data.
#include <set>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

class BankApiTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    user_ = w().add_user(w().unique("alice"), kPassword);
    client_ =
        w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts read:transactions");
    token_ = w().access_token(client_, user_, "read:accounts read:transactions");
    ASSERT_FALSE(token_.empty());
    // Control: the genuine token works, so a 401 below is the defence at work.
    HttpResponse ok = w().bank_get("/transactions", token_);
    ASSERT_EQ(ok.status, 200) << ok.body;
  }

  void expect_invalid_token(const HttpResponse& r, const std::string& what,
                            const std::string& base_url = {}) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    std::string challenge = r.header("www-authenticate");
    EXPECT_EQ(challenge.rfind("Bearer", 0), 0u) << what << ": " << challenge;
    EXPECT_NE(challenge.find("error=\"invalid_token\""), std::string::npos)
        << what << ": " << challenge;
    EXPECT_EQ(r.body.find("\"transactions\""), std::string::npos) << what;
    (void)base_url;
  }

  std::string header_b64() const { return token_.substr(0, token_.find('.')); }
  std::string payload_b64() const {
    auto a = token_.find('.');
    return token_.substr(a + 1, token_.rfind('.') - a - 1);
  }
  std::string signature_b64() const { return token_.substr(token_.rfind('.') + 1); }

  User user_;
  Client client_;
  std::string token_;
};

// RFC 6750 §3.1: no bearer credentials (none, another scheme, a token in the query
// string) is 401 with a bare challenge: no error code, in the header or the body.
TEST_F(BankApiTest, MissingTokenIsChallenged) {
  HttpClient http;
  for (const auto& [r, what] : std::vector<std::pair<HttpResponse, std::string>>{
           {w().bank_get("/transactions", ""), "no Authorization"},
           {http.get(w().bank.base_url + "/transactions",
                     {{"Authorization", "Basic " + b64url("a:b")}}),
            "Basic"},
           {http.get(w().bank.base_url + "/transactions?access_token=" + token_),
            "tokens in the query string must not be accepted"}}) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    // The realm is the API's audience (the resource library's default); bank-api
    // accepts DPoP too, so the DPoP challenge follows (RFC 9449 §7.2).
    EXPECT_EQ(r.header("www-authenticate"), std::string("Bearer realm=\"") + kBankAudience +
                                                "\", DPoP realm=\"" + kBankAudience +
                                                "\", algs=\"ES256 PS256 EdDSA\"")
        << what;
    EXPECT_FALSE(r.json().contains("error")) << what << ": " << r.body;
  }
}

// RFC 6750 §3.1: a malformed Authorization header is 400 invalid_request, like
// signet's /userinfo answers it.
TEST_F(BankApiTest, MalformedAuthorizationIs400InvalidRequest) {
  HttpClient http;
  for (const std::string& v : {std::string("Bearer"), "Bearer " + token_ + " " + token_,
                               "Bearer " + token_ + "\"", std::string("Bearer abc@def")}) {
    HttpResponse r = http.get(w().bank.base_url + "/transactions", {{"Authorization", v}});
    EXPECT_EQ(r.status, 400) << v << ": " << r.body;
    EXPECT_EQ(
        r.header("www-authenticate")
            .rfind(std::string("Bearer realm=\"") + kBankAudience + "\", error=\"invalid_request\"",
                   0),
        0u)
        << r.header("www-authenticate");
    EXPECT_EQ(r.json().value("error", ""), "invalid_request") << v;
    EXPECT_EQ(r.body.find("\"transactions\""), std::string::npos);
  }
}

TEST_F(BankApiTest, TamperedSignatureIs401InvalidToken) {
  std::string sig = b64url_decode(signature_b64());
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  expect_invalid_token(
      w().bank_get("/transactions", header_b64() + "." + payload_b64() + "." + b64url(sig)),
      "one bit of the signature flipped");

  // Altered claims with the original signature: more scope, another subject.
  auto claims = jwt_claims(token_);
  claims["scope"] = "read:accounts read:transactions write:payments";
  expect_invalid_token(w().bank_get("/transactions", header_b64() + "." + b64url(claims.dump()) +
                                                         "." + signature_b64()),
                       "scope widened");
  claims = jwt_claims(token_);
  claims["sub"] = "someone-else";
  expect_invalid_token(w().bank_get("/transactions", header_b64() + "." + b64url(claims.dump()) +
                                                         "." + signature_b64()),
                       "subject changed");

  // Structural damage.
  expect_invalid_token(w().bank_get("/transactions", header_b64() + "." + payload_b64() + "."),
                       "signature removed");
  expect_invalid_token(w().bank_get("/transactions", header_b64() + "." + payload_b64()),
                       "two segments");
  expect_invalid_token(w().bank_get("/transactions", token_ + "AAAA"), "trailing garbage");
  expect_invalid_token(w().bank_get("/transactions", token_ + ".x"), "four segments");
  expect_invalid_token(w().bank_get("/transactions", "garbage"), "not a JWT");
  std::string padded = header_b64() + "." + payload_b64() + "." + signature_b64() + "==";
  expect_invalid_token(w().bank_get("/transactions", padded), "padding added");
  // r || s with s replaced by n - s (ECDSA malleability) or zeroes.
  std::string zero_sig(64, '\0');
  expect_invalid_token(
      w().bank_get("/transactions", header_b64() + "." + payload_b64() + "." + b64url(zero_sig)),
      "all-zero signature");
  // A DER signature instead of the JOSE r||s form.
  EXPECT_TRUE(w().bank.process->alive());
}

TEST_F(BankApiTest, AlgNoneIs401InvalidToken) {
  auto header = jwt_header(token_);
  auto claims = jwt_claims(token_);
  for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
    header["alg"] = alg;
    std::string unsigned_token = b64url(header.dump()) + "." + b64url(claims.dump()) + ".";
    expect_invalid_token(w().bank_get("/transactions", unsigned_token), "alg " + alg);
    expect_invalid_token(w().bank_get("/transactions", unsigned_token + signature_b64()),
                         "alg " + alg + " with the old signature");
  }
  // The right signature under a header that names another algorithm.
  header["alg"] = "ES384";
  expect_invalid_token(w().bank_get("/transactions", b64url(header.dump()) + "." + payload_b64() +
                                                         "." + signature_b64()),
                       "alg ES384");
  for (const std::string alg : {"PS256", "EdDSA", "RS256", "XX999"}) {
    header["alg"] = alg;
    expect_invalid_token(w().bank_get("/transactions", b64url(header.dump()) + "." + payload_b64() +
                                                           "." + signature_b64()),
                         "alg " + alg);
  }
  EXPECT_TRUE(w().bank.process->alive());
}

TEST_F(BankApiTest, AlgorithmConfusionHs256WithPublicKeyIs401) {
  HttpClient http;
  HttpResponse jr = http.get(w().signet.base_url + "/jwks");
  ASSERT_EQ(jr.status, 200);
  auto header = jwt_header(token_);
  nlohmann::json jwk;
  const nlohmann::json jwks = jr.json();
  for (const auto& k : jwks["keys"]) {
    if (k.value("kid", "") == header.value("kid", "")) jwk = k;
  }
  ASSERT_FALSE(jwk.is_null());
  EcKey pub = EcKey::from_jwk(jwk);
  std::string pem = pub.public_pem();
  std::string pem_no_newline = pem.substr(0, pem.find_last_not_of('\n') + 1);
  // Every form in which an HMAC verifier might take "the key" as its secret.
  const std::vector<std::pair<std::string, std::string>> secrets{
      {"PEM", pem},
      {"PEM without final newline", pem_no_newline},
      {"JWK JSON", jwk.dump()},
      {"JWKS JSON", jr.body},
      {"uncompressed point", pub.public_point()},
      {"x", b64url_decode(jwk.value("x", ""))},
      {"kid", header.value("kid", "")},
  };
  auto claims = jwt_claims(token_);
  claims["scope"] = "read:accounts read:transactions write:payments";
  for (const std::string alg : {"HS256", "HS384", "HS512"}) {
    for (const auto& [what, secret] : secrets) {
      nlohmann::json h{{"alg", alg}, {"typ", "at+jwt"}, {"kid", header.value("kid", "")}};
      std::string forged =
          make_jws(h, claims, [&](std::string_view in) { return hmac_sha256(secret, in); });
      expect_invalid_token(w().bank_get("/transactions", forged), alg + " MACed with " + what);
    }
  }
}

TEST_F(BankApiTest, NonAsciiBytesAre401InvalidToken) {
  const std::string bytes("\x80\xff\xc3\xa9\xfe", 5);
  const std::vector<std::pair<std::string, std::string>> tokens{
      {"in header segment", header_b64() + bytes + "." + payload_b64() + "." + signature_b64()},
      {"in payload segment", header_b64() + "." + payload_b64() + bytes + "." + signature_b64()},
      {"in signature segment", header_b64() + "." + payload_b64() + "." + signature_b64() + bytes},
      {"alone", bytes},
      {"utf-8 lookalike", header_b64() + "\xe2\x80\xa4" + payload_b64() + "." + signature_b64()},
  };
  for (const auto& [what, t] : tokens) {
    HttpResponse r = w().bank_get("/transactions", t);
    EXPECT_TRUE(r.status == 401 || r.status == 400) << what << ": " << r.status << " " << r.body;
    if (r.status == 401) {
      expect_invalid_token(r, what);
    }
    ASSERT_TRUE(w().bank.process->alive()) << what << " killed bank-api:\n"
                                           << w().bank.process->log_tail();
  }
  // Decoded JSON that is not UTF-8 / not an object.
  for (const std::string& payload :
       {std::string("\xff\xfe{}", 4), std::string("[]"), std::string("\"x\""), std::string("{")}) {
    std::string t = header_b64() + "." + b64url(payload) + "." + signature_b64();
    expect_invalid_token(w().bank_get("/transactions", t), "payload " + payload);
  }
  for (const std::string& hdr : {std::string("\xff\xfe{}", 4), std::string("null"),
                                 std::string(R"({"alg":["ES256"]})"), std::string("{")}) {
    std::string t = b64url(hdr) + "." + payload_b64() + "." + signature_b64();
    expect_invalid_token(w().bank_get("/transactions", t), "header " + hdr);
  }
  ASSERT_TRUE(w().bank.process->alive()) << w().bank.process->log_tail();
  EXPECT_EQ(w().bank_get("/transactions", token_).status, 200);
}

TEST_F(BankApiTest, WrongAudienceIs401InvalidToken) {
  std::string why;
  Server other = w().start_bank_api({{"BANK_API_AUDIENCE", "other-api"}}, &why);
  ASSERT_TRUE(other.process) << why;
  HttpResponse r = w().bank_get("/transactions", token_, other.base_url);
  expect_invalid_token(r, "token for bank-api sent to other-api");
  // Same token, right audience: accepted.
  EXPECT_EQ(w().bank_get("/transactions", token_).status, 200);
  std::erase(w().processes, other.process.get());
}

// Tokens signed by a key the test controls, served to a dedicated bank-api as its
// JWKS (BANK_API_JWKS_URI): lets us sign expired or otherwise wrong claims.
class ForgedClaimsTest : public BankApiTest {};

TEST_F(ForgedClaimsTest, ExpiredAndMisclaimedTokensAre401) {
  EcKey key = EcKey::generate();
  nlohmann::json jwks{{"keys", nlohmann::json::array({key.public_jwk("test-key-1")})}};
  StaticServer jwks_server(jwks.dump());
  std::string why;
  Server bank = w().start_bank_api({{"BANK_API_JWKS_URI", jwks_server.url()}}, &why);
  ASSERT_TRUE(bank.process) << why;

  const int64_t now = now_seconds();
  auto good_claims = [&] {
    return nlohmann::json{{"iss", w().signet.base_url},
                          {"sub", user_.subject},
                          {"aud", kBankAudience},
                          {"client_id", client_.client_id},
                          {"scope", "read:accounts read:transactions"},
                          {"iat", now},
                          {"exp", now + 300},
                          {"jti", random_hex(16)}};
  };
  nlohmann::json good_header{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "test-key-1"}};
  auto sign = [&](const nlohmann::json& h, const nlohmann::json& c) {
    return make_jws(h, c, [&](std::string_view in) { return key.sign_es256(in); });
  };

  // Control: well-formed claims under the test key are accepted by this bank-api.
  HttpResponse ok = w().bank_get("/transactions", sign(good_header, good_claims()), bank.base_url);
  ASSERT_EQ(ok.status, 200) << "forged-but-valid control token refused: " << ok.body << "\n"
                            << bank.process->log_tail();

  auto with = [&](const std::string& name, const nlohmann::json& value) {
    auto c = good_claims();
    if (value.is_null())
      c.erase(name);
    else
      c[name] = value;
    return c;
  };
  const std::vector<std::pair<std::string, nlohmann::json>> bad{
      {"expired an hour ago", with("exp", now - 3600)},
      {"expired beyond the leeway", with("exp", now - 120)},
      {"no exp", with("exp", nullptr)},
      {"exp as a string", with("exp", std::to_string(now + 300))},
      {"not yet valid", with("nbf", now + 3600)},
      {"issued in the future", with("iat", now + 3600)},
      {"other issuer", with("iss", "https://evil.example")},
      {"issuer with trailing slash", with("iss", w().signet.base_url + "/")},
      {"no issuer", with("iss", nullptr)},
      {"other audience", with("aud", "other-api")},
      {"audience list without us", with("aud", nlohmann::json::array({"other-api"}))},
      {"no audience", with("aud", nullptr)},
      {"no subject", with("sub", nullptr)},
  };
  for (const auto& [what, claims] : bad) {
    expect_invalid_token(w().bank_get("/transactions", sign(good_header, claims), bank.base_url),
                         what);
  }
  // Header problems under a valid signature.
  auto h = good_header;
  h["typ"] = "JWT";
  expect_invalid_token(w().bank_get("/transactions", sign(h, good_claims()), bank.base_url),
                       "typ JWT instead of at+jwt");
  h = good_header;
  h.erase("typ");
  expect_invalid_token(w().bank_get("/transactions", sign(h, good_claims()), bank.base_url),
                       "no typ");
  h = good_header;
  h["kid"] = "unknown-kid";
  expect_invalid_token(w().bank_get("/transactions", sign(h, good_claims()), bank.base_url),
                       "unknown kid");
  h = good_header;
  h["crit"] = nlohmann::json::array({"x-unknown"});
  h["x-unknown"] = true;
  expect_invalid_token(w().bank_get("/transactions", sign(h, good_claims()), bank.base_url),
                       "unknown crit header");
  // Signed by our key but sent to the real bank-api, which trusts Signet's JWKS only.
  expect_invalid_token(w().bank_get("/transactions", sign(good_header, good_claims())),
                       "token signed by a foreign key");
  std::erase(w().processes, bank.process.get());
}

TEST_F(BankApiTest, OneCustomerNeverSeesAnothersTransactions) {
  User bob = w().add_user(w().unique("bob"), kPassword);
  std::string bob_token = w().access_token(client_, bob, "read:accounts read:transactions");
  ASSERT_FALSE(bob_token.empty());

  auto ids = [&](const std::string& token, const std::string& path, const std::string& list,
                 const std::string& field) {
    std::set<std::string> out;
    HttpResponse r = w().bank_get(path, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    if (r.status != 200) return out;
    for (const auto& item : r.json().value(list, nlohmann::json::array())) {
      out.insert(item.contains(field) ? item[field].dump() : item.dump());
    }
    return out;
  };
  auto alice_accounts = ids(token_, "/accounts", "accounts", "id");
  auto bob_accounts = ids(bob_token, "/accounts", "accounts", "id");
  auto alice_tx = ids(token_, "/transactions", "transactions", "id");
  auto bob_tx = ids(bob_token, "/transactions", "transactions", "id");
  ASSERT_FALSE(alice_accounts.empty());
  ASSERT_FALSE(bob_accounts.empty());
  ASSERT_FALSE(alice_tx.empty());
  ASSERT_FALSE(bob_tx.empty());
  for (const auto& a : alice_accounts) EXPECT_EQ(bob_accounts.count(a), 0u) << a;
  for (const auto& t : alice_tx) EXPECT_EQ(bob_tx.count(t), 0u) << t;

  // Alice's transactions all belong to Alice's accounts.
  HttpResponse r = w().bank_get("/transactions", token_);
  for (const auto& t : r.json().value("transactions", nlohmann::json::array())) {
    EXPECT_EQ(alice_accounts.count(t.value("account_id", nlohmann::json()).dump()), 1u) << t.dump();
  }

  // Asking for Bob's account by id does not reveal it.
  for (const auto& bob_account : bob_accounts) {
    std::string id = nlohmann::json::parse(bob_account).is_string()
                         ? nlohmann::json::parse(bob_account).get<std::string>()
                         : bob_account;
    for (const std::string& path :
         {"/transactions?account_id=" + url_encode(id), "/accounts/" + url_encode(id),
          "/accounts?id=" + url_encode(id)}) {
      HttpResponse leak = w().bank_get(path, token_);
      for (const auto& t : bob_tx) {
        EXPECT_EQ(leak.body.find(t), std::string::npos) << path << " leaked " << t;
      }
    }
  }

  // Idempotent provisioning: the second visit sees the same account.
  EXPECT_EQ(ids(token_, "/accounts", "accounts", "id"), alice_accounts);
}

TEST_F(BankApiTest, PaymentNeedsWriteScopeAndSucceedsWithIt) {
  Client payer = w().add_client(w().unique("PayApp"), {kRedirect}, "read:accounts write:payments");
  std::string token = w().access_token(payer, user_, "read:accounts write:payments");
  ASSERT_FALSE(token.empty());
  HttpResponse accounts = w().bank_get("/accounts", token);
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  auto list = accounts.json().value("accounts", nlohmann::json::array());
  ASSERT_FALSE(list.empty());
  nlohmann::json from = list[0]["id"];
  HttpClient http;
  nlohmann::json payment{{"from_account", from},
                         {"to_iban", "DE89370400440532013000"},
                         {"amount", "12.34"},
                         {"currency", list[0].value("currency", "EUR")},
                         {"reference", "integration test"}};
  HttpResponse pay = http.request("POST", w().bank.base_url + "/payments", payment.dump(),
                                  {{"Authorization", "Bearer " + token}}, "application/json");
  EXPECT_EQ(pay.status, 201) << pay.body;
  // The read-only token of the fixture is refused with the scope it lacks.
  HttpResponse refused = http.request("POST", w().bank.base_url + "/payments", payment.dump(),
                                      {{"Authorization", "Bearer " + token_}}, "application/json");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.header("www-authenticate").find("insufficient_scope"), std::string::npos);
}

}  // namespace
}  // namespace signet::it
