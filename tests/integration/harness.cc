#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#ifndef SIGNET_BIN
#error "SIGNET_BIN must be defined by CMake"
#endif
#ifndef BANK_API_BIN
#error "BANK_API_BIN must be defined by CMake"
#endif
#ifndef SIGNET_SOURCE_DIR
#define SIGNET_SOURCE_DIR "."
#endif
#ifndef SIGNET_IT_LOG_DIR
#define SIGNET_IT_LOG_DIR "/tmp"
#endif

extern char** environ;

namespace signet::it {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Small helpers

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error("RAND");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : buf) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string b64url(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
    i += 3;
  }
  if (in.size() - i == 1) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
  } else if (in.size() - i == 2) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
  }
  return out;
}

std::string b64url_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) throw std::runtime_error("bad base64url");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string sha256(std::string_view in) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

std::string pkce_challenge(std::string_view verifier) { return b64url(sha256(verifier)); }

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(k) + '=' + url_encode(v);
  }
  return out;
}

std::map<std::string, std::string> query_params(std::string_view url) {
  std::map<std::string, std::string> out;
  auto q = url.find('?');
  auto h = url.find('#');
  std::string_view part;
  if (q != std::string_view::npos) {
    part = url.substr(q + 1,
                      h == std::string_view::npos || h < q ? std::string_view::npos : h - q - 1);
  } else if (h != std::string_view::npos) {
    part = url.substr(h + 1);
  } else {
    return out;
  }
  std::size_t pos = 0;
  while (pos <= part.size()) {
    auto amp = part.find('&', pos);
    auto item =
        part.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!item.empty()) {
      auto eq = item.find('=');
      if (eq == std::string_view::npos) {
        out[url_decode(item)] = "";
      } else {
        out[url_decode(item.substr(0, eq))] = url_decode(item.substr(eq + 1));
      }
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string html_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string ent(s.substr(i + 1, semi - i - 1));
    std::string rep;
    if (ent == "amp")
      rep = "&";
    else if (ent == "lt")
      rep = "<";
    else if (ent == "gt")
      rep = ">";
    else if (ent == "quot")
      rep = "\"";
    else if (ent == "apos")
      rep = "'";
    else if (!ent.empty() && ent[0] == '#') {
      long cp = (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X'))
                    ? std::strtol(ent.c_str() + 2, nullptr, 16)
                    : std::strtol(ent.c_str() + 1, nullptr, 10);
      if (cp > 0 && cp < 128) rep = std::string(1, static_cast<char>(cp));
    }
    if (rep.empty()) {
      out += s[i];
      continue;
    }
    out += rep;
    i = semi;
  }
  return out;
}

namespace {

// Attributes of one tag, e.g. `<input type="hidden" name="a" value="b">`.
std::map<std::string, std::string> tag_attributes(std::string_view tag) {
  std::map<std::string, std::string> attrs;
  static const std::regex attr_re(
      R"re(([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?)re");
  std::string t(tag);
  // Skip the tag name.
  auto start = t.find_first_of(" \t\r\n");
  if (start == std::string::npos) return attrs;
  std::string rest = t.substr(start);
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), attr_re);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    std::string value = m[2].matched ? m[2].str() : m[3].matched ? m[3].str() : m[4].str();
    attrs[lower(m[1].str())] = html_unescape(value);
  }
  return attrs;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> form_fields(std::string_view html,
                                                             std::string_view action) {
  std::string_view scope = html;
  if (!action.empty()) {
    std::size_t pos = 0;
    scope = {};
    while ((pos = html.find("<form", pos)) != std::string_view::npos) {
      auto end = html.find('>', pos);
      if (end == std::string_view::npos) break;
      auto attrs = tag_attributes(html.substr(pos, end - pos));
      if (attrs["action"] == action) {
        auto close = html.find("</form>", end);
        scope = html.substr(
            end + 1, close == std::string_view::npos ? std::string_view::npos : close - end - 1);
        break;
      }
      pos = end;
    }
  }
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t pos = 0;
  while ((pos = scope.find("<input", pos)) != std::string_view::npos) {
    auto end = scope.find('>', pos);
    if (end == std::string_view::npos) break;
    auto attrs = tag_attributes(scope.substr(pos, end - pos));
    if (attrs.count("name")) fields.emplace_back(attrs["name"], attrs["value"]);
    pos = end;
  }
  return fields;
}

