#include "protocol/own_access_token.h"

namespace signet::protocol {

Result<jose::AccessTokenClaims, jose::AccessTokenRejection> verify_own_access_token(
    std::string_view token, const jose::KeyRing& keys, std::string_view issuer,
    std::optional<std::string_view> audience, int64_t now) {
  jose::AccessTokenRules rules;
  rules.issuer = issuer;
  rules.audience = audience;
  rules.now = now;
  rules.not_before_leeway_seconds = kOwnClockSkewSeconds;
  return jose::verify_access_token(
      token, [&keys](std::string_view kid) { return keys.find_public(kid); }, rules);
}

StoreResult<bool> is_revoked(const jose::AccessTokenClaims& token, TokenLifecycleStore& store) {
  return store.is_access_token_revoked(token.jti);
}

}  // namespace signet::protocol
