#include "http/incoming.h"

#include <algorithm>
#include <cctype>

namespace signet::http {

Incoming Incoming::from(const Pistache::Rest::Request& request) {
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
  in.client_address = request.address().host();
  return in;
}

const std::string* Incoming::cookie(const std::string& name) const {
  auto it = cookies.find(name);
  return it == cookies.end() ? nullptr : &it->second;
}

}  // namespace signet::http
