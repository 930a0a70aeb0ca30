// JWT access tokens (RFC 9068), signed with the key ring's active key.
#include "protocol/token/access_token.h"

#include <memory>

#include "common/crypto.h"
#include "jose/jws.h"
#include "protocol/authorization_details.h"
#include "protocol/authorize.h"

namespace signet::protocol {

Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRing& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now,
    const std::string& dpop_jkt, const GrantClaims* grant) {
  const jose::PrivateKey* key = keys.active();
  if (!settings.signing_alg.empty()) {
    auto alg = jose::alg_from_name(settings.signing_alg);
    key = alg ? keys.active(*alg) : nullptr;
  }
  if (!key) return fail(OAuthError::server_error("no active signing key"));

  IssuedAccessToken issued;
  issued.jti = random_token(16);
  issued.expires_at = now + settings.access_token_lifetime;

  // RFC 9068 §2.1: typ "at+jwt" keeps an access token from passing as an ID token.
  const nlohmann::json header = {{"typ", "at+jwt"}};
  nlohmann::json claims = {
      {"iss", settings.issuer},      {"sub", subject},
      {"aud", settings.audience},    {"client_id", client_id},
      {"scope", join_scope(scopes)}, {"iat", now},
      {"exp", issued.expires_at},    {"jti", issued.jti},
  };
  if (!dpop_jkt.empty()) {
    claims["cnf"] = {{"jkt", dpop_jkt}};
    issued.dpop_bound = true;
  }
  if (grant) {
    if (!grant->grant_id.empty()) claims["grant_id"] = grant->grant_id;
    nlohmann::json details =
        authorization_details_for_audience(grant->authorization_details, settings.audience);
    if (!details.empty()) claims["authorization_details"] = std::move(details);
  }
  issued.token = jose::sign_compact(*key, header, claims);
  return issued;
}

Result<std::string, OAuthError> AccessTokenIssuer::audience_for(
    const std::string& resource, const std::vector<std::string>& scopes) const {
  return resolve_audience(resource, scopes, resources_, settings_.audience);
}

Result<std::vector<std::string>, OAuthError> AccessTokenIssuer::default_scopes(
    const std::string& resource, const std::vector<std::string>& client_scopes) const {
  return default_scopes_for(resource, client_scopes, resources_);
}

Result<IssuedAccessToken, OAuthError> AccessTokenIssuer::issue(
    const Client& client, const std::string& audience, const std::string& subject,
    const std::vector<std::string>& scopes, int64_t now, const std::string& dpop_jkt,
    const GrantClaims* grant) const {
  TokenSettings s = settings_;
  s.audience = audience;
  if (client.access_token_ttl && *client.access_token_ttl > 0) {
    s.access_token_lifetime = *client.access_token_ttl;
  }
  // The ring is held for the whole signature, whatever replaces it meanwhile.
  const std::shared_ptr<const jose::KeyRing> ring = keys_.current();
  return issue_access_token(*ring, s, subject, client.client_id, scopes, now, dpop_jkt, grant);
}

}  // namespace signet::protocol
