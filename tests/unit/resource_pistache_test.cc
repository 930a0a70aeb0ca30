// The Pistache adapter on a real loopback server: the WWW-Authenticate header must
// actually reach the client (Pistache 0.0.5 may drop addRaw headers, #967), along
// with Cache-Control: no-store and the status of RFC 6750 §3.1.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include "jose/dpop.h"
#include "jose/jws.h"
#include "jose/key.h"
#include "resource/pistache_guard.h"

namespace signet::resource {
namespace {

namespace Http = Pistache::Http;
using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";

class Guarded : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Guarded)
  // Through a pointer to the fixture's verifier, so that a test can swap it for
  // one that knows the server's port.
  Guarded(std::unique_ptr<TokenVerifier>* v, std::string jwks)
      : verifier_(v), jwks_(std::move(jwks)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    if (request.resource() == "/jwks") {
      response.send(Http::Code::Ok, jwks_);
      return;
    }
    auto at = authorize_request(**verifier_, request, "read:accounts");
    if (!at.ok()) {
      send_auth_error(response, at.error());
      return;
    }
    response.send(Http::Code::Ok, at->subject);
  }

 private:
  std::unique_ptr<TokenVerifier>* verifier_;
  std::string jwks_;
};

struct Reply {
  long status = 0;
  std::string headers;
  std::string body;
};

size_t append(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

Reply get(uint16_t port, const std::string& authorization,
          const std::vector<std::string>& more_headers = {}) {
  Reply r;
  CURL* c = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/accounts";
  curl_slist* hdrs = nullptr;
  if (!authorization.empty()) {
    hdrs = curl_slist_append(hdrs, ("Authorization: " + authorization).c_str());
  }
  for (const auto& h : more_headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return r;
}

class PistacheGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json jwks = {{"keys", {key_.public_jwk()}}};
    VerifierOptions o;
    o.issuer = kIssuer;
    o.audience = "bank-api";
    o.jwks_uri = "https://issuer.example/jwks";
    verifier_ = std::make_unique<TokenVerifier>(
        o, [jwks](const std::string&) -> Result<std::string> { return jwks.dump(); }, clock_);
    server_ = std::make_unique<Http::Endpoint>(
        Pistache::Address(Pistache::Ipv4::loopback(), Pistache::Port(0)));
    server_->init(Http::Endpoint::options().threads(1));
    server_->setHandler(Http::make_handler<Guarded>(&verifier_, jwks.dump()));
    server_->serveThreaded();
    port_ = static_cast<uint16_t>(server_->getPort());
  }
  void TearDown() override { server_->shutdown(); }

  std::string token(const std::string& scope, const json& cnf = nullptr) {
    int64_t now = clock_->now();
    json claims = {{"iss", kIssuer},     {"sub", "alice"},       {"aud", "bank-api"},
                   {"client_id", "app"}, {"scope", scope},       {"iat", now},
                   {"exp", now + 600},   {"jti", "jti-" + scope}};
    if (!cnf.is_null()) claims["cnf"] = cnf;
    return jose::sign_compact(key_, {{"typ", "at+jwt"}}, claims);
  }

  jose::PrivateKey key_ = jose::PrivateKey::generate(jose::Alg::ES256).value();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<Http::Endpoint> server_;
  uint16_t port_ = 0;
};

