// The interaction pages (consent-ui/templates): login, consent and error pages,
// rendered with Mustache ({{x}} is HTML-escaped). Templates are compiled into the
// binary so a deployment is one file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "protocol/account_directory.h"
#include "protocol/authorization_details.h"
#include "protocol/model.h"

namespace signet::interaction {

struct LoginView {
  std::string return_to;  // the /authorize URL to go back to after login
  std::string csrf_token;
  std::string username;     // refilled after a failed attempt
  std::string error;        // e.g. "Invalid username or password"
  std::string client_name;  // the app that asked, when known
};

struct ConsentView {
  std::string client_name;
  std::string username;
  std::vector<protocol::ScopeDescription> scopes;
  std::string csrf_token;
  // The authorization request's parameters, carried as hidden fields to /consent.
  std::vector<std::pair<std::string, std::string>> hidden;
  // RFC 9396: each authorization detail in words, and, when one lets her
  // choose, her accounts to tick (§7.1).
  std::vector<protocol::DetailDescription> details;
  std::vector<protocol::CustomerAccount> accounts;
  // Grant Management: the request adds to (update) or replaces an earlier grant.
  std::string grant_change;
};

struct ErrorView {
  std::string title;
  std::string message;
};

std::string render_login(const LoginView& view);
std::string render_consent(const ConsentView& view);
std::string render_error(const ErrorView& view);

// The stylesheet served at /static/signet.css.
const std::string& stylesheet();

}  // namespace signet::interaction
