// The pages of RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0):
// the confirmation form (POST /logout, session-bound CSRF token) and "You are
// signed out".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace signet::interaction {

struct LogoutView {
  std::string client_name;  // the app that asked, when known
  std::string username;
  std::string csrf_token;
  std::vector<std::pair<std::string, std::string>> hidden;  // post_logout_redirect_uri, ...
};

std::string render_logout_confirm(const LogoutView& view);
std::string render_signed_out();

}  // namespace signet::interaction
