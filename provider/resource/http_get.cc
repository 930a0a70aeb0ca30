// The default HttpGet and HttpPost: libcurl, bounded in time and size, http(s) only, no redirects.
#include <curl/curl.h>

#include <mutex>

#include "resource/http_get.h"
#include "resource/revocation_feed.h"

namespace signet::resource {

namespace {

constexpr size_t kMaxBody = 1 << 20;  // a JWKS or metadata document is a few KiB

size_t on_data(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* out = static_cast<std::string*>(userdata);
  size_t n = size * nmemb;
  if (out->size() + n > kMaxBody) return 0;  // aborts the transfer
  out->append(ptr, n);
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One bounded transfer: a GET, or a form POST when `form_body` is set.
Result<std::string> transfer(const std::string& url, const std::string* form_body,
                             const std::string& authorization) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return fail("http_failed", "curl init failed");
  std::string body;
  CURL* c = curl.get();
  curl_slist* list = nullptr;
  auto add_header = [&list](const std::string& h) {
    if (curl_slist* l = curl_slist_append(list, h.c_str())) list = l;
  };
  if (!authorization.empty()) add_header("Authorization: " + authorization);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // safe in multi-threaded servers
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  if (form_body) {
    add_header("Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form_body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form_body->size()));
  }
  std::unique_ptr<curl_slist, SlistFree> headers(list);
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return fail("http_failed", curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return fail("http_failed", "HTTP status " + std::to_string(status));
  return body;
}

}  // namespace

HttpGet default_http_get() {
  init_curl_once();
  return [](const std::string& url) { return transfer(url, nullptr, {}); };
}

HttpPost default_http_post() {
  init_curl_once();
  return [](const std::string& url, const std::string& form_body,
            const std::string& authorization) { return transfer(url, &form_body, authorization); };
}

}  // namespace signet::resource
