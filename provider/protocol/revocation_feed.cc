#include "protocol/revocation_feed.h"

#include <utility>

namespace signet::protocol {

Result<nlohmann::json, OAuthError> RevocationFeedEndpoint::read(const TokenRequest& request) {
  auto client = clients_.authenticate(request);
  if (!client) return fail(std::move(client.error()));
  const std::string* resource = find_param(request.form, "resource");
  if (!resource || resource->empty()) {
    return fail(OAuthError::invalid_request("The resource parameter is missing."));
  }
  auto found = resources_.find_resource(*resource);
  if (!found) return fail(std::move(found.error()));
  // Same answer for an unknown resource and a foreign one: nothing is learnt.
  if (client->is_public || !found->has_value() || !(*found)->acts_for(client->client_id)) {
    return fail(OAuthError::unauthorized_client(
        "The client does not act for this resource server.",
        "client " + client->client_id + " may not read revocations of " + *resource));
  }
  const std::string* after = find_param(request.form, "after");
  auto page =
      store_.revocations_after(after ? std::string_view(*after) : "", clock_.now(), kPageSize);
  if (!page) return fail(std::move(page.error()));
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : page->entries) entries.push_back({{"jti", e.jti}, {"exp", e.expires_at}});
  return nlohmann::json{
      {"cursor", page->cursor}, {"entries", std::move(entries)}, {"complete", page->complete}};
}

}  // namespace signet::protocol
