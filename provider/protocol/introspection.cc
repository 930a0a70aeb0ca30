// Introspection (RFC 7662) and revocation (RFC 7009). Access tokens are checked
// on the CPU (signature by a key of the ring) and then with one indexed lookup
// in the revocation list; refresh tokens by their digest.
#include "protocol/introspection.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/blocking.h"
#include "common/crypto.h"
#include "protocol/own_access_token.h"

namespace signet::protocol {
namespace {

constexpr size_t kMaxTokenSize = 8192;

const nlohmann::json kInactive = {{"active", false}};

bool is_jws_shaped(const std::string& token) { return token.find('.') != std::string::npos; }

const std::string* token_param(const Params& form) {
  const std::string* t = find_param(form, "token");
  return t && !t->empty() ? t : nullptr;
}

// RFC 7662 §4: an access token is described only to the client it was issued
// to, or to a client registered as acting for one of its audiences (`aud`, a
// string or an array). Anyone else must not learn that it is valid. The
// registry lookup is in memory in the server (store/resource_cache.h).
Result<bool, OAuthError> may_see_access_token(const jose::AccessTokenClaims& token,
                                              const std::string& caller, ResourceStore* resources) {
  if (token.client_id == caller) return true;
  if (!resources) return false;
  for (const auto& a : token.audiences) {
    auto found = resources->find_resource(a);
    if (!found) return fail(std::move(found.error()));
    if (found->has_value() && (*found)->acts_for(caller)) return true;
  }
  return false;
}

}  // namespace

Result<nlohmann::json, OAuthError> Introspection::introspect(const TokenRequest& request) {
  auto client = clients_.authenticate(request);
  if (!client) return fail(std::move(client.error()));
  if (client->is_public) {
    return fail(
        OAuthError::invalid_client("Client authentication failed.",
                                   "public client " + client->client_id + " may not introspect"));
  }
  const std::string* token = token_param(request.form);
  if (!token) return fail(OAuthError::invalid_request("The token parameter is missing."));
  const int64_t now = clock_.now();

  if (is_jws_shaped(*token)) {
    // The revocation list is read from the database at every answer: where that
    // cannot wait, hand over before spending a signature check.
    if (!blocking_allowed()) return fail(OAuthError::would_block());
    // Any audience: the issuer answers for all of them (§4 limits who may ask).
    auto at =
        verify_own_access_token(*token, *keys_.current(), settings_.issuer, std::nullopt, now);
    if (!at) return kInactive;
    const nlohmann::json& c = at->claims;
    auto may_see = may_see_access_token(*at, client->client_id, resources_);
    if (!may_see) return fail(std::move(may_see.error()));
    if (!*may_see) return kInactive;
    auto revoked = is_revoked(*at, store_);
    if (!revoked) return fail(std::move(revoked.error()));
    if (*revoked) return kInactive;
    nlohmann::json out = {{"active", true},    {"client_id", at->client_id}, {"sub", at->subject},
                          {"iss", at->issuer}, {"exp", at->expires_at},      {"iat", at->issued_at},
                          {"jti", at->jti},    {"token_type", "Bearer"}};
    if (c.contains("scope")) out["scope"] = c["scope"];
    if (c.contains("aud")) out["aud"] = c["aud"];
    // RFC 9396 §9.2: what the token authorizes; Grant Management: its grant.
    if (auto d = c.find("authorization_details"); d != c.end()) out["authorization_details"] = *d;
    if (auto g = c.find("grant_id"); g != c.end()) out["grant_id"] = *g;
    // RFC 9449 §6.2: a bound token's confirmation, so a resource server that
    // introspects can check the proof's key.
    if (auto cnf = c.find("cnf"); cnf != c.end() && cnf->is_object()) {
      out["cnf"] = *cnf;
      out["token_type"] = "DPoP";
    }
    return out;
  }

  if (token->size() > kMaxTokenSize) return kInactive;
  auto found = store_.find_refresh_token(sha256_b64url(*token));
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return kInactive;
  const RefreshTokenRecord& r = **found;
  const int64_t exp = std::min(r.expires_at, r.family_expires_at);
  // A refresh token is only ever shown to the client that holds it.
  if (r.client_id != client->client_id || r.used_at || r.family_revoked_at || now >= exp) {
    return kInactive;
  }
  std::string scope;
  for (const auto& s : r.scopes) scope += (scope.empty() ? "" : " ") + s;
  nlohmann::json out = {{"active", true},
                        {"scope", scope},
                        {"client_id", r.client_id},
                        {"sub", r.subject},
                        {"exp", exp},
                        {"iat", r.issued_at},
                        {"iss", settings_.issuer},
                        {"token_type", "refresh_token"}};
  if (!r.grant_id.empty()) out["grant_id"] = r.grant_id;
  if (r.authorization_details != "[]") {
    auto details = nlohmann::json::parse(r.authorization_details, nullptr, false);
    if (details.is_array()) out["authorization_details"] = std::move(details);
  }
  return out;
}

Result<Ok, OAuthError> Introspection::revoke(const TokenRequest& request) {
  auto client = clients_.authenticate(request);
  if (!client) return fail(std::move(client.error()));
  const std::string* token = token_param(request.form);
  if (!token) return fail(OAuthError::invalid_request("The token parameter is missing."));
  // token_type_hint is only a hint (RFC 7009 §2.1): the shape tells the kind.
  const int64_t now = clock_.now();

  if (is_jws_shaped(*token)) {
    // An expired token is refused here too: there is nothing left to revoke.
    auto at =
        verify_own_access_token(*token, *keys_.current(), settings_.issuer, std::nullopt, now);
    if (!at || at->client_id != client->client_id) return Ok{};
    auto r = store_.revoke_access_token(at->jti, at->expires_at, now, "revocation");
    if (!r) return fail(std::move(r.error()));
    return Ok{};
  }

  if (token->size() > kMaxTokenSize) return Ok{};
  auto found = store_.find_refresh_token(sha256_b64url(*token));
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value() || (*found)->client_id != client->client_id) return Ok{};
  if ((*found)->family_revoked_at) return Ok{};
  auto r = store_.revoke_family((*found)->family_id, now, "revocation");
  if (!r) return fail(std::move(r.error()));
  return Ok{};
}

}  // namespace signet::protocol
