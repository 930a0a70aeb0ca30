// The provider reading back its own access tokens (RFC 9068): at introspection
// and revocation (RFC 7662, RFC 7009) and at /userinfo (OIDC Core §5.3). The
// checks are jose's, shared with the resource library; what only the issuer
// knows (its key ring, its clocks, its revocation list) is added here.
//
// These readers once had a check each. Where they disagreed, RFC 9068 decided:
// introspection and revocation now also take typ application/at+jwt, in any case
// (§2.1), and refuse a token without aud, with an empty sub, client_id or jti, a
// scope that is not a string, or nbf/iat ahead of the clock beyond the skew;
// /userinfo takes typ in any case and now requires client_id, iat and jti (§2.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "jose/access_token.h"
#include "jose/key_ring.h"
#include "protocol/lifecycle_store.h"

namespace signet::protocol {

// How far the clocks of the issuer's replicas may disagree: a token that another
// replica issued a moment "ahead" of this one is not refused as not yet valid.
// Expiry has no leeway: a token ends at the second its issuer wrote.
inline constexpr int64_t kOwnClockSkewSeconds = 30;

// A token signed by a key of `keys` (any state: a retired key's tokens live out
// their lifetime), for `issuer`, with `audience` among its `aud` when one is
// expected (/userinfo), unexpired at `now`, with every RFC 9068 claim.
Result<jose::AccessTokenClaims, jose::AccessTokenRejection> verify_own_access_token(
    std::string_view token, const jose::KeyRing& keys, std::string_view issuer,
    std::optional<std::string_view> audience, int64_t now);

// RFC 7009 §2: a revoked access token (revoked itself, or its grant: connected
// apps, refresh-token reuse) stops working before it expires; its jti is on the
// revocation list.
StoreResult<bool> is_revoked(const jose::AccessTokenClaims& token, TokenLifecycleStore& store);

}  // namespace signet::protocol
