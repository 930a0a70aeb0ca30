#include "protocol/resource_indicator.h"

#include <cctype>
#include <utility>

namespace signet::protocol {

bool is_well_formed_resource(std::string_view resource) {
  if (resource.empty() || resource.size() > 2000) return false;
  for (unsigned char c : resource) {
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'.
  const size_t colon = resource.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == resource.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(resource[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(resource[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

namespace {

Result<std::optional<ResourceServer>, OAuthError> lookup(const std::string& resource,
                                                         ResourceStore* resources) {
  if (!is_well_formed_resource(resource)) {
    return fail(invalid_target("The resource parameter is malformed."));
  }
  if (!resources) return std::optional<ResourceServer>{};
  auto found = resources->find_resource(resource);
  if (!found) return fail(std::move(found.error()));
  return std::move(*found);
}

}  // namespace

Result<std::string, OAuthError> resolve_audience(const std::string& resource,
                                                 const std::vector<std::string>& scopes,
                                                 ResourceStore* resources,
                                                 const std::string& default_audience) {
  if (resource.empty()) return default_audience;
  auto found = lookup(resource, resources);
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) {
    if (!resources && resource == default_audience) return default_audience;
    return fail(
        invalid_target("The requested resource is not known.", "unknown resource " + resource));
  }
  const ResourceServer& server = **found;
  for (const auto& s : scopes) {
    // Identity scopes (OpenID Connect) are the issuer's own, never a resource's.
    if (s == "openid" || s == "profile" || s == "email" || s == "offline_access") continue;
    if (!server.owns_scope(s)) {
      return fail(OAuthError::invalid_scope(
          "The requested scope does not belong to the requested resource.",
          "scope " + s + " is not owned by resource " + server.audience));
    }
  }
  return server.audience;
}

Result<std::vector<std::string>, OAuthError> default_scopes_for(
    const std::string& resource, const std::vector<std::string>& client_scopes,
    ResourceStore* resources) {
  if (resource.empty()) return client_scopes;
  auto found = lookup(resource, resources);
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return client_scopes;  // resolve_audience refuses it next
  std::vector<std::string> out;
  for (const auto& s : client_scopes) {
    if ((*found)->owns_scope(s)) out.push_back(s);
  }
  if (out.empty()) {
    return fail(
        OAuthError::invalid_scope("The client may not use any scope of the requested resource.",
                                  "no scope of resource " + resource + " allowed"));
  }
  return out;
}

}  // namespace signet::protocol
