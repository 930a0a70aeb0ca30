// The router's Pistache handler, with one change: a declared Content-Length above
// the request size limit is refused with 413 as soon as the headers are parsed.
//
// Why: Pistache 0.0.5's BodyStep reserves the declared Content-Length before it
// reads a byte of the body, so "Content-Length: 100000000000" makes it try to
// reserve 100 GB (std::length_error / bad_alloc, an abort under AddressSanitizer).
// Its header registry refuses a second "Content-Length" class, so the check sits in
// the parser: each connection gets a parser whose header step checks the length
// (RFC 9110 §8.6, §15.5.14 413 Content Too Large) before the body step runs. A
// header Pistache fails to parse (its std::stoull throws on a length beyond
// 2^64) is answered 400 there too, instead of Pistache's 500 with e.what().
#pragma once

#include <cstddef>
#include <memory>

#include <pistache/router.h>

namespace signet::http {

class BoundedRouterHandler : public Pistache::Rest::Private::RouterHandler {
 public:
  HTTP_PROTOTYPE(BoundedRouterHandler)

  explicit BoundedRouterHandler(const Pistache::Rest::Router& router) : RouterHandler(router) {}

 private:
  // Replaces Http::Handler::onConnection, which only installs the parser.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
};

}  // namespace signet::http
