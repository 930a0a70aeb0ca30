#include "http/incoming.h"

#include <pistache/http.h>

#include <algorithm>
#include <cctype>

#include "common/crypto.h"
#include "http/forwarded_for.h"

namespace signet::http {

namespace {

// A caller's id is kept only if it is short and plain, so that it can be
// logged and echoed without escaping (no CR/LF header injection).
bool plain_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string request_id_from(const std::optional<std::string>& header) {
  if (header && plain_request_id(*header)) return *header;
  return random_token(12);
}

Incoming Incoming::from(const Pistache::Http::Request& request,
                        const AddressRanges& trusted_proxies) {
  using namespace Pistache;
  Incoming in;
  in.path = request.resource();
  // Pistache splits the query into a map without decoding it; rebuild the raw
  // string so that one strict parser (common/form.h) decodes every input.
  std::string q = request.query().as_str();
  in.query = q.empty() ? q : q.substr(1);
  in.body = request.body();
  if (auto auth = request.headers().tryGet<Http::Header::Authorization>()) {
    in.authorization = auth->value();
  }
  // RFC 9449 §4.1. Pistache keeps the first of two lines of one name, so "exactly
  // one DPoP header" is checked only as far as a comma-joined value (a JWS has none).
  if (auto dpop = request.headers().tryGetRaw("DPoP")) in.dpop = dpop->value();
  if (auto ct = request.headers().tryGet<Http::Header::ContentType>()) {
    const auto& mime = ct->mime();
    std::string t = mime.toString();
    t = t.substr(0, t.find(';'));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    in.content_type = t;
  }
  for (const auto& c : request.cookies()) in.cookies.emplace(c.name, c.value);
  std::optional<std::string> forwarded_for;
  if (auto raw = request.headers().tryGetRaw("X-Forwarded-For")) forwarded_for = raw->value();
  in.client_address = client_address_from(request.address().host(), forwarded_for, trusted_proxies);
  std::optional<std::string> caller_id;
  if (auto raw = request.headers().tryGetRaw("X-Request-Id")) caller_id = raw->value();
  in.request_id = request_id_from(caller_id);
  return in;
}

const std::string* Incoming::cookie(const std::string& name) const {
  auto it = cookies.find(name);
  return it == cookies.end() ? nullptr : &it->second;
}

}  // namespace signet::http
