#include "fetch/account_directory.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/blocking.h"

namespace signet::fetch {
namespace {

using protocol::CustomerAccount;
using protocol::OAuthError;

constexpr size_t kMaxBody = 64 * 1024;
constexpr int64_t kTokenLifetime = 60;

struct Body {
  std::string text;
  bool too_big = false;
};

size_t on_data(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* b = static_cast<Body*>(userdata);
  const size_t n = size * nmemb;
  if (b->text.size() + n > kMaxBody) {
    b->too_big = true;
    return 0;
  }
  b->text.append(ptr, n);
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

HttpAccountDirectory::HttpAccountDirectory(std::string url, std::string audience,
                                           const protocol::AccessTokenIssuer& tokens,
                                           const Clock& clock)
    : url_(std::move(url)), audience_(std::move(audience)), tokens_(tokens), clock_(clock) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::vector<CustomerAccount>, std::string> parse_account_directory(const std::string& body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("accounts") || !doc["accounts"].is_array()) {
    return fail(std::string("not an object with an accounts array"));
  }
  std::vector<CustomerAccount> out;
  for (const auto& a : doc["accounts"]) {
    if (!a.is_object() || !a.contains("iban") || !a["iban"].is_string()) {
      return fail(std::string("an account without a string iban"));
    }
    CustomerAccount c;
    c.iban = a["iban"].get<std::string>();
    if (auto n = a.find("name"); n != a.end() && n->is_string()) c.name = n->get<std::string>();
    if (auto k = a.find("currency"); k != a.end() && k->is_string()) {
      c.currency = k->get<std::string>();
    }
    out.push_back(std::move(c));
  }
  return out;
}

protocol::StoreResult<std::vector<CustomerAccount>> HttpAccountDirectory::accounts_of(
    const std::string& subject) {
  if (!blocking_allowed()) return fail(OAuthError::would_block());
  auto unavailable = [this](const std::string& why) {
    return fail(OAuthError::temporarily_unavailable("account directory " + url_ + ": " + why));
  };
  // The token names Signet itself as the client: no registered client can
  // (client ids are random), so the bank's API can tell this caller apart.
  protocol::Client self;
  self.client_id = tokens_.settings().issuer;
  self.access_token_ttl = kTokenLifetime;
  auto token = tokens_.issue(self, audience_, subject, {kAccountDirectoryScope}, clock_.now());
  if (!token) return fail(std::move(token.error()));

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return fail(OAuthError::server_error("curl init failed"));
  const std::string auth = "Authorization: Bearer " + token->token;
  std::unique_ptr<curl_slist, SlistFree> headers(curl_slist_append(nullptr, auth.c_str()));
  Body body;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(c);
  if (body.too_big) return unavailable("answer larger than 64 KiB");
  if (rc != CURLE_OK) return unavailable(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return unavailable("HTTP status " + std::to_string(status));
  auto accounts = parse_account_directory(body.text);
  if (!accounts) return unavailable(accounts.error());
  return std::move(*accounts);
}

}  // namespace signet::fetch
