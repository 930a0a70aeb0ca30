// The router's Pistache handler, with two changes made as soon as the headers are
// parsed: a declared Content-Length above the request size limit is refused with
// 413, and a request with a Transfer-Encoding is refused with 411.
//
// Why: Pistache 0.0.5's BodyStep reserves the declared Content-Length before it
// reads a byte of the body, so "Content-Length: 100000000000" makes it try to
// reserve 100 GB (std::length_error / bad_alloc, an abort under AddressSanitizer).
// Its header registry refuses a second "Content-Length" class, so the check sits in
// the parser: each connection gets a parser whose header step checks the length
// (RFC 9110 §8.6, §15.5.14 413 Content Too Large) before the body step runs. A
// header Pistache fails to parse (its std::stoull throws on a length beyond
// 2^64) is answered 400 there too, instead of Pistache's 500 with e.what().
//
// Why 411 for Transfer-Encoding: Pistache 0.0.5's chunked-body parser reserves the
// declared chunk size before reading it, and reads a chunk-size line with strtol
// past the bytes received (upstream #1193; tests/fuzz/pistache/). No client of an
// authorization server needs a chunked request body: browsers and OAuth libraries
// send forms with a Content-Length, and RFC 9112 §6.3 lets a server refuse a body
// without one (411 Length Required, RFC 9110 §15.5.12). Refusing it keeps
// Pistache's chunk parser out of reach of untrusted bytes.
#pragma once

#include <cstddef>
#include <memory>

#include <pistache/http.h>
#include <pistache/router.h>

namespace signet::http {

// The parser each connection gets; exposed for the fuzz target, which feeds it
// the same way Pistache's Http::Handler::onInput does.
std::shared_ptr<Pistache::Http::RequestParser> make_bounded_request_parser(std::size_t max_request);

class BoundedRouterHandler : public Pistache::Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(BoundedRouterHandler)

  explicit BoundedRouterHandler(const Pistache::Rest::Router& routes) : RouterHandler(routes) {}

 private:
  // Replaces Http::Handler::onConnection, which only installs the parser.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
};

}  // namespace signet::http
