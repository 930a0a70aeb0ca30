// Compact JWS (RFC 7515 §7.1) signing and strict verification. No untrusted token
// reaches cpp-jwt: this is Signet's only path for parsing one.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/key.h"

namespace signet::jose {

// header: extra header members (e.g. "typ"); "alg" and "kid" are set from the key.
std::string sign_compact(const PrivateKey& key, const nlohmann::json& header,
                         const nlohmann::json& payload);

struct VerifiedJws {
  nlohmann::json header;
  nlohmann::json payload;
};

// Looks up a key by kid; nullptr when unknown.
using KeyLookup = std::function<const PublicKey*(std::string_view kid)>;

// Verifies in this order, failing closed at each step (error codes in Error::code):
//   "malformed"        size > max_size, not three parts, bad base64url, header not a JSON object,
//                      payload not a JSON object, a "crit" header;
//   "unsupported_alg"  alg missing or not ES256/RS256 ("none", HS*, unknown names);
//   "unknown_key"      kid missing or not found;
//   "alg_mismatch"     header alg differs from the key's pinned alg;
//   "bad_signature"    signature does not verify (ES256 must be exactly 64 bytes).
// Claims are NOT checked here; the caller checks them after the signature.
Result<VerifiedJws> verify_compact(std::string_view token, const KeyLookup& find_key,
                                   size_t max_size = 8192);

}  // namespace signet::jose
