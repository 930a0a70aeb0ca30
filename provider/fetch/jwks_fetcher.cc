#include "fetch/jwks_fetcher.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <memory>
#include <mutex>

#include "common/blocking.h"
#include "fetch/address_policy.h"

namespace signet::fetch {
namespace {

using protocol::OAuthError;

constexpr size_t kMaxBody = 64 * 1024;  // a JWKS of a few keys is 1-3 KiB
constexpr const char* kAuthFailed = "Client authentication failed.";

struct Transfer {
  std::string body;
  bool too_big = false;
  bool refused_address = false;
  bool allow_private = false;
};

size_t on_data(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->body.size() + n > kMaxBody) {
    t->too_big = true;
    return 0;  // aborts the transfer
  }
  t->body.append(ptr, n);
  return n;
}

// Called with the resolved address right before connecting: the SSRF check.
curl_socket_t open_socket(void* userdata, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(userdata);
  if (purpose != CURLSOCKTYPE_IPCXN || (!t->allow_private && !is_public_address(&address->addr))) {
    t->refused_address = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

CurlJwksFetcher::CurlJwksFetcher(bool allow_private_addresses)
    : allow_private_(allow_private_addresses) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string, OAuthError> CurlJwksFetcher::fetch_jwks(const std::string& uri) {
  // A network wait: never on an HTTP I/O thread.
  if (!blocking_allowed()) return fail(OAuthError::would_block());
  auto refused = [&uri](const std::string& why) {
    return fail(OAuthError::invalid_client(kAuthFailed, "jwks_uri " + uri + ": " + why));
  };
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return fail(OAuthError::server_error("curl init failed"));
  Transfer t;
  t.allow_private = allow_private_;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, allow_private_ ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // safe in multi-threaded servers
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE, static_cast<long>(kMaxBody));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  const CURLcode rc = curl_easy_perform(c);
  if (t.refused_address) return refused("a private or local address (SSRF guard)");
  if (t.too_big) return refused("larger than 64 KiB");
  if (rc != CURLE_OK) return refused(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return refused("HTTP status " + std::to_string(status));
  return std::move(t.body);
}

}  // namespace signet::fetch