std::string form_value(std::string_view html, std::string_view name) {
  for (const auto& [k, v] : form_fields(html)) {
    if (k == name) return v;
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> login_fields(std::string_view html,
                                                              const User& user) {
  auto fields = form_fields(html, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = user.username;
    if (k == "password") v = user.password;
  }
  return fields;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json jwt_header(std::string_view token) {
  auto dot = token.find('.');
  return nlohmann::json::parse(b64url_decode(token.substr(0, dot)));
}

nlohmann::json jwt_claims(std::string_view token) {
  auto a = token.find('.');
  auto b = token.find('.', a + 1);
  return nlohmann::json::parse(b64url_decode(token.substr(a + 1, b - a - 1)));
}

std::string basic_auth(const std::string& id, const std::string& secret) {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  std::string raw = url_encode(id) + ":" + url_encode(secret);
  std::string out;
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    uint32_t n = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8) | uint8_t(raw[i + 2]);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
  }
  if (raw.size() - i == 1) {
    uint32_t n = uint8_t(raw[i]) << 16;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += "==";
  } else if (raw.size() - i == 2) {
    uint32_t n = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += '=';
  }
  return "Basic " + out;
}

// ---------------------------------------------------------------------------
// Crypto

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

namespace {
EVP_PKEY* pk(void* p) { return static_cast<EVP_PKEY*>(p); }

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("get_bn_param");
  std::string out(32, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_free(bn);
  return out;
}
}  // namespace

EcKey EcKey::generate() {
  EcKey k;
  k.pkey_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k.pkey_) throw std::runtime_error("EC keygen failed");
  return k;
}

EcKey EcKey::from_jwk(const nlohmann::json& jwk) {
  if (jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256") {
    throw std::runtime_error("not a P-256 JWK: " + jwk.dump());
  }
  std::string x = b64url_decode(jwk.at("x").get<std::string>());
  std::string y = b64url_decode(jwk.at("y").get<std::string>());
  if (x.size() != 32 || y.size() != 32) throw std::runtime_error("bad x/y length");
  std::string point = "\x04" + x + y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  if (!ok) throw std::runtime_error("EVP_PKEY_fromdata failed");
  EcKey k;
  k.pkey_ = key;
  return k;
}

EcKey::EcKey(EcKey&& o) noexcept : pkey_(o.pkey_) { o.pkey_ = nullptr; }
EcKey& EcKey::operator=(EcKey&& o) noexcept {
  std::swap(pkey_, o.pkey_);
  return *this;
}
EcKey::~EcKey() { EVP_PKEY_free(pk(pkey_)); }

nlohmann::json EcKey::public_jwk(const std::string& kid) const {
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", b64url(bn_param(pk(pkey_), OSSL_PKEY_PARAM_EC_PUB_X))},
          {"y", b64url(bn_param(pk(pkey_), OSSL_PKEY_PARAM_EC_PUB_Y))},
          {"kid", kid},
          {"alg", "ES256"},
          {"use", "sig"}};
}

nlohmann::json EcKey::private_jwk(const std::string& kid) const {
  nlohmann::json jwk = public_jwk(kid);
  jwk["d"] = b64url(bn_param(pk(pkey_), OSSL_PKEY_PARAM_PRIV_KEY));
  return jwk;
}

std::string EcKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pk(pkey_));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string EcKey::public_point() const {
  return "\x04" + bn_param(pk(pkey_), OSSL_PKEY_PARAM_EC_PUB_X) +
         bn_param(pk(pkey_), OSSL_PKEY_PARAM_EC_PUB_Y);
}

std::string EcKey::sign_es256(std::string_view input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pk(pkey_));
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    EVP_MD_CTX_free(ctx);
    throw std::runtime_error("sign failed");
  }
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

bool EcKey::verify_es256(std::string_view input, std::string_view raw) const {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pk(pkey_));
  int ok = EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok == 1;
}

std::string make_jws(const nlohmann::json& header, const nlohmann::json& claims,
                     const std::function<std::string(std::string_view)>& sign) {
  std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  return input + "." + b64url(sign(input));
}

