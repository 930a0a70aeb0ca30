#include "http/bounded_handler.h"

#include <pistache/peer.h>

namespace signet::http {
namespace {

using namespace Pistache;

// Pistache's header step, then the length check; the body step comes after it.
class BoundedHeadersStep : public Http::Private::HeadersStep {
 public:
  BoundedHeadersStep(Http::Message* request, std::size_t max_body)
      : HeadersStep(request), max_body_(max_body) {}

  Http::Private::State apply(StreamCursor& cursor) override {
    Http::Private::State state = Http::Private::State::Again;
    try {
      state = HeadersStep::apply(cursor);
    } catch (const Http::HttpError&) {
      throw;
    } catch (const std::exception&) {
      // A typed header Pistache cannot parse (e.g. a Content-Length beyond 2^64
      // makes std::stoull throw) is the client's error: 400, not Pistache's 500.
      raise("Malformed header");
    }
    if (state == Http::Private::State::Next) {
      const auto& headers = message->headers();
      if (headers.has<Http::Header::TransferEncoding>() || headers.tryGetRaw("Transfer-Encoding")) {
        raise("A request body needs a Content-Length", Http::Code::Length_Required);
      }
      if (auto cl = headers.tryGet<Http::Header::ContentLength>(); cl && cl->value() > max_body_) {
        raise("Request body too large", Http::Code::Request_Entity_Too_Large);
      }
    }
    return state;
  }

 private:
  std::size_t max_body_;
};

class BoundedRequestParser : public Http::RequestParser {
 public:
  explicit BoundedRequestParser(std::size_t max_request) : ParserImpl(max_request) {
    // The request line and headers count against the same limit, so a body
    // longer than the whole limit can never fit.
    allSteps[1] = std::make_unique<BoundedHeadersStep>(&request, max_request);
  }
};

}  // namespace

std::shared_ptr<Http::RequestParser> make_bounded_request_parser(std::size_t max_request) {
  return std::make_shared<BoundedRequestParser>(max_request);
}

void BoundedRouterHandler::onConnection(const std::shared_ptr<Tcp::Peer>& peer) {
  peer->putData(ParserData, make_bounded_request_parser(getMaxRequestSize()));
}

}  // namespace signet::http
