// The refresh_token grant (RFC 6749 §6) with rotation on every use and reuse
// detection (RFC 9700 §4.14.2), and the start of a family at code redemption.
#include "protocol/token/refresh_token_grant.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/crypto.h"
#include "common/log.h"
#include "protocol/authorize.h"
#include "protocol/id_token.h"
#include "protocol/token/requested_details.h"

namespace signet::protocol {
namespace {

// One public text for every failure about the refresh token itself.
constexpr const char* kBadRefresh = "The refresh token is invalid or expired.";

}  // namespace

void log_security_event_to_stderr(const nlohmann::json& event) {
  nlohmann::json line = event;
  line["level"] = "warning";
  log_json_line(std::move(line));
}

bool scopes_allow_refresh(const std::vector<std::string>& scopes) {
  return !has_scope(scopes, kOpenIdScope) || has_scope(scopes, kOfflineAccessScope);
}

bool should_issue_refresh_token(const Client& client, const AuthorizationCode& code) {
  return client.allows_grant("refresh_token") && scopes_allow_refresh(code.scopes);
}

Result<RefreshTokens::Started, OAuthError> RefreshTokens::start_family(
    const std::string& resource, const Client& client, const AuthorizationCode& code,
    const IssuedAccessToken& access_token, int64_t now, const std::string& dpop_jkt) {
  const std::string token = random_token(32);
  NewRefreshFamily family;
  family.family_id = random_token(16);
  family.client_id = client.client_id;
  family.subject = code.subject;
  family.scopes = code.scopes;
  family.code_digest = code.code_digest;
  family.resource = resource;
  // RFC 9449 §5: a public client has no credential of its own, so its refresh
  // token is bound to the DPoP key; a confidential client's is bound to its
  // authentication and may move to a new key.
  if (client.is_public) family.dpop_jkt = dpop_jkt;
  family.grant_id = code.grant_id;
  family.authorization_details = code.authorization_details;
  family.created_at = now;
  family.expires_at = now + settings_.max_age;
  NewRefreshToken first{sha256_b64url(token), family.family_id, code.scopes, now,
                        std::min(now + settings_.lifetime, family.expires_at)};
  IssuedTokenRecord access{access_token.jti, code.subject, client.client_id, family.family_id,
                           access_token.expires_at};
  auto created = store_.create_family(family, first, access);
  if (!created) return fail(std::move(created.error()));
  return Started{token, family.family_id};
}

Result<TokenResponse, OAuthError> RefreshTokenGrant::handle(const Client& client,
                                                            const TokenRequest& request) {
  const Params& form = request.form;
  const std::string* presented = find_param(form, "refresh_token");
  if (!presented || presented->empty()) {
    return fail(OAuthError::invalid_request("The refresh_token parameter is missing."));
  }
  std::vector<std::string> requested;
  if (const std::string* scope = find_param(form, "scope")) {
    auto parsed = parse_scope(*scope);
    if (!parsed) return fail(std::move(parsed.error()));
    requested = std::move(*parsed);
  }
  // RFC 8707 §2.2: a refresh may name the resource again, but not another one.
  const std::string* resource = find_param(form, "resource");
  if (resource && resource->empty()) {
    return fail(invalid_target("The resource parameter is empty."));
  }

  const int64_t now = clock_.now();
  std::string new_token;
  std::vector<std::string> scopes;
  std::optional<IssuedAccessToken> issued;
  nlohmann::json details = nlohmann::json::array();
  std::string grant_id;

  auto rotation = families_.store().rotate(
      sha256_b64url(*presented), now,
      [&](const RefreshTokenRecord& r) -> Result<RotationPlan, OAuthError> {
        // Bound to its client (RFC 6749 §6): another client learns nothing.
        if (r.client_id != client.client_id) {
          return fail(OAuthError::invalid_grant(
              kBadRefresh,
              "refresh token of client " + r.client_id + " presented by " + client.client_id));
        }
        if (now >= r.expires_at || now >= r.family_expires_at) {
          return fail(OAuthError::invalid_grant(kBadRefresh, "refresh token expired"));
        }
        if (!r.dpop_jkt.empty() && r.dpop_jkt != request.dpop_jkt) {
          return fail(OAuthError::invalid_grant(
              "The refresh token is bound to a DPoP key; send a proof made with that key.",
              request.dpop_jkt.empty() ? "DPoP-bound refresh token without a proof"
                                       : "DPoP-bound refresh token with another key's proof"));
        }
        // The grant as the client's registration allows it now (RFC 6819
        // §5.2.3): a scope taken from the client (`signet client update
        // --scope`) leaves the access token and the successor at once. When
        // nothing is left, or a sign-in lost offline_access, the grant is over.
        std::vector<std::string> granted;
        for (const auto& s : r.scopes) {
          if (client.allows_scope(s)) granted.push_back(s);
        }
        // RFC 9396 §6: the details of the grant, or the part of them asked for.
        auto asked_details = requested_details(form, r.authorization_details);
        if (!asked_details) return fail(std::move(asked_details.error()));
        details = std::move(*asked_details);
        if ((granted.empty() && details.empty()) || !scopes_allow_refresh(granted)) {
          return fail(OAuthError::invalid_grant(
              kBadRefresh, "client " + client.client_id + " no longer allows the grant's scopes"));
        }
        // §6: narrower is fine; anything not granted (or no longer allowed) is refused.
        scopes = granted;
        if (!requested.empty()) {
          for (const auto& s : requested) {
            if (std::find(granted.begin(), granted.end(), s) == granted.end()) {
              return fail(OAuthError::invalid_scope(
                  "The requested scope exceeds the scope originally granted.",
                  "refresh asked for " + s + " beyond the grant"));
            }
          }
          scopes = requested;
        }
        if (resource && *resource != r.resource &&
            !(r.resource.empty() && *resource == access_tokens_.settings().audience)) {
          return fail(invalid_target("The resource differs from the one the grant is for.",
                                     "refresh asked for resource " + *resource));
        }
        // The new access token is for the grant's resource, with the client's
        // own lifetime, like the one the code gave.
        auto audience = access_tokens_.audience_for(r.resource, scopes);
        if (!audience) return fail(std::move(audience.error()));
        const GrantClaims grant{r.grant_id, details};
        grant_id = r.grant_id;
        auto token = access_tokens_.issue(client, *audience, r.subject, scopes, now,
                                          request.dpop_jkt, &grant);
        if (!token) return fail(std::move(token.error()));
        issued = std::move(*token);
        RotationPlan plan;
        plan.rotate = !client.follows_fapi2();
        // Without rotation the client keeps its token (sent back to it, RFC 6749 §5.1).
        new_token = plan.rotate ? random_token(32) : *presented;
        // §6: the new refresh token keeps the scope of the one it replaces,
        // less what the client may no longer have.
        plan.successor = {plan.rotate ? sha256_b64url(new_token) : std::string(), r.family_id,
                          granted, now,
                          std::min(now + families_.settings().lifetime, r.family_expires_at)};
        plan.access_token = {issued->jti, r.subject, client.client_id, r.family_id,
                             issued->expires_at};
        return plan;
      });
  if (!rotation) return fail(std::move(rotation.error()));

  switch (rotation->outcome) {
    case RotationOutcome::kRotated:
      break;
    case RotationOutcome::kUnknown:
      return fail(OAuthError::invalid_grant(kBadRefresh, "unknown refresh token"));
    case RotationOutcome::kRevoked:
      return fail(OAuthError::invalid_grant(kBadRefresh, "refresh token family revoked"));
    case RotationOutcome::kReused: {
      const RefreshTokenRecord& r = rotation->presented;
      const nlohmann::json event = {{"event", "refresh_token_reuse"},
                                    {"client_id", r.client_id},
                                    {"presented_by", client.client_id},
                                    {"subject", r.subject},
                                    {"family_id", r.family_id},
                                    {"used_at", r.used_at.value_or(0)},
                                    {"detected_at", now},
                                    {"action", "family_revoked"}};
      if (security_events_) security_events_(event);
      if (request.security_events) request.security_events(event);
      return fail(OAuthError::invalid_grant(kBadRefresh, "refresh token reused; family revoked"));
    }
  }
  if (!issued) return fail(OAuthError::server_error("rotation stored no access token"));

  TokenResponse response;
  response.access_token = std::move(issued->token);
  response.token_type = issued->dpop_bound ? "DPoP" : "Bearer";  // RFC 9449 §5
  response.expires_in = issued->expires_at - now;
  response.scope = join_scope(scopes);
  response.refresh_token = std::move(new_token);
  if (!details.empty()) response.authorization_details = std::move(details);
  response.grant_id = std::move(grant_id);
  response.client_id = client.client_id;
  response.subject = rotation->presented.subject;
  response.jti = issued->jti;
  return response;
}

}  // namespace signet::protocol
