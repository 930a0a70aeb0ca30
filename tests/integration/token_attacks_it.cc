// Forged, misdirected and oversized tokens at every place that consumes one: the
// resource server (bank-api) and Signet's own /userinfo, /introspect, /revoke and
// /logout. Each must be refused (401 invalid_token, {"active":false}, an error
// page), nothing may leak, nothing may change, and no key is ever fetched from a
// URL a token names. The first resource-server checks (alg none, HS256 with the
// public key, non-ASCII, tampering, wrong audience, forged claims) are in
// bank_api_it.cc; this file extends them to Signet's endpoints and to key tricks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kLoggedOut = "https://finance.example.com/bye";
const std::string kPassword = "correct horse battery staple";
// offline_access: the sign-in keeps a refresh token (OpenID Connect Core §11).
const std::string kScope = "openid offline_access read:accounts read:transactions";
using Fields = std::vector<std::pair<std::string, std::string>>;

// A loopback HTTP server that serves the attacker's key set and counts every
// connection: a verifier that followed jku/x5u would come here (and then accept).
class KeyBait {
 public:
  explicit KeyBait(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      throw std::runtime_error("KeyBait: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~KeyBait() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      char buf[4096];
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 500) > 0) (void)::recv(c, buf, sizeof buf, 0);
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      (void)::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

class TokenAttackTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    user_ = w().add_user(w().unique("alice"), kPassword);
    client_ = client("RS256");
    rs_ = w().add_resource_server(w().unique("ResourceServer"));
    tokens_ = tokens(client_);
    access_ = tokens_.value("access_token", "");
    ASSERT_FALSE(access_.empty()) << tokens_.dump();
    ASSERT_TRUE(tokens_.contains("id_token")) << tokens_.dump();
    ASSERT_TRUE(tokens_.contains("refresh_token")) << tokens_.dump();
    // Controls: the genuine token is accepted everywhere, so a refusal below is
    // the defence at work.
    ASSERT_EQ(w().bank_get("/transactions", access_).status, 200);
    ASSERT_EQ(userinfo(access_).status, 200);
    ASSERT_EQ(introspect(access_).value("active", false), true);
  }

  // A confidential client allowed openid and refresh tokens, with ID tokens in `alg`.
  Client client(const std::string& alg) {
    Client c;
    auto r = w().cli({"client", "add", "--name", w().unique("FinanceApp"), "--scope", kScope,
                      "--redirect-uri", kRedirect, "--post-logout-redirect-uri", kLoggedOut,
                      "--grant", "refresh_token", "--id-token-alg", alg});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    if (r.exit_code != 0) return c;
    c.raw = nlohmann::json::parse(r.out);
    c.client_id = c.raw.at("client_id").get<std::string>();
    c.client_secret = c.raw.at("client_secret").get<std::string>();
    c.redirect_uris = {kRedirect};
    c.scope = kScope;
    return c;
  }
  nlohmann::json tokens(const Client& c, HttpClient* browser = nullptr) {
    HttpClient own;
    HttpClient& b = browser ? *browser : own;
    AuthorizeRequest req{c.client_id,   kRedirect,      kScope,
                         random_hex(8), random_hex(32), {{"nonce", random_hex(8)}}};
    auto a = w().authorize(b, req, user_);
    EXPECT_FALSE(a.code().empty()) << a.last.status << " " << a.last.body.substr(0, 300);
    auto t = w().exchange_code(c, a.code(), kRedirect, req.code_verifier);
    EXPECT_EQ(t.status, 200) << t.body;
    return t.status == 200 ? t.json() : nlohmann::json::object();
  }

  HttpResponse userinfo(const std::string& token, const std::string& base = {}) {
    HttpClient http;
    return http.get((base.empty() ? w().signet.base_url : base) + "/userinfo",
                    {{"Authorization", "Bearer " + token}});
  }
  nlohmann::json introspect(const std::string& token) {
    HttpClient http;
    HttpResponse r =
        http.post_form(w().signet.base_url + "/introspect", {{"token", token}},
                       {{"Authorization", basic_auth(rs_.client_id, rs_.client_secret)}});
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    return r.status == 200 ? r.json() : nlohmann::json::object();
  }

  // The token is worth nothing anywhere: bank-api and /userinfo say 401
  // invalid_token, /introspect says inactive, /revoke changes nothing.
  void expect_refused_everywhere(const std::string& token, const std::string& what) {
    auto bearer_refused = [&](const HttpResponse& r, const std::string& where) {
      EXPECT_EQ(r.status, 401) << what << " at " << where << ": " << r.status << " "
                               << r.body.substr(0, 300);
      EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos)
          << what << " at " << where << ": " << r.header("www-authenticate");
      EXPECT_EQ(r.body.find("\"transactions\""), std::string::npos) << what;
      EXPECT_EQ(r.body.find(user_.subject), std::string::npos) << what << " leaked the subject";
    };
    bearer_refused(w().bank_get("/transactions", token), "bank-api");
    bearer_refused(userinfo(token), "/userinfo");
    EXPECT_EQ(introspect(token), nlohmann::json({{"active", false}})) << what;
    HttpClient http;
    HttpResponse rv =
        http.post_form(w().signet.base_url + "/revoke", {{"token", token}},
                       {{"Authorization", basic_auth(client_.client_id, client_.client_secret)}});
    EXPECT_EQ(rv.status, 200) << what << ": " << rv.body;
  }

  // After the forgeries the genuine token is still good: a forged copy with the
  // same jti, sent to /revoke, revoked nothing.
  void expect_genuine_still_works() {
    EXPECT_EQ(w().bank_get("/transactions", access_).status, 200);
    EXPECT_EQ(introspect(access_).value("active", false), true);
  }

  std::string header_b64() const { return access_.substr(0, access_.find('.')); }
  std::string payload_b64() const {
    auto a = access_.find('.');
    return access_.substr(a + 1, access_.rfind('.') - a - 1);
  }
  std::string signature_b64() const { return access_.substr(access_.rfind('.') + 1); }

  User user_;
  Client client_;
  Client rs_;
  nlohmann::json tokens_;
  std::string access_;
};

