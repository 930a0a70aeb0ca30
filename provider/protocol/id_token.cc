// OpenID Connect ID tokens and the claims released by scope.
#include "protocol/id_token.h"

#include <algorithm>

#include "common/base64url.h"
#include "common/crypto.h"
#include "jose/jws.h"

namespace signet::protocol {

bool has_scope(const std::vector<std::string>& scopes, std::string_view scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

nlohmann::json user_claims(const User& user, const std::vector<std::string>& scopes) {
  nlohmann::json claims = {{"sub", user.subject}};
  if (has_scope(scopes, "profile")) {
    if (!user.name.empty()) claims["name"] = user.name;
    claims["preferred_username"] = user.username;
  }
  if (has_scope(scopes, "email") && !user.email.empty()) {
    claims["email"] = user.email;
    claims["email_verified"] = user.email_verified;
  }
  return claims;
}

std::string access_token_hash(std::string_view access_token) {
  const std::string digest = sha256(access_token);
  return base64url_encode(std::string_view(digest).substr(0, digest.size() / 2));
}

nlohmann::json id_token_claims(const IdTokenInput& in) {
  nlohmann::json claims = user_claims(in.user, in.scopes);
  claims["iss"] = in.issuer;
  claims["aud"] = in.client_id;  // one audience: azp is not needed (§2)
  claims["iat"] = in.now;
  claims["exp"] = in.now + in.lifetime;
  // Always present: required when max_age was sent (§3.1.2.1), harmless otherwise.
  claims["auth_time"] = in.auth_time;
  if (!in.nonce.empty()) claims["nonce"] = in.nonce;
  // The session at Signet (RP-Initiated Logout 1.0 §2): /logout ends it without
  // a question only for a hint of this very session.
  if (!in.sid.empty()) claims["sid"] = in.sid;
  if (!in.access_token.empty()) claims["at_hash"] = access_token_hash(in.access_token);
  return claims;
}

Result<std::string, OAuthError> sign_id_token(const jose::KeyRing& keys, std::string_view alg,
                                              const nlohmann::json& claims) {
  auto parsed = jose::alg_from_name(alg);
  if (!parsed) return fail(OAuthError::server_error("unknown ID token alg " + std::string(alg)));
  const jose::PrivateKey* key = keys.active(*parsed);
  if (!key) {
    return fail(OAuthError::server_error("no active " + std::string(alg) + " signing key"));
  }
  return jose::sign_compact(*key, {{"typ", "JWT"}}, claims);
}

Result<nlohmann::json, OAuthError> verify_id_token_hint(const jose::KeyRing& keys,
                                                        std::string_view issuer,
                                                        std::string_view token) {
  auto bad = [](std::string detail) {
    return fail(OAuthError::invalid_request("The id_token_hint is not valid.", std::move(detail)));
  };
  auto verified =
      jose::verify_compact(token, [&keys](std::string_view kid) { return keys.find_public(kid); });
  if (!verified) return bad("id_token_hint: " + verified.error().code);
  const auto& header = verified->header;
  const auto& claims = verified->payload;
  auto typ = header.find("typ");
  if (typ == header.end() || !typ->is_string() || *typ != "JWT") {
    return bad("id_token_hint: typ is not JWT");
  }
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || *iss != issuer) {
    return bad("id_token_hint: wrong issuer");
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !aud->is_string() || aud->get<std::string>().empty()) {
    return bad("id_token_hint: aud is not a client_id");
  }
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string()) return bad("id_token_hint: no sub");
  return claims;
}

}  // namespace signet::protocol
