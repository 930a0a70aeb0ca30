// JWT access tokens (RFC 9068), signed with the key ring's active key.
#include "common/crypto.h"
#include "jose/jws.h"
#include "protocol/authorize.h"
#include "protocol/token_endpoint.h"

namespace signet::protocol {

Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRing& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now) {
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
  const nlohmann::json claims = {
      {"iss", settings.issuer},      {"sub", subject},
      {"aud", settings.audience},    {"client_id", client_id},
      {"scope", join_scope(scopes)}, {"iat", now},
      {"exp", issued.expires_at},    {"jti", issued.jti},
  };
  issued.token = jose::sign_compact(*key, header, claims);
  return issued;
}

Result<IssuedAccessToken, OAuthError> issue_access_token(
    const jose::KeyRingHolder& keys, const TokenSettings& settings, const std::string& subject,
    const std::string& client_id, const std::vector<std::string>& scopes, int64_t now) {
  // The ring is held for the whole signature, whatever replaces it meanwhile.
  const std::shared_ptr<const jose::KeyRing> ring = keys.current();
  return issue_access_token(*ring, settings, subject, client_id, scopes, now);
}

nlohmann::json TokenResponse::to_json() const {
  nlohmann::json out = {
      {"access_token", access_token},
      {"token_type", token_type},
      {"expires_in", expires_in},
  };
  if (!scope.empty()) out["scope"] = scope;
  if (!refresh_token.empty()) out["refresh_token"] = refresh_token;
  if (!id_token.empty()) out["id_token"] = id_token;
  return out;
}

}  // namespace signet::protocol
