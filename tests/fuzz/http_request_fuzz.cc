// The HTTP layer as deployed: raw bytes from a socket into the parser each
// connection gets (http/bounded_handler.h: Pistache's, with the length checks;
// the same feed/parse steps as Pistache's Http::Handler::onInput, with the
// deployed size limit), then http/incoming.cc copying the request for the
// handlers, and the strict form decoding of its query and body.
#include <cstddef>
#include <cstdint>
#include <string>

#include <pistache/http.h>

#include "common/form.h"
#include "http/bounded_handler.h"
#include "http/incoming.h"

using namespace signet;

namespace {
// SIGNET_MAX_REQUEST_BYTES' default.
constexpr size_t kMaxRequestBytes = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parser = http::make_bounded_request_parser(kMaxRequestBytes);
  if (!parser->feed(reinterpret_cast<const char*>(data), size)) return 0;  // 413
  try {
    if (parser->parse() != Pistache::Http::Private::State::Done) return 0;
  } catch (const std::exception&) {
    return 0;  // answered 400, 411, 413 (HttpError) or 500
  }
  // Whatever the parser accepted, the copy for the handlers must not throw (that
  // would be a 500 for a client's bad bytes).
  const auto in = http::Incoming::from(parser->request);
  (void)parse_form(in.query);
  if (in.is_form()) (void)parse_form(in.body);
  (void)in.cookie("signet_session");
  return 0;
}
