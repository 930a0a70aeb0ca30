// The one place where results and errors become HTTP answers: JSON bodies
// (RFC 6749 §5.2), HTML pages with their security headers, and redirects.
// An Answer is plain data; http/wire.h writes it with Pistache.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/error.h"

namespace signet::http {

struct SetCookie {
  std::string name;
  std::string value;
  bool secure = false;
  bool clear = false;  // Max-Age=0
};

// An answer built by a handler, written by send().
struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string location;  // for redirects
  std::vector<SetCookie> cookies;
  bool page = false;          // HTML: add CSP, frame and referrer headers
  bool no_store = true;       // Cache-Control: no-store (tokens, pages with CSRF tokens)
  std::string cache_control;  // overrides no_store when set
  std::string www_authenticate;
  std::string form_action;  // extra CSP form-action source: form_action_source() of the client
  std::string request_id;   // echoed as X-Request-Id
  int64_t retry_after = 0;  // seconds; sent as Retry-After when > 0 (RFC 9110 §10.2.3)
  std::string dpop_nonce;   // sent as DPoP-Nonce when set (RFC 9449 §8)
  std::string error;        // an error answer's OAuth error code, for metrics only
};

Answer json_answer(int status, const nlohmann::json& body);

// The CSP form-action source that lets a page's form end at a client's redirect
// URI: Chromium checks form-action on every redirect that follows a form
// submission (CSP3 §6.4.1), so a sign-in, consent or logout form whose 303
// chain ends at the client needs the client's origin. Returns the origin
// ("https://app.example:8443") or, for a private-use scheme (RFC 8252 §7.1),
// the scheme ("com.example.app:"); "" when the URI yields no safe source, so
// that no byte of a URI can add another directive to the policy.
std::string form_action_source(const std::string& redirect_uri);
Answer page_answer(int status, std::string html);
Answer redirect_answer(std::string location);

// How an endpoint answers an error: JSON for a client (RFC 6749 §5.2), a page for
// a person's browser. Each route says which, once (http/server.cc); a redirect
// to the client's URI is chosen by a handler, after it validated that URI
// (RFC 6749 §4.1.2.1).
enum class ErrorMode { kJson, kPage };
Answer answer_error(const protocol::OAuthError& error, ErrorMode mode);

// RFC 6749 §5.2 JSON error; invalid_client (401) always carries a Basic
// WWW-Authenticate challenge, whatever method the client tried.
Answer oauth_error_json(const protocol::OAuthError& error);

// An error page for the browser; never a redirect (used when the redirect URI
// cannot be trusted, RFC 6749 §4.1.2.1).
Answer error_page(int status, const std::string& title, const std::string& message);
Answer error_page(const protocol::OAuthError& error);

// RFC 6750 §3: an error of a request with a bearer token (/userinfo, /grants),
// with the Bearer challenge; no error code when the request carried no token at
// all (§3.1); `scope` names the scope missing for insufficient_scope.
Answer bearer_error(int status, const std::string& code, const std::string& description,
                    const std::string& scope = {});

// Logs an error's private detail (never sent to a client).
void log_error(const std::string& where, const protocol::OAuthError& error);

}  // namespace signet::http
