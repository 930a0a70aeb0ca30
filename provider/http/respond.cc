#include "http/respond.h"

#include <cctype>

#include "common/log.h"
#include "interaction/pages.h"

namespace signet::http {

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
  a.dpop_nonce = error.dpop_nonce;
  a.error = error.code;
  // RFC 6749 §5.2: a 401 names the scheme the server supports, whichever way the
  // client tried (Basic, client_secret_post or none): one rule for /token,
  // /revoke and /introspect.
  if (error.code == "invalid_client") a.www_authenticate = "Basic realm=\"signet\"";
  if (!error.detail.empty() || error.status >= 500) log_error("json", error);
  return a;
}

Answer answer_error(const protocol::OAuthError& error, ErrorMode mode) {
  return mode == ErrorMode::kJson ? oauth_error_json(error) : error_page(error);
}

Answer error_page(int status, const std::string& title, const std::string& message) {
  return page_answer(status, interaction::render_error({title, message}));
}

Answer error_page(const protocol::OAuthError& error) {
  if (!error.detail.empty() || error.status >= 500) log_error("page", error);
  Answer a;
  if (error.status == 503) {
    a = error_page(503, "Temporarily unavailable",
                   "The bank's sign-in service is temporarily unavailable. Please try again "
                   "in a moment.");
  } else if (error.status >= 500) {
    a = error_page(error.status, "Something went wrong",
                   "The request could not be completed. Please try again.");
  } else {
    a = error_page(error.status, "This request cannot be completed", error.description);
  }
  a.error = error.code;
  return a;
}

void log_error(const std::string& where, const protocol::OAuthError& error) {
  nlohmann::json line = {{"level", error.status >= 500 ? "error" : "info"},
                         {"event", "request_error"},
                         {"where", where},
                         {"error", error.code},
                         {"detail", error.detail}};
  log_json_line(std::move(line));  // adds time and this thread's request_id
}

Answer bearer_error(int status, const std::string& code, const std::string& description,
                    const std::string& scope) {
  nlohmann::json body = nlohmann::json::object();
  std::string challenge = "Bearer realm=\"signet\"";
  if (!code.empty()) {
    body = {{"error", code}, {"error_description", description}};
    challenge += ", error=\"" + code + "\", error_description=\"" + description + "\"";
    if (!scope.empty()) challenge += ", scope=\"" + scope + "\"";
  }
  Answer a = json_answer(status, body);
  a.www_authenticate = challenge;
  a.error = code;
  return a;
}

}  // namespace signet::http