TEST_F(PistacheGuardTest, MissingTokenGets401WithChallenge) {
  Reply r = get(port_, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.find("WWW-Authenticate: Bearer realm=\"bank-api\"\r\n"), std::string::npos)
      << r.headers;
  EXPECT_NE(r.headers.find("Cache-Control: no-store"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos) << r.headers;
  EXPECT_EQ(json::parse(r.body, nullptr, false), json::object()) << "no error code (§3.1)";
}

TEST_F(PistacheGuardTest, MalformedAuthorizationGets400InvalidRequest) {
  for (const char* h : {"Bearer", "Bearer a b", "Bearer a\"b"}) {
    Reply r = get(port_, h);
    EXPECT_EQ(r.status, 400) << h;
    EXPECT_NE(r.headers.find("WWW-Authenticate: Bearer realm=\"bank-api\", "
                             "error=\"invalid_request\""),
              std::string::npos)
        << r.headers;
    EXPECT_EQ(json::parse(r.body, nullptr, false)["error"], "invalid_request") << h;
  }
}

TEST_F(PistacheGuardTest, InsufficientScopeGets403WithScopeInChallenge) {
  Reply r = get(port_, "Bearer " + token("read:transactions"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.headers.find("WWW-Authenticate: Bearer realm=\"bank-api\", "
                           "error=\"insufficient_scope\""),
            std::string::npos)
      << r.headers;
  EXPECT_NE(r.headers.find("scope=\"read:accounts\""), std::string::npos) << r.headers;
  EXPECT_EQ(json::parse(r.body, nullptr, false)["error"], "insufficient_scope");
}

TEST_F(PistacheGuardTest, InvalidTokenGets401InvalidToken) {
  Reply r = get(port_, "Bearer not.a.token");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.find("WWW-Authenticate: Bearer realm=\"bank-api\", error=\"invalid_token\""),
            std::string::npos)
      << r.headers;
}

TEST_F(PistacheGuardTest, ValidTokenPasses) {
  Reply r = get(port_, "Bearer " + token("read:accounts"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "alice");
  EXPECT_EQ(r.headers.find("WWW-Authenticate"), std::string::npos);
  // The header parsing keeps the scheme's case-insensitivity.
  EXPECT_EQ(get(port_, "bearer " + token("read:accounts")).status, 200);
}

// DPoP through Pistache: the guard builds htm and htu from the request and the
// public base URL, both challenges and DPoP-Nonce reach the client.
TEST_F(PistacheGuardTest, DpopNonceAndChallengesReachTheClient) {
  VerifierOptions o;
  o.issuer = kIssuer;
  o.audience = "bank-api";
  o.jwks_uri = "https://issuer.example/jwks";
  o.public_base_url = "http://127.0.0.1:" + std::to_string(port_);
  o.dpop.nonce_secret = std::string(32, 'n');
  json jwks = {{"keys", {key_.public_jwk()}}};
  verifier_ = std::make_unique<TokenVerifier>(
      o, [jwks](const std::string&) -> Result<std::string> { return jwks.dump(); }, clock_);

  Reply none = get(port_, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.headers.find("WWW-Authenticate: Bearer realm=\"bank-api\", DPoP "
                              "realm=\"bank-api\", algs=\"ES256 PS256 EdDSA\"\r\n"),
            std::string::npos)
      << none.headers;

  auto client = jose::PrivateKey::generate(jose::Alg::ES256).value();
  std::string t = token("read:accounts", {{"jkt", client.kid()}});
  std::string url = o.public_base_url + "/accounts";
  int64_t now = clock_->now();
  Reply ask =
      get(port_, "DPoP " + t,
          {"DPoP: " + jose::make_dpop_proof(client, "GET", url, now, "j1", std::nullopt, t)});
  EXPECT_EQ(ask.status, 401);
  EXPECT_NE(ask.headers.find("error=\"use_dpop_nonce\""), std::string::npos) << ask.headers;
  std::string nonce = (*verifier_).dpop_nonce();
  EXPECT_NE(ask.headers.find("DPoP-Nonce: " + nonce + "\r\n"), std::string::npos) << ask.headers;

  std::string good = jose::make_dpop_proof(client, "GET", url, now, "j2", nonce, t);
  Reply ok = get(port_, "DPoP " + t, {"DPoP: " + good});
  EXPECT_EQ(ok.status, 200) << ok.headers << ok.body;
  EXPECT_EQ(ok.body, "alice");
  Reply replay = get(port_, "DPoP " + t, {"DPoP: " + good});
  EXPECT_EQ(replay.status, 401);
  EXPECT_NE(replay.headers.find("WWW-Authenticate: DPoP realm=\"bank-api\", "
                                "error=\"invalid_dpop_proof\""),
            std::string::npos)
      << replay.headers;
  Reply as_bearer = get(port_, "Bearer " + t);
  EXPECT_EQ(as_bearer.status, 401);
}

// The default libcurl HttpGet against a real (loopback) JWKS endpoint.
TEST_F(PistacheGuardTest, DefaultHttpGetFetchesJwks) {
  VerifierOptions o;
  o.issuer = kIssuer;
  o.audience = "bank-api";
  o.jwks_uri = "http://127.0.0.1:" + std::to_string(port_) + "/jwks";
  TokenVerifier real(o, {}, clock_);
  EXPECT_TRUE(real.refresh_keys());
  EXPECT_TRUE(real.verify(token("read:accounts")).ok());
  o.jwks_uri = "http://127.0.0.1:" + std::to_string(port_) +
               "/missing";  // the guard answers 401: non-200 refused
  TokenVerifier broken(o, {}, clock_);
  EXPECT_FALSE(broken.refresh_keys());
  o.jwks_uri = "file:///etc/passwd";  // http(s) only
  TokenVerifier file(o, {}, clock_);
  EXPECT_FALSE(file.refresh_keys());
}

}  // namespace
}  // namespace signet::resource
