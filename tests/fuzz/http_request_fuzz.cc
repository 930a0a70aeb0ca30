// The HTTP layer as deployed: raw bytes from a socket into Pistache's request
// parser (the same feed/parse steps as Pistache's Http::Handler::onInput, with the
// deployed size limit), then http/incoming.cc copying the request for the
// handlers, and the strict form decoding of its query and body.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <pistache/http.h>

#include "common/form.h"
#include "http/incoming.h"

using namespace signet;

namespace {
// SIGNET_MAX_REQUEST_BYTES' default.
constexpr size_t kMaxRequestBytes = 64 * 1024;

// Pistache 0.0.5 reserves a body of the declared Content-Length, and a chunk of
// the declared chunk size, before reading it (docs/fuzzing.md, tests/fuzz/pistache/).
// Outside ASan a huge value throws std::bad_alloc, which Pistache answers with an
// error (tests/integration/browser_security_it.cc sends one); ASan's operator new
// aborts instead, so such inputs are left out here.
bool declares_huge_chunk(std::string_view in) {
  size_t body = in.find("\r\n\r\n");
  if (body == std::string_view::npos) return false;
  for (size_t line = body + 4; line < in.size();) {
    size_t digits = 0;
    uint64_t value = 0;
    for (size_t j = line; j < in.size() && std::isxdigit(static_cast<unsigned char>(in[j])); ++j) {
      if (++digits > 12) return true;
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(in[j])));
      value = value * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (value > kMaxRequestBytes) return true;
    size_t next = in.find('\n', line);
    if (next == std::string_view::npos) break;
    line = next + 1;
  }
  return false;
}

// Pistache 0.0.5 reads a chunk-size line with strtol, past the end of the bytes
// received so far when they end inside that line (upstream #1193,
// tests/fuzz/pistache/chunk-size-strtol-overread). Inputs whose chunked body is cut
// short are left out so that this known bug does not fail every run.
bool ends_inside_chunked_body(std::string_view in) {
  std::string lower(in);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("chunked") == std::string::npos) return false;
  return in.size() < 5 || in.substr(in.size() - 5) != "0\r\n\r\n";
}

bool declares_huge_body(std::string_view in) {
  if (ends_inside_chunked_body(in)) return true;
  if (declares_huge_chunk(in)) return true;
  constexpr std::string_view kName = "content-length";
  for (size_t at = 0; at + kName.size() < in.size(); ++at) {
    size_t i = 0;
    while (i < kName.size() && std::tolower(static_cast<unsigned char>(in[at + i])) == kName[i]) {
      ++i;
    }
    if (i < kName.size()) continue;
    size_t digits = 0;
    uint64_t value = 0;
    for (size_t j = at + i; j < in.size() && in[j] != '\n'; ++j) {
      if (in[j] < '0' || in[j] > '9') continue;
      if (++digits > 12) return true;
      value = value * 10 + static_cast<uint64_t>(in[j] - '0');
    }
    if (value > kMaxRequestBytes) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (declares_huge_body({reinterpret_cast<const char*>(data), size})) return 0;
  Pistache::Http::RequestParser parser(kMaxRequestBytes);
  if (!parser.feed(reinterpret_cast<const char*>(data), size)) return 0;  // 413
  try {
    if (parser.parse() != Pistache::Http::Private::State::Done) return 0;
  } catch (const std::exception&) {
    return 0;  // Pistache answers 400 (HttpError) or 500
  }
  // Whatever the parser accepted, the copy for the handlers must not throw (that
  // would be a 500 for a client's bad bytes).
  const auto in = http::Incoming::from(parser.request);
  (void)parse_form(in.query);
  if (in.is_form()) (void)parse_form(in.body);
  (void)in.cookie("signet_session");
  return 0;
}