TEST_F(TokenAttackTest, UnknownAndNoneAlgorithmsAreRefusedByEveryConsumer) {
  auto header = jwt_header(access_);
  const std::string claims = payload_b64();
  for (const std::string alg : {"ES512", "ES384", "RS256", "PS256", "EdDSA", "none", "NONE", "nOnE",
                                "None", "", "es256", "ES256 ", "HS256"}) {
    header["alg"] = alg;
    std::string h = b64url(header.dump());
    expect_refused_everywhere(h + "." + claims + "." + signature_b64(),
                              "alg '" + alg + "' with the genuine signature");
    expect_refused_everywhere(h + "." + claims + ".", "alg '" + alg + "' without signature");
  }
  for (const nlohmann::json& alg : {nlohmann::json(nullptr), nlohmann::json(256),
                                    nlohmann::json::array({"ES256"}), nlohmann::json::object()}) {
    header["alg"] = alg;
    expect_refused_everywhere(b64url(header.dump()) + "." + claims + "." + signature_b64(),
                              "alg " + alg.dump());
  }
  header.erase("alg");
  expect_refused_everywhere(b64url(header.dump()) + "." + claims + "." + signature_b64(), "no alg");
  expect_genuine_still_works();
}

TEST_F(TokenAttackTest, Hs256WithThePublicKeyIsRefusedBySignetToo) {
  HttpClient http;
  HttpResponse jr = http.get(w().signet.base_url + "/jwks");
  ASSERT_EQ(jr.status, 200);
  auto header = jwt_header(access_);
  nlohmann::json jwk;
  const nlohmann::json jwks = jr.json();
  for (const auto& k : jwks["keys"]) {
    if (k.value("kid", "") == header.value("kid", "")) jwk = k;
  }
  ASSERT_FALSE(jwk.is_null());
  EcKey pub = EcKey::from_jwk(jwk);
  auto claims = jwt_claims(access_);
  claims["scope"] = "openid read:accounts read:transactions write:payments";
  for (const auto& [what, secret] : std::vector<std::pair<std::string, std::string>>{
           {"PEM", pub.public_pem()}, {"JWK", jwk.dump()}, {"JWKS", jr.body}}) {
    nlohmann::json h{{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", header.value("kid", "")}};
    expect_refused_everywhere(
        make_jws(h, claims, [&](std::string_view in) { return hmac_sha256(secret, in); }),
        "HS256 MACed with the " + what);
  }
}

TEST_F(TokenAttackTest, OversizedAndNonAsciiTokensAreRefused) {
  auto claims = jwt_claims(access_);
  claims["pad"] = std::string(64 * 1024, 'p');
  std::string big =
      b64url(jwt_header(access_).dump()) + "." + b64url(claims.dump()) + "." + signature_b64();
  // 64 KiB + 1 MiB: refused as a token or as a request, never a 2xx or a 5xx.
  std::string huge_header =
      b64url(std::string(1024 * 1024, '{')) + "." + payload_b64() + "." + signature_b64();
  for (const auto& [what, token] : std::vector<std::pair<std::string, std::string>>{
           {"64 KiB", big}, {"1 MiB header", huge_header}}) {
    for (const auto& [where, r] : std::vector<std::pair<std::string, HttpResponse>>{
             {"bank-api", w().bank_get("/transactions", token)}, {"/userinfo", userinfo(token)}}) {
      if (r.status == 0) continue;  // connection closed on the oversized request
      EXPECT_TRUE(r.status == 401 || r.status == 400 || r.status == 413 || r.status == 431)
          << what << " at " << where << ": " << r.status;
    }
    HttpClient http;
    HttpResponse in =
        http.post_form(w().signet.base_url + "/introspect", {{"token", token}},
                       {{"Authorization", basic_auth(rs_.client_id, rs_.client_secret)}});
    if (in.status == 200) {
      EXPECT_EQ(in.json(), nlohmann::json({{"active", false}})) << what;
    } else if (in.status != 0) {
      EXPECT_TRUE(in.status == 400 || in.status == 413) << what << ": " << in.status;
    }
  }
  // Just under Signet's request limit: reaches the verifier, which refuses it.
  claims["pad"] = std::string(30 * 1024, 'p');
  std::string under =
      b64url(jwt_header(access_).dump()) + "." + b64url(claims.dump()) + "." + signature_b64();
  expect_refused_everywhere(under, "30 KiB token");

  const std::string bytes("\x80\xff\xc3\xa9", 4);
  for (const auto& [what, token] : std::vector<std::pair<std::string, std::string>>{
           {"non-ASCII in the header",
            header_b64() + bytes + "." + payload_b64() + "." + signature_b64()},
           {"non-ASCII in the signature", access_ + bytes},
           {"NUL inside",
            header_b64() + std::string(1, '\0') + "." + payload_b64() + "." + signature_b64()}}) {
    HttpResponse u = userinfo(token);
    EXPECT_TRUE(u.status == 401 || u.status == 400) << what << ": " << u.status;
    // In a form body these bytes are not UTF-8 (or a NUL): a malformed request.
    HttpClient http;
    HttpResponse in =
        http.post_form(w().signet.base_url + "/introspect", {{"token", token}},
                       {{"Authorization", basic_auth(rs_.client_id, rs_.client_secret)}});
    EXPECT_EQ(in.status, 400) << what << ": " << in.body;
    EXPECT_EQ(in.body.find("active\":true"), std::string::npos) << what;
  }
  ASSERT_TRUE(w().signet.process->alive()) << w().signet.process->log_tail();
  ASSERT_TRUE(w().bank.process->alive()) << w().bank.process->log_tail();
  expect_genuine_still_works();
}

TEST_F(TokenAttackTest, KidTricksAndForeignKeysAreRefused) {
  EcKey attacker = EcKey::generate();
  const std::string genuine_kid = jwt_header(access_).value("kid", "");
  auto claims = jwt_claims(access_);
  auto sign = [&](const nlohmann::json& h) {
    return make_jws(h, claims, [&](std::string_view in) { return attacker.sign_es256(in); });
  };
  const std::vector<std::pair<std::string, nlohmann::json>> kids{
      {"genuine kid, attacker's key", genuine_kid},
      {"unknown kid", "attacker-key-1"},
      {"path traversal", "../../../../etc/passwd"},
      {"path traversal to /dev", "../../../../dev/zero"},
      {"file URL", "file:///etc/passwd"},
      {"SQL tautology", "' OR '1'='1"},
      {"SQL drop", "'; DROP TABLE signing_keys;--"},
      {"very long", std::string(16 * 1024, 'k')},
      {"NUL", std::string("a\0b", 3)},
      {"empty", ""},
      {"number", 1},
      {"array", nlohmann::json::array({genuine_kid})},
      {"object", nlohmann::json::object({{"kid", genuine_kid}})},
      {"null", nullptr},
  };
  for (const auto& [what, kid] : kids) {
    nlohmann::json h{{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", kid}};
    expect_refused_everywhere(sign(h), "kid: " + what);
  }
  // The signing keys are all still there.
  EXPECT_NE(w().db->query("SELECT count(*) FROM signing_keys").at(0).at(0), "0");
  EXPECT_EQ(w().db->query("SELECT to_regclass('signing_keys') IS NOT NULL").at(0).at(0), "t");
  ASSERT_TRUE(w().signet.process->alive()) << w().signet.process->log_tail();
  ASSERT_TRUE(w().bank.process->alive()) << w().bank.process->log_tail();
  expect_genuine_still_works();
}

// RFC 8725 §3.10 / RFC 7515 §4.1.2-6: keys come from the issuer's JWKS only; a
// token cannot bring its own (jwk, x5c) or say where to fetch it (jku, x5u).
TEST_F(TokenAttackTest, NoKeyIsFetchedFromAUrlOrTakenFromTheToken) {
  EcKey attacker = EcKey::generate();
  const std::string genuine_kid = jwt_header(access_).value("kid", "");
  nlohmann::json attacker_jwks{{"keys", nlohmann::json::array({attacker.public_jwk("attacker-kid"),
                                                               attacker.public_jwk(genuine_kid)})}};
  KeyBait bait(attacker_jwks.dump());
  auto claims = jwt_claims(access_);
  auto sign = [&](const nlohmann::json& h) {
    return make_jws(h, claims, [&](std::string_view in) { return attacker.sign_es256(in); });
  };
  // A self-signed certificate is not needed: a verifier that read x5c at all fails
  // the test by fetching or accepting; the DER is the attacker's public key.
  const std::string spki_der = [&] {
    std::string pem = attacker.public_pem();
    std::string b64;
    for (const auto& line : {pem}) {
      std::size_t a = line.find("-----\n") + 6;
      std::size_t b = line.find("-----END");
      for (char c : line.substr(a, b - a)) {
        if (c != '\n') b64 += c;
      }
    }
    return b64;
  }();
  for (const std::string& kid : {std::string("attacker-kid"), genuine_kid}) {
    const std::vector<std::pair<std::string, nlohmann::json>> headers{
        {"jku",
         {{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", kid}, {"jku", bait.url("/jwks.json")}}},
        {"x5u",
         {{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", kid}, {"x5u", bait.url("/cert.pem")}}},
        {"jwk",
         {{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", kid}, {"jwk", attacker.public_jwk(kid)}}},
        {"x5c",
         {{"alg", "ES256"},
          {"typ", "at+jwt"},
          {"kid", kid},
          {"x5c", nlohmann::json::array({spki_der})}}},
        {"jku without kid", {{"alg", "ES256"}, {"typ", "at+jwt"}, {"jku", bait.url("/jwks.json")}}},
        {"all of them",
         {{"alg", "ES256"},
          {"typ", "at+jwt"},
          {"kid", kid},
          {"jku", bait.url("/jwks.json")},
          {"x5u", bait.url("/cert.pem")},
          {"jwk", attacker.public_jwk(kid)}}},
    };
    for (const auto& [what, h] : headers) {
      expect_refused_everywhere(sign(h), what + " (kid " + kid.substr(0, 12) + ")");
    }
  }
  // Give a lazy fetcher time to connect.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(bait.connections(), 0) << "a verifier fetched a key from a URL named in a token";
  expect_genuine_still_works();
}

// RFC 9068 §4 / RFC 8725 §3.11: ID tokens and access tokens come from the same
// issuer with the same keys; typ and aud tell them apart. Here aud matches too: a
// bank-api whose audience is the client's id, and a Signet whose audience for
// /userinfo is the client's id. At /userinfo typ alone refuses the ID token; at
// bank-api typ and the required client_id claim (RFC 9068 §2.2) both do.
TEST_F(TokenAttackTest, IdTokenIsNeverAnAccessToken) {
  Client es = client("ES256");
  nlohmann::json es_tokens = tokens(es);
  const std::vector<std::pair<Client, std::string>> id_tokens{
      {client_, tokens_.value("id_token", "")}, {es, es_tokens.value("id_token", "")}};
  for (const auto& [c, id_token] : id_tokens) {
    ASSERT_FALSE(id_token.empty());
    const auto h = jwt_header(id_token);
    const auto cl = jwt_claims(id_token);
    ASSERT_EQ(cl.value("aud", ""), c.client_id);
    ASSERT_EQ(cl.value("iss", ""), w().signet.base_url);
    ASSERT_GT(cl.value("exp", int64_t{0}), now_seconds());
    const std::string alg = h.value("alg", "");

    std::string why;
    Server bank = w().start_bank_api({{"BANK_API_AUDIENCE", c.client_id}}, &why);
    ASSERT_TRUE(bank.process) << why;
    HttpResponse r = w().bank_get("/transactions", id_token, bank.base_url);
    EXPECT_EQ(r.status, 401) << alg << " ID token accepted by bank-api: " << r.body;
    EXPECT_NE(r.header("www-authenticate").find("invalid_token"), std::string::npos)
        << r.header("www-authenticate");
    std::erase(w().processes, bank.process.get());

    Server other = w().start_signet(
        {{"SIGNET_AUDIENCE", c.client_id}, {"SIGNET_ISSUER", w().signet.base_url}}, &why);
    ASSERT_TRUE(other.process) << why;
    HttpResponse u = userinfo(id_token, other.base_url);
    EXPECT_EQ(u.status, 401) << alg << " ID token accepted at /userinfo: " << u.body;
    EXPECT_EQ(u.body.find(user_.subject), std::string::npos);
    std::erase(w().processes, other.process.get());

    EXPECT_EQ(introspect(id_token), nlohmann::json({{"active", false}})) << alg;
  }
}

TEST_F(TokenAttackTest, AccessTokenIsNotAnIdTokenHintAtLogout) {
  HttpClient browser;
  nlohmann::json t = tokens(client_, &browser);
  const std::string session = browser.cookie("signet_session");
  ASSERT_FALSE(session.empty());
  for (const std::string& hint : {t.value("access_token", ""), t.value("refresh_token", "")}) {
    HttpResponse r = browser.get(
        w().signet.base_url + "/logout?" +
        form_encode(
            {{"id_token_hint", hint}, {"post_logout_redirect_uri", kLoggedOut}, {"state", "s"}}));
    EXPECT_EQ(r.status, 400) << r.status << " " << r.location();
    EXPECT_FALSE(r.has_header("location")) << r.location();
    EXPECT_EQ(browser.cookie("signet_session"), session) << "the session cookie was cleared";
  }
  // The session is still alive: the connected-apps page opens without a login.
  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps");
  EXPECT_EQ(apps.status, 200);
  EXPECT_EQ(apps.body.find("action=\"/login\""), std::string::npos) << "signed out";
  // Control: the real ID token does sign out.
  HttpResponse out = browser.get(w().signet.base_url + "/logout?" +
                                 form_encode({{"id_token_hint", t.value("id_token", "")},
                                              {"post_logout_redirect_uri", kLoggedOut}}));
  EXPECT_EQ(out.status, 303) << out.body.substr(0, 300);
}

TEST_F(TokenAttackTest, RefreshAndAccessTokensDoNotStandInForEachOther) {
  const std::string refresh = tokens_.value("refresh_token", "");
  const std::string id_token = tokens_.value("id_token", "");
  for (const auto& [what, token] :
       std::vector<std::pair<std::string, std::string>>{{"refresh token", refresh}}) {
    HttpResponse b = w().bank_get("/transactions", token);
    EXPECT_EQ(b.status, 401) << what;
    HttpResponse u = userinfo(token);
    EXPECT_EQ(u.status, 401) << what;
  }
  for (const auto& [what, token] : std::vector<std::pair<std::string, std::string>>{
           {"access token", access_}, {"ID token", id_token}}) {
    HttpResponse r =
        w().token_request({{"grant_type", "refresh_token"}, {"refresh_token", token}}, &client_);
    EXPECT_EQ(r.status, 400) << what << " as a refresh token: " << r.body;
    EXPECT_EQ(r.json().value("error", ""), "invalid_grant") << r.body;
    EXPECT_EQ(r.body.find("access_token"), std::string::npos);
  }
  // Neither attempt spent the real refresh token.
  HttpResponse ok =
      w().token_request({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}, &client_);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// A token whose issuer is another Signet (same database, same keys, another
// SIGNET_ISSUER) and a token for another audience, both genuinely signed.
TEST_F(TokenAttackTest, GenuineSignatureWrongIssuerOrAudienceIsRefused) {
  std::string why;
  Server other = w().start_signet({{"SIGNET_ISSUER", "http://127.0.0.2:1/other"}}, &why);
  ASSERT_TRUE(other.process) << why;
  Client machine =
      w().add_client(w().unique("Reporter"), {}, "read:accounts", false, {"client_credentials"});
  HttpClient http;
  HttpResponse t =
      http.post_form(other.base_url + "/token", {{"grant_type", "client_credentials"}},
                     {{"Authorization", basic_auth(machine.client_id, machine.client_secret)}});
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string foreign = t.json().value("access_token", "");
  ASSERT_EQ(jwt_claims(foreign).value("iss", ""), "http://127.0.0.2:1/other");
  // Same key as this Signet's: the signature is good, only iss is wrong.
  EXPECT_EQ(jwt_header(foreign).value("kid", ""), jwt_header(access_).value("kid", ""));
  expect_refused_everywhere(foreign, "token of another issuer");
  std::erase(w().processes, other.process.get());

  const std::string ledger = "https://" + w().unique("ledger") + ".example.com/api";
  ASSERT_EQ(w().cli({"resource", "add", "--audience", ledger, "--name", "Ledger", "--scope",
                     "read:accounts"})
                .exit_code,
            0);
  HttpResponse lt =
      w().token_request({{"grant_type", "client_credentials"}, {"resource", ledger}}, &machine);
  ASSERT_EQ(lt.status, 200) << lt.body;
  const std::string for_ledger = lt.json().value("access_token", "");
  HttpResponse u = userinfo(for_ledger);
  EXPECT_EQ(u.status, 401) << "a token for another API at /userinfo: " << u.body;
}

TEST_F(TokenAttackTest, ExpiredGenuineTokenIsRefusedBySignet) {
  Client c = client("RS256");
  auto updated = w().cli({"client", "update", c.client_id, "--access-token-ttl", "5"});
  ASSERT_EQ(updated.exit_code, 0) << updated.out << updated.err;
  std::string short_lived;
  for (int i = 0; i < 50 && short_lived.empty(); ++i) {
    auto t = tokens(c);
    auto cl = jwt_claims(t.value("access_token", ""));
    if (cl.value("exp", int64_t{0}) - cl.value("iat", int64_t{0}) == 5) {
      short_lived = t.value("access_token", "");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ASSERT_FALSE(short_lived.empty()) << "the 5 s lifetime never applied";
  EXPECT_EQ(userinfo(short_lived).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  HttpResponse u = userinfo(short_lived);
  EXPECT_EQ(u.status, 401) << u.body;
  EXPECT_EQ(introspect(short_lived), nlohmann::json({{"active", false}}));
}

// A key retired and then deleted (its tokens' lifetime is over) no longer verifies
// anything at Signet, and an attacker's key under its kid never did. Runs last: it
// rotates the shared signing keys.
TEST_F(TokenAttackTest, TokenOfADeletedKeyIsRefused) {
  const std::string old_kid = jwt_header(access_).value("kid", "");
  auto rotated = w().cli({"keys", "rotate", "--now"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  // Retired but still published: the old token still works until its key goes.
  w().db->query("DELETE FROM signing_keys WHERE kid = $1 AND state = 'retired'", {old_kid});
  ASSERT_EQ(
      w().db->query("SELECT count(*) FROM signing_keys WHERE kid = $1", {old_kid}).at(0).at(0),
      "0");
  HttpResponse u;
  for (int i = 0; i < 100; ++i) {  // Signet reloads its keys on NOTIFY
    u = userinfo(access_);
    if (u.status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(u.status, 401) << "a token of a deleted key still verifies: " << u.body;
  EXPECT_EQ(introspect(access_), nlohmann::json({{"active", false}}));
  // New tokens are signed by the new key and work.
  nlohmann::json fresh = tokens(client_);
  EXPECT_NE(jwt_header(fresh.value("access_token", "")).value("kid", ""), old_kid);
  EXPECT_EQ(userinfo(fresh.value("access_token", "")).status, 200);
}

}  // namespace
}  // namespace signet::it
