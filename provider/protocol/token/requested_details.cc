#include "protocol/token/requested_details.h"

#include "protocol/authorization_details.h"

namespace signet::protocol {
namespace {

// As at /authorize (authorization_details.h): longer text is refused unread.
constexpr size_t kMaxDetailsText = 16 * 1024;

}  // namespace

Result<nlohmann::json, OAuthError> requested_details(const Params& form,
                                                     const std::string& granted) {
  nlohmann::json grant = nlohmann::json::parse(granted, nullptr, false);
  if (!grant.is_array()) return fail(OAuthError::server_error("stored details are not an array"));
  const std::string* text = find_param(form, "authorization_details");
  if (!text) return grant;
  if (text->size() > kMaxDetailsText) {
    return fail(OAuthError::invalid_authorization_details(
        "The authorization_details parameter is too long."));
  }
  nlohmann::json requested = nlohmann::json::parse(*text, nullptr, false);
  if (!requested.is_array() || requested.empty()) {
    return fail(OAuthError::invalid_authorization_details(
        "The authorization_details parameter must be a JSON array of objects."));
  }
  // §6: equal to a granted detail, so that nothing the customer did not
  // approve (another amount, another account) can be added at the token endpoint.
  return narrow_authorization_details(requested, grant);
}

}  // namespace signet::protocol
