#include "http/respond.h"

#include <cctype>

#include "common/log.h"
#include "interaction/pages.h"

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

Answer json_answer(int status, const nlohmann::json& body) {
  Answer a;
  a.status = status;
  a.body = body.dump();
  return a;
}

std::string form_action_source(const std::string& uri) {
  auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) return {};
  const std::string scheme = uri.substr(0, colon);
  for (char c : scheme) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return {};
  }
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return {};
  const bool web = scheme == "http" || scheme == "https";
  if (uri.compare(colon, 3, "://") != 0) return web ? std::string() : scheme + ":";
  const auto end = uri.find_first_of("/?#", colon + 3);
  std::string origin = uri.substr(0, end);
  const std::string authority = origin.substr(colon + 3);
  if (authority.empty()) return {};
  for (char c : authority) {
    // host, [IPv6], :port; no userinfo, and nothing that could end the source.
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '[' || c == ']')) {
      return {};
    }
  }
  return origin;
}

Answer page_answer(int status, std::string html) {
  Answer a;
  a.status = status;
  a.body = std::move(html);
  a.content_type = "text/html; charset=utf-8";
  a.page = true;
  return a;
}

Answer redirect_answer(std::string location) {
  Answer a;
  a.status = 303;  // See Other: the browser follows with GET (RFC 9110 §15.4.4)
  a.location = std::move(location);
  a.content_type = "text/plain; charset=utf-8";
  return a;
}

Answer oauth_error_json(const protocol::OAuthError& error) {
  nlohmann::json body = {{"error", error.code}};
  if (!error.description.empty()) body["error_description"] = error.description;
  Answer a = json_answer(error.status, body);
  a.retry_after = error.retry_after;
  // RFC 6749 §5.2: a 401 names the scheme the server supports, whichever way the
  // client tried (Basic, client_secret_post or none): one rule for /token,
  // /revoke and /introspect.
  if (error.code == "invalid_client") a.www_authenticate = "Basic realm=\"signet\"";
  if (!error.detail.empty() || error.status >= 500) log_error("json", error);
  return a;
}

Answer error_page(int status, const std::string& title, const std::string& message) {
  return page_answer(status, interaction::render_error({title, message}));
}

Answer error_page(const protocol::OAuthError& error) {
  if (!error.detail.empty() || error.status >= 500) log_error("page", error);
  if (error.status == 503) {
    return error_page(503, "Temporarily unavailable",
                      "The bank's sign-in service is temporarily unavailable. Please try again "
                      "in a moment.");
  }
  if (error.status >= 500) {
    return error_page(error.status, "Something went wrong",
                      "The request could not be completed. Please try again.");
  }
  return error_page(error.status, "This request cannot be completed", error.description);
}

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
    for (const auto& c : a.cookies) {
      Http::Cookie cookie(c.name, c.clear ? "" : c.value);
      cookie.path = "/";
      cookie.httpOnly = true;
      cookie.secure = c.secure;
      cookie.ext["SameSite"] = "Lax";
      if (c.clear) cookie.maxAge = 0;
      w.cookies().add(cookie);
    }
    w.headers().add<Http::Header::ContentType>(Http::Mime::MediaType(a.content_type));
    return w.send(static_cast<Http::Code>(a.status), a.body);
  } catch (const std::exception& e) {
    log_json_line({{"level", "error"}, {"event", "response_failed"}, {"detail", e.what()}});
    return Async::Promise<ssize_t>::rejected(e);
  }
}

void log_error(const std::string& where, const protocol::OAuthError& error) {
  nlohmann::json line = {{"level", error.status >= 500 ? "error" : "info"},
                         {"event", "request_error"},
                         {"where", where},
                         {"error", error.code},
                         {"detail", error.detail}};
  log_json_line(std::move(line));  // adds time and this thread's request_id
}

}  // namespace signet::http
