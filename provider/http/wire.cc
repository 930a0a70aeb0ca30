#include "http/wire.h"

#include "common/log.h"

namespace signet::http {
namespace {

// Pistache drops some headers added with addRaw() (upstream #967); a small
// header class per name is kept instead.
class NamedHeader : public Pistache::Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return 0; }

 private:
  std::string name_;
  std::string value_;
};

void add(Pistache::Http::ResponseWriter& w, std::string name, std::string value) {
  w.headers().add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
}

}  // namespace

Pistache::Async::Promise<ssize_t> send(Pistache::Http::ResponseWriter& w, const Answer& a) {
  using namespace Pistache;
  try {
    if (!a.cache_control.empty()) {
      add(w, "Cache-Control", a.cache_control);
    } else if (a.no_store) {
      // RFC 6749 §5.1: token responses must not be cached; pages carry CSRF tokens.
      add(w, "Cache-Control", "no-store");
      add(w, "Pragma", "no-cache");
    }
    add(w, "X-Content-Type-Options", "nosniff");
    if (!a.request_id.empty()) add(w, "X-Request-Id", a.request_id);
    if (a.page) {
      std::string form_action = "'self'";
      if (!a.form_action.empty()) form_action += " " + a.form_action;
      add(w, "Content-Security-Policy",
          "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + form_action +
              "; frame-ancestors 'none'; base-uri 'none'");
      add(w, "X-Frame-Options", "DENY");
      add(w, "Referrer-Policy", "no-referrer");
    }
    if (!a.location.empty()) w.headers().add<Http::Header::Location>(a.location);
    if (!a.www_authenticate.empty()) add(w, "WWW-Authenticate", a.www_authenticate);
    if (a.retry_after > 0) add(w, "Retry-After", std::to_string(a.retry_after));
    if (!a.dpop_nonce.empty()) add(w, "DPoP-Nonce", a.dpop_nonce);
    for (const auto& c : a.cookies) {
      Http::Cookie cookie(c.name, c.clear ? "" : c.value);
      cookie.path = "/";
      cookie.httpOnly = true;
      cookie.secure = c.secure;
      cookie.ext["SameSite"] = "Lax";
      if (c.clear) cookie.maxAge = 0;
      w.cookies().add(cookie);
    }
    // A 204 has no body, so no type (RFC 9110 §15.3.5).
    if (!a.content_type.empty()) {
      w.headers().add<Http::Header::ContentType>(Http::Mime::MediaType(a.content_type));
    }
    return w.send(static_cast<Http::Code>(a.status), a.body);
  } catch (const std::exception& e) {
    log_json_line({{"level", "error"}, {"event", "response_failed"}, {"detail", e.what()}});
    return Async::Promise<ssize_t>::rejected(e);
  }
}

}  // namespace signet::http
