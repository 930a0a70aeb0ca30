#include "http/bounded_handler.h"

#include <pistache/peer.h>

#include <strings.h>

#include <string_view>

namespace signet::http {
namespace {

using namespace Pistache;

// Pistache keeps the first of two header lines of one name and drops the rest.
// For X-Forwarded-For that would keep the line the client wrote and drop the one
// a proxy added after it, so its lines are joined in order instead, which RFC 9110
// §5.3 makes equivalent to one line (http/forwarded_for.h reads the right end).
void join_forwarded_for_lines(std::string_view block, Http::Header::Collection& headers) {
  static constexpr std::string_view kName = "x-forwarded-for";
  std::string joined;
  int lines = 0;
  while (!block.empty()) {
    const auto eol = block.find('\n');
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto colon = line.find(':');
    if (colon != kName.size() || strncasecmp(line.data(), kName.data(), kName.size()) != 0) {
      continue;
    }
    if (lines++ > 0) joined += ',';
    joined += line.substr(colon + 1);  // entries are trimmed where they are read
  }
  if (lines < 2) return;
  headers.remove("X-Forwarded-For");
  headers.addRaw(Http::Header::Raw("X-Forwarded-For", joined));
}

// Pistache's header step, then the length check; the body step comes after it.
class BoundedHeadersStep : public Http::Private::HeadersStep {
 public:
  BoundedHeadersStep(Http::Message* request, std::size_t max_body)
      : HeadersStep(request), max_body_(max_body) {}

  Http::Private::State apply(StreamCursor& cursor) override {
    Http::Private::State state = Http::Private::State::Again;
    const StreamCursor::Token block(cursor);
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
      auto& headers = message->headers();
      join_forwarded_for_lines({block.rawText(), block.size()}, headers);
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