nlohmann::json dpop_proof_header(const EcKey& key) {
  nlohmann::json jwk = key.public_jwk("k");
  for (const char* member : {"kid", "alg", "use"}) jwk.erase(member);
  return {{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", jwk}};
}

nlohmann::json dpop_proof_claims(const std::string& method, const std::string& url,
                                 const std::string& nonce, const std::string& access_token) {
  nlohmann::json claims = {
      {"jti", random_hex(16)}, {"htm", method}, {"htu", url}, {"iat", now_seconds()}};
  if (!nonce.empty()) claims["nonce"] = nonce;
  if (!access_token.empty()) claims["ath"] = b64url(sha256(access_token));
  return claims;
}

std::string dpop_proof(const EcKey& key, const std::string& method, const std::string& url,
                       const std::string& nonce, const std::string& access_token) {
  return make_jws(dpop_proof_header(key), dpop_proof_claims(method, url, nonce, access_token),
                  [&key](std::string_view input) { return key.sign_es256(input); });
}

std::string ec_thumbprint(const nlohmann::json& jwk) {
  const nlohmann::json canonical = {
      {"crv", jwk["crv"]}, {"kty", jwk["kty"]}, {"x", jwk["x"]}, {"y", jwk["y"]}};
  return b64url(sha256(canonical.dump()));
}

// ---------------------------------------------------------------------------
// HTTP

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

bool HttpResponse::has_header(std::string_view name) const {
  return headers.count(lower(name)) > 0;
}

nlohmann::json HttpResponse::json() const { return nlohmann::json::parse(body); }

namespace {

std::once_flag curl_once;

size_t write_cb(char* ptr, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

size_t header_cb(char* ptr, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::multimap<std::string, std::string>*>(user);
  std::string line(ptr, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (e.g. after 100 Continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    headers->emplace(name, value);
  }
  return size * n;
}

// libcurl before 8.2.0 checks its 8190-byte limit for the Cookie line against the whole
// request written so far instead of the Cookie line alone (fixed upstream in curl PR
// #11331). With a request line of about 8 KB it then drops every cookie of the jar but
// leaves "Cookie: " without its CRLF, so the header section never ends: the server
// waits for the rest and answers 408 after its header timeout (10 s, the client's own
// timeout). For a long request the client therefore writes the Cookie line itself.
constexpr std::size_t kLongRequestHead = 4096;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> parts;
  std::stringstream ss(line);
  std::string part;
  while (std::getline(ss, part, '\t')) parts.push_back(part);
  return parts;
}

// The jar's cookies (Netscape lines) that a request to `url` carries, as a Cookie
// value: host (or domain tail) match, path prefix, not expired, Secure only in a
// secure context (curl counts loopback as one).
std::string cookie_line_for(const std::vector<std::string>& jar, const std::string& url) {
  std::string host;
  std::string path = "/";
  std::string scheme;
  CURLU* u = curl_url();
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    auto part = [&](CURLUPart which, std::string& out) {
      char* v = nullptr;
      if (curl_url_get(u, which, &v, 0) == CURLUE_OK && v) out = v;
      curl_free(v);
    };
    part(CURLUPART_HOST, host);
    part(CURLUPART_PATH, path);
    part(CURLUPART_SCHEME, scheme);
  }
  curl_url_cleanup(u);
  const bool secure_context =
      scheme == "https" || host == "127.0.0.1" || host == "localhost" || host == "[::1]";
  std::string line;
  for (const std::string& entry : jar) {
    // domain, tailmatch, path, secure, expires, name, value
    std::vector<std::string> f = split_tabs(entry);
    if (f.size() < 6) continue;
    std::string domain = f[0];
    if (domain.rfind("#HttpOnly_", 0) == 0) domain = domain.substr(10);
    if (!domain.empty() && domain[0] == '.') domain = domain.substr(1);
    bool host_ok =
        lower(domain) == lower(host) || (f[1] == "TRUE" && lower(host).size() > domain.size() &&
                                         lower(host).ends_with("." + lower(domain)));
    bool path_ok = path.rfind(f[2], 0) == 0;
    bool secure_ok = f[3] != "TRUE" || secure_context;
    int64_t expires = std::strtoll(f[4].c_str(), nullptr, 10);
    bool alive = expires == 0 || expires > now_seconds();
    if (!(host_ok && path_ok && secure_ok && alive)) continue;
    if (!line.empty()) line += "; ";
    line += f[5] + "=" + (f.size() >= 7 ? f[6] : "");
  }
  return line;
}

std::vector<std::string> jar_lines(CURL* c) {
  curl_slist* cookies = nullptr;
  curl_easy_getinfo(c, CURLINFO_COOKIELIST, &cookies);
  std::vector<std::string> lines;
  for (curl_slist* p = cookies; p; p = p->next) lines.emplace_back(p->data);
  curl_slist_free_all(cookies);
  return lines;
}

}  // namespace

HttpClient::HttpClient() {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // in-memory cookie engine
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_ = c;
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::get(const std::string& url, const Headers& headers) {
  return request("GET", url, "", headers, "");
}

HttpResponse HttpClient::post_form(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& fields,
                                   const Headers& headers) {
  return request("POST", url, form_encode(fields), headers);
}

HttpResponse HttpClient::request(const std::string& method, const std::string& url,
                                 const std::string& body, const Headers& headers,
                                 const std::string& content_type) {
  CURL* c = static_cast<CURL*>(curl_);
  HttpResponse r;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");
  bool has_ct = false;
  std::size_t head_size = url.size();
  for (const auto& [k, v] : headers) {
    if (lower(k) == "content-type") has_ct = true;
    list = curl_slist_append(list, (k + ": " + v).c_str());
    head_size += k.size() + v.size() + 4;
  }
  // A long request takes its cookies out of the jar for this one transfer and
  // carries them in a Cookie line of its own (see kLongRequestHead).
  std::vector<std::string> set_aside;
  if (head_size >= kLongRequestHead) set_aside = jar_lines(c);
  if (!set_aside.empty()) {
    std::string line = cookie_line_for(set_aside, url);
    curl_easy_setopt(c, CURLOPT_COOKIELIST, "ALL");
    if (!line.empty()) list = curl_slist_append(list, ("Cookie: " + line).c_str());
  }
  if (!has_ct && method != "GET") {
    if (content_type.empty()) {
      list = curl_slist_append(list, "Content-Type:");
    } else {
      list = curl_slist_append(list, ("Content-Type: " + content_type).c_str());
    }
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    r.error = curl_easy_strerror(rc);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (rc != CURLE_OK && r.status == 0) r.status = 0;
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  if (!set_aside.empty()) {
    // Back into the jar, except the cookies this response set or cleared itself.
    std::set<std::string> answered;
    auto [b, e] = r.headers.equal_range("set-cookie");
    for (auto it = b; it != e; ++it) {
      std::string name = it->second.substr(0, it->second.find('='));
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      answered.insert(name);
    }
    for (const std::string& entry : set_aside) {
      std::vector<std::string> f = split_tabs(entry);
      if (f.size() >= 6 && answered.count(f[5])) continue;
      curl_easy_setopt(c, CURLOPT_COOKIELIST, entry.c_str());
    }
  }
  return r;
}

std::string HttpClient::cookie(const std::string& name) const {
  curl_slist* cookies = nullptr;
  curl_easy_getinfo(static_cast<CURL*>(curl_), CURLINFO_COOKIELIST, &cookies);
  std::string value;
  for (curl_slist* p = cookies; p; p = p->next) {
    // Netscape format: domain, tailmatch, path, secure, expires, name, value.
    std::vector<std::string> parts;
    std::stringstream ss(p->data);
    std::string part;
    while (std::getline(ss, part, '\t')) parts.push_back(part);
    if (parts.size() >= 6 && parts[5] == name) value = parts.size() >= 7 ? parts[6] : "";
  }
  curl_slist_free_all(cookies);
  return value;
}

void HttpClient::clear_cookies() {
  curl_easy_setopt(static_cast<CURL*>(curl_), CURLOPT_COOKIELIST, "ALL");
}

void HttpClient::set_cookie(const std::string& host, const std::string& name,
                            const std::string& value) {
  std::string line = host + "\tFALSE\t/\tFALSE\t0\t" + name + "\t" + value;
  curl_easy_setopt(static_cast<CURL*>(curl_), CURLOPT_COOKIELIST, line.c_str());
}

// ---------------------------------------------------------------------------
// Processes

namespace {

std::vector<std::string> child_environment(const Env& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    // The servers' settings come only from the test.
    if (kv.rfind("SIGNET_", 0) == 0 || kv.rfind("BANK_API_", 0) == 0 ||
        kv.rfind("FINANCE_APP_", 0) == 0) {
      continue;
    }
    out.push_back(kv);
  }
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const Env& env) {
  std::vector<std::string> envs = child_environment(env);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  if (::chdir(SIGNET_SOURCE_DIR) != 0) {
    // stay where we are
  }
  ::execve(cargv[0], cargv.data(), cenv.data());
  std::fprintf(stderr, "exec %s failed: %s\n", cargv[0], std::strerror(errno));
  ::_exit(127);
}

std::string temp_path(const std::string& suffix) {
  static std::atomic<int> n{0};
  return std::string(SIGNET_IT_LOG_DIR) + "/tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(n++) + suffix;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const Env& env,
                          const std::string& input, int timeout_seconds) {
  CommandResult result;
  std::string out_path = temp_path(".out");
  std::string err_path = temp_path(".err");
  int in_pipe[2];
  if (::pipe(in_pipe) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in_pipe[0], 0);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::close(out);
    ::close(err);
    exec_child(argv, env);
  }
  ::close(in_pipe[0]);
  // Small inputs only: a pipe buffer holds 64 KiB.
  signal(SIGPIPE, SIG_IGN);
  if (!input.empty()) {
    ssize_t w = ::write(in_pipe[1], input.data(), input.size());
    (void)w;
  }
  ::close(in_pipe[1]);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.err = "timed out after " + std::to_string(timeout_seconds) + " s\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err += read_file(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return result;
}

Process::Process(std::string name, std::vector<std::string> argv, Env env, std::string log_path)
    : name_(std::move(name)), log_path_(std::move(log_path)) {
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    exec_child(argv, env);
  }
}

Process::~Process() { stop(); }

bool Process::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void Process::stop() {
  if (!alive()) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = status;
  pid_ = -1;
}

std::string Process::log() const { return read_file(log_path_); }

std::string Process::log_tail(std::size_t max_bytes) const {
  std::string all = log();
  return all.size() > max_bytes ? "...\n" + all.substr(all.size() - max_bytes) : all;
}

std::size_t Process::log_size() const {
  std::error_code ec;
  auto n = fs::file_size(log_path_, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

std::string Process::log_since(std::size_t offset) const {
  std::string all = log();
  if (offset >= all.size()) return "";
  std::string part = all.substr(offset);
  if (part.size() > 8000) part = "...\n" + part.substr(part.size() - 8000);
  return part;
}

// ---------------------------------------------------------------------------
// Database

namespace {

std::string quote_conninfo_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

struct PgConn {
  PGconn* c = nullptr;
  explicit PgConn(const std::string& conninfo) {
    c = PQconnectdb(conninfo.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c);
      PQfinish(c);
      c = nullptr;
      throw std::runtime_error("cannot connect to PostgreSQL (" + conninfo + "): " + msg);
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
  }
  ~PgConn() {
    if (c) PQfinish(c);
  }
  std::vector<std::vector<std::string>> exec(const std::string& sql,
                                             const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("SQL failed: " + sql + ": " + msg);
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) {
        row.emplace_back(PQgetisnull(r, i, j) ? "" : PQgetvalue(r, i, j));
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }
};

std::string quote_ident(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string conninfo_with(const std::string& conninfo,
                          const std::map<std::string, std::string>& overrides) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "invalid conninfo";
    if (err) PQfreemem(err);
    throw std::runtime_error("SIGNET_TEST_DATABASE_URL: " + msg);
  }
  std::map<std::string, std::string> values;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (o->val && *o->val) values[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  for (const auto& [k, v] : overrides) values[k] = v;
  std::string out;
  for (const auto& [k, v] : values) {
    if (!out.empty()) out += ' ';
    out += k + "=" + quote_conninfo_value(v);
  }
  return out;
}

Database::Database(const std::string& admin_conninfo, const std::string& name)
    : admin_(admin_conninfo), name_(name) {
  PgConn admin(admin_);
  admin.exec("DROP DATABASE IF EXISTS " + quote_ident(name_));
  admin.exec("CREATE DATABASE " + quote_ident(name_));
  conninfo_ = conninfo_with(admin_, {{"dbname", name_}});
}

Database::~Database() {
  try {
    PgConn admin(admin_);
    admin.exec("DROP DATABASE IF EXISTS " + quote_ident(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

std::vector<std::vector<std::string>> Database::query(const std::string& sql,
                                                      const std::vector<std::string>& params) {
  PgConn c(conninfo_);
  return c.exec(sql, params);
}

// ---------------------------------------------------------------------------
// PrivateCluster

namespace {

std::string find_pg_bindir() {
  if (const char* d = std::getenv("SIGNET_TEST_PG_BINDIR"); d && *d) return d;
  std::vector<std::string> candidates;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb")) candidates.push_back((e.path() / "bin").string());
  }
  std::sort(candidates.begin(), candidates.end());
  return candidates.empty() ? "" : candidates.back();
}

}  // namespace

CommandResult PrivateCluster::pg(const std::vector<std::string>& argv) {
  std::vector<std::string> full;
  if (::geteuid() == 0) {
    // initdb and postgres refuse to run as root.
    full = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  }
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full, {}, "", 60);
}

std::unique_ptr<PrivateCluster> start_private_cluster(std::string& error) {
  std::unique_ptr<PrivateCluster> cluster;
  try {
    cluster = std::make_unique<PrivateCluster>();
  } catch (const std::exception& e) {
    error = std::string("cannot create a private PostgreSQL cluster: ") + e.what();
    return nullptr;
  }
  if (!cluster->start()) {
    error = cluster->log_tail();
    return nullptr;
  }
  return cluster;
}

PrivateCluster::PrivateCluster() {
  bindir_ = find_pg_bindir();
  if (bindir_.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin; "
        "set SIGNET_TEST_PG_BINDIR");
  }
  char tmpl[] = "/tmp/signet-it-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root but there is no postgres user");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown");
  }
  port_ = free_port();
  auto r = pg({bindir_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U", "postgres", "-E",
               "UTF8", "--no-sync", "--no-instructions"});
  if (r.exit_code != 0) throw std::runtime_error("initdb failed: " + r.out + r.err);
}

PrivateCluster::~PrivateCluster() {
  if (running_) {
    pg({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"});
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool PrivateCluster::start() {
  auto r =
      pg({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/log", "-w", "-t", "30", "-o",
          "-k " + dir_ + " -c listen_addresses='' -p " + std::to_string(port_) +
              " -c fsync=off -c max_connections=40",
          "start"});
  running_ = r.exit_code == 0;
  return running_;
}

bool PrivateCluster::stop() {
  auto r = pg({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"});
  if (r.exit_code == 0) running_ = false;
  return r.exit_code == 0;
}

std::string PrivateCluster::conninfo(const std::string& dbname) const {
  return "host=" + dir_ + " port=" + std::to_string(port_) + " dbname=" + dbname + " user=postgres";
}

std::string PrivateCluster::log_tail() const {
  std::string all = read_file(dir_ + "/log");
  return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
}

// ---------------------------------------------------------------------------
// StaticServer

struct StaticServer::Impl {
  int fd = -1;
  int port = 0;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::string body;
  std::string content_type;
  std::thread thread;

  void run() {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (req.find("\r\n\r\n") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 50) <= 0) continue;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      std::string b;
      {
        std::lock_guard<std::mutex> lock(mu);
        b = body;
      }
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
                         "\r\nContent-Length: " + std::to_string(b.size()) +
                         "\r\nConnection: close\r\n\r\n" + b;
      std::size_t off = 0;
      while (off < resp.size()) {
        ssize_t n = ::send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::shutdown(c, SHUT_WR);
      ::close(c);
    }
  }
};

StaticServer::StaticServer(std::string body, std::string content_type)
    : impl_(std::make_unique<Impl>()) {
  impl_->body = std::move(body);
  impl_->content_type = std::move(content_type);
  impl_->fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(impl_->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(impl_->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl_->fd, 16) != 0) {
    throw std::runtime_error("StaticServer: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(impl_->fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->port = ntohs(addr.sin_port);
  impl_->thread = std::thread([this] { impl_->run(); });
}

StaticServer::~StaticServer() {
  impl_->stop = true;
  impl_->thread.join();
  ::close(impl_->fd);
}

std::string StaticServer::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/jwks";
}

void StaticServer::set_body(std::string body) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->body = std::move(body);
}

// ---------------------------------------------------------------------------
// World

namespace {
World* g_world = nullptr;
std::string g_binary_name = "it";

bool wait_until_answering(Process& p, const std::string& url, bool need_200, int seconds,
                          std::string* why) {
  HttpClient http;
  http.timeout_ms = 1000;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  HttpResponse last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!p.alive()) {
      *why = p.name() + " exited (status " + std::to_string(p.exit_status()) +
             ") before answering. Its log:\n" + p.log_tail();
      return false;
    }
    last = http.get(url);
    if (last.status != 0 && (!need_200 || last.status == 200)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = p.name() + " did not answer " + url + " within " + std::to_string(seconds) +
         " s (last: " + std::to_string(last.status) + " " + last.error + "). Its log:\n" +
         p.log_tail();
  return false;
}
}  // namespace

World& World::get() { return *g_world; }
void World::set(World* w) { g_world = w; }

World::World() {
  const char* url = std::getenv("SIGNET_TEST_DATABASE_URL");
  if (!url || !*url) {
    setup_error =
        "SIGNET_TEST_DATABASE_URL is not set. The integration tests need a real PostgreSQL: set it "
        "to an admin libpq conninfo, e.g. \"host=/tmp/pg-it port=5497 dbname=postgres "
        "user=postgres\" (deploy/ scripts start a private cluster).";
    return;
  }
  admin_conninfo = url;
  try {
    log_dir = std::string(SIGNET_IT_LOG_DIR) + "/" + g_binary_name;
    fs::create_directories(log_dir);
    std::string dbname = "signet_it_" + g_binary_name + "_" + std::to_string(::getpid());
    for (auto& ch : dbname) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    db = std::make_unique<Database>(admin_conninfo, dbname);
    master_key = random_hex(32);
    auto m = cli({"migrate"});
    if (m.exit_code != 0) {
      setup_error =
          "`signet migrate` failed (exit " + std::to_string(m.exit_code) + "):\n" + m.out + m.err;
      return;
    }
    std::string why;
    // bank-api's port is chosen first: Signet's consent page reads the
    // customer's accounts from its account directory (RFC 9396 §7.1).
    const int bank_port = free_port();
    signet =
        start_signet({{"SIGNET_ACCOUNT_DIRECTORY_URL",
                       "http://127.0.0.1:" + std::to_string(bank_port) + "/account-directory"}},
                     &why);
    if (!signet.process) {
      setup_error = why;
      return;
    }
    bank = start_bank_api({}, &why, bank_port);
    if (!bank.process) {
      setup_error = why;
      return;
    }
  } catch (const std::exception& e) {
    setup_error = std::string("integration set-up failed: ") + e.what();
  }
}

World::~World() {
  bank.process.reset();
  signet.process.reset();
  db.reset();
}

Env World::signet_env(int port, const std::string& database_conninfo) const {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  return {{"SIGNET_DATABASE_URL", database_conninfo.empty() ? db->conninfo() : database_conninfo},
          {"SIGNET_ISSUER", base},
          {"SIGNET_LISTEN", "127.0.0.1:" + std::to_string(port)},
          {"SIGNET_MASTER_KEY", master_key},
          {"SIGNET_AUDIENCE", kBankAudience},
          {"SIGNET_HTTP_THREADS", "2"},
          {"SIGNET_WORKERS", "4"}};
}

CommandResult World::cli(const std::vector<std::string>& args, const std::string& input,
                         const Env& extra_env) {
  std::vector<std::string> argv{SIGNET_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = signet_env(signet.port ? signet.port : 8080, "");
  for (const auto& kv : extra_env) {
    auto it = std::find_if(env.begin(), env.end(), [&](auto& e) { return e.first == kv.first; });
    if (it != env.end())
      it->second = kv.second;
    else
      env.push_back(kv);
  }
  return run_command(argv, env, input, 60);
}

User World::add_user(const std::string& username, const std::string& password) {
  User u{username, password, ""};
  auto r = cli({"user", "add", username, "--password-stdin"}, password + "\n");
  EXPECT_EQ(r.exit_code, 0) << "signet user add " << username << ": " << r.out << r.err;
  try {
    u.subject = nlohmann::json::parse(r.out).at("subject").get<std::string>();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "signet user add printed no JSON with a subject: " << r.out << r.err;
  }
  return u;
}

Client World::add_client(const std::string& name, const std::vector<std::string>& redirect_uris,
                         const std::string& scope, bool is_public,
                         const std::vector<std::string>& grants, const Env& extra_env) {
  std::vector<std::string> args{"client", "add", "--name", name, "--scope", scope};
  for (const auto& u : redirect_uris) {
    args.push_back("--redirect-uri");
    args.push_back(u);
  }
  if (is_public) args.push_back("--public");
  for (const auto& g : grants) {
    args.push_back("--grant");
    args.push_back(g);
  }
  auto r = cli(args, "", extra_env);
  Client c;
  EXPECT_EQ(r.exit_code, 0) << "signet client add " << name << ": " << r.out << r.err;
  try {
    c.raw = nlohmann::json::parse(r.out);
    c.client_id = c.raw.at("client_id").get<std::string>();
    if (c.raw.contains("client_secret") && c.raw["client_secret"].is_string()) {
      c.client_secret = c.raw["client_secret"].get<std::string>();
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "signet client add printed no JSON with a client_id: " << r.out << r.err;
  }
  c.redirect_uris = redirect_uris;
  c.scope = scope;
  return c;
}

Client World::add_resource_server(const std::string& name, const std::string& audience) {
  Client c = add_client(name, {}, "read:accounts", false, {"client_credentials"});
  auto r = cli({"resource", "update", audience, "--add-client", c.client_id});
  EXPECT_EQ(r.exit_code, 0) << "signet resource update " << audience << ": " << r.out << r.err;
  return c;
}

Server World::start_signet(const Env& extra_env, std::string* error,
                           const std::string& database_conninfo) {
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Server s;
    s.port = free_port();
    s.base_url = "http://127.0.0.1:" + std::to_string(s.port);
    Env env = signet_env(s.port, database_conninfo);
    for (const auto& kv : extra_env) {
      auto it = std::find_if(env.begin(), env.end(), [&](auto& e) { return e.first == kv.first; });
      if (it != env.end())
        it->second = kv.second;
      else
        env.push_back(kv);
    }
    std::string log = log_dir + "/signet-" + std::to_string(s.port) + ".log";
    s.process = std::make_unique<Process>("signet:" + std::to_string(s.port),
                                          std::vector<std::string>{SIGNET_BIN, "serve"}, env, log);
    if (wait_until_answering(*s.process, s.base_url + "/.well-known/oauth-authorization-server",
                             true, 20, &why)) {
      processes.push_back(s.process.get());
      return s;
    }
    s.process->stop();
    if (why.find("ddress already in use") == std::string::npos) break;
  }
  if (error) *error = why;
  return {};
}

Server World::start_bank_api(const Env& extra_env, std::string* error, int port) {
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Server s;
    s.port = attempt == 0 && port ? port : free_port();
    s.base_url = "http://127.0.0.1:" + std::to_string(s.port);
    Env env{{"BANK_API_DATABASE_URL", db->conninfo()},
            {"BANK_API_ISSUER", signet.base_url},
            {"BANK_API_LISTEN", "127.0.0.1:" + std::to_string(s.port)},
            {"BANK_API_AUDIENCE", kBankAudience}};
    for (const auto& kv : extra_env) {
      auto it = std::find_if(env.begin(), env.end(), [&](auto& e) { return e.first == kv.first; });
      if (it != env.end())
        it->second = kv.second;
      else
        env.push_back(kv);
    }
    std::string log = log_dir + "/bank-api-" + std::to_string(s.port) + ".log";
    s.process = std::make_unique<Process>("bank-api:" + std::to_string(s.port),
                                          std::vector<std::string>{BANK_API_BIN}, env, log);
    if (wait_until_answering(*s.process, s.base_url + "/transactions", false, 20, &why)) {
      processes.push_back(s.process.get());
      return s;
    }
    s.process->stop();
    if (why.find("ddress already in use") == std::string::npos) break;
  }
  if (error) *error = why;
  return {};
}

std::string World::unique(const std::string& prefix) {
  return prefix + "-" + std::to_string(++counter_) + "-" + random_hex(3);
}

namespace {

std::vector<std::pair<std::string, std::string>> authorize_params(const AuthorizeRequest& r) {
  std::vector<std::pair<std::string, std::string>> q{
      {"response_type", "code"}, {"client_id", r.client_id}, {"redirect_uri", r.redirect_uri}};
  if (!r.scope.empty()) q.emplace_back("scope", r.scope);
  if (!r.state.empty()) q.emplace_back("state", r.state);
  if (!r.code_verifier.empty()) {
    q.emplace_back("code_challenge", pkce_challenge(r.code_verifier));
    q.emplace_back("code_challenge_method", "S256");
  }
  for (const auto& kv : r.extra) q.push_back(kv);
  return q;
}

}  // namespace

std::string World::authorize_url(const AuthorizeRequest& r) const {
  return signet.base_url + "/authorize?" + form_encode(authorize_params(r));
}

HttpResponse World::push_request(const Client& client, const AuthorizeRequest& r) {
  auto fields = authorize_params(r);
  Headers h;
  // A public client names itself in the body (token_endpoint_auth_method none).
  if (!client.client_secret.empty()) {
    std::erase_if(fields, [](const auto& kv) { return kv.first == "client_id"; });
    h.emplace_back("Authorization", basic_auth(client.client_id, client.client_secret));
  }
  HttpClient http;
  return http.post_form(signet.base_url + "/par", fields, h);
}

AuthorizationResult World::authorize(HttpClient& browser, const AuthorizeRequest& r,
                                     const User& user, const std::string& decision) {
  return authorize_at(browser, authorize_url(r), user, decision);
}

AuthorizationResult World::authorize_at(HttpClient& browser, const std::string& url,
                                        const User& user, const std::string& decision) {
  AuthorizationResult out;
  HttpResponse resp = browser.get(url);
  for (int step = 0; step < 8; ++step) {
    out.last = resp;
    if (resp.status == 302 || resp.status == 303 || resp.status == 307) {
      std::string loc = resp.location();
      if (loc.rfind("/", 0) == 0 && loc.rfind("//", 0) != 0) {
        resp = browser.get(signet.base_url + loc);
        continue;
      }
      if (loc.rfind(signet.base_url + "/", 0) == 0) {
        resp = browser.get(loc);
        continue;
      }
      out.redirect = loc;
      out.params = query_params(loc);
      return out;
    }
    if (resp.status == 200 && resp.body.find("action=\"/consent\"") != std::string::npos) {
      out.pages.push_back("consent");
      auto fields = form_fields(resp.body, "/consent");
      fields.emplace_back("decision", decision);
      resp = browser.post_form(signet.base_url + "/consent", fields);
      continue;
    }
    if (resp.body.find("action=\"/login\"") != std::string::npos &&
        (resp.status == 200 || resp.status == 401) && out.pages.empty()) {
      out.pages.push_back("login");
      auto fields = form_fields(resp.body, "/login");
      for (auto& [k, v] : fields) {
        if (k == "username") v = user.username;
        if (k == "password") v = user.password;
      }
      resp = browser.post_form(signet.base_url + "/login", fields);
      continue;
    }
    if (resp.body.find("action=\"/login\"") != std::string::npos) out.pages.push_back("login");
    return out;  // an error page, or a login page shown again
  }
  return out;
}

HttpResponse World::token_request(const std::vector<std::pair<std::string, std::string>>& fields,
                                  const Client* basic) {
  HttpClient http;
  Headers h;
  if (basic) h.emplace_back("Authorization", basic_auth(basic->client_id, basic->client_secret));
  return http.post_form(signet.base_url + "/token", fields, h);
}

HttpResponse World::exchange_code(const Client& client, const std::string& code,
                                  const std::string& redirect_uri, const std::string& verifier) {
  std::vector<std::pair<std::string, std::string>> f{
      {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}};
  if (!verifier.empty()) f.emplace_back("code_verifier", verifier);
  if (client.client_secret.empty()) {
    f.emplace_back("client_id", client.client_id);
    return token_request(f, nullptr);
  }
  return token_request(f, &client);
}

std::string World::access_token(const Client& client, const User& user, const std::string& scope) {
  HttpClient browser;
  std::string verifier = random_hex(32);
  AuthorizeRequest req{
      client.client_id, client.redirect_uris.at(0), scope, random_hex(8), verifier, {}};
  auto a = authorize(browser, req, user);
  EXPECT_FALSE(a.code().empty()) << "no code; last response " << a.last.status << " "
                                 << a.last.location() << "\n"
                                 << a.last.body.substr(0, 2000);
  if (a.code().empty()) return "";
  auto t = exchange_code(client, a.code(), req.redirect_uri, verifier);
  EXPECT_EQ(t.status, 200) << t.body;
  try {
    return t.json().at("access_token").get<std::string>();
  } catch (const std::exception&) {
    ADD_FAILURE() << "token response without access_token: " << t.body;
    return "";
  }
}

HttpResponse World::bank_get(const std::string& path, const std::string& token,
                             const std::string& base_url) {
  HttpClient http;
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return http.get((base_url.empty() ? bank.base_url : base_url) + path, h);
}

// ---------------------------------------------------------------------------
// Test base and environment

void IntegrationTest::SetUp() {
  if (!g_world) FAIL() << "the integration environment was not installed";
  if (!g_world->setup_error.empty()) FAIL() << g_world->setup_error;
  for (Process* p : g_world->processes) g_world->log_marks[p] = p->log_size();
}

void IntegrationTest::TearDown() {
  if (!g_world || !HasFailure()) return;
  for (Process* p : g_world->processes) {
    std::string part = p->log_since(g_world->log_marks[p]);
    if (!part.empty()) {
      std::cerr << "----- " << p->name() << " log during this test -----\n" << part << "\n";
    }
  }
}

namespace {
class WorldEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { World::set(new World()); }
  void TearDown() override {
    delete g_world;
    g_world = nullptr;
  }
};
}  // namespace

void install_environment(const std::string& binary_name) {
  g_binary_name = binary_name;
  ::testing::AddGlobalTestEnvironment(new WorldEnvironment);
}

}  // namespace signet::it
