// Cookie parsing as Signet receives it: Pistache parses the Cookie header into a
// CookieJar (Header::Cookie -> CookieJar::addFromRaw), http/incoming.cc copies
// each name and value; Cookie::fromString parses one Set-Cookie-style cookie.
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <pistache/cookie.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* raw = reinterpret_cast<const char*>(data);
  try {
    Pistache::Http::CookieJar jar;
    jar.addFromRaw(raw, size);
    std::map<std::string, std::string> cookies;
    for (const auto& c : jar) cookies.emplace(c.name, c.value);
  } catch (const std::exception&) {
    // Pistache answers 400 for a header it cannot parse.
  }
  try {
    auto c = Pistache::Http::Cookie::fromString(std::string(raw, size));
    std::ostringstream out;
    out << c;
  } catch (const std::exception&) {
  }
  return 0;
}
