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

// Why verify_compact() refused a token, in the order of its checks. Callers
// decide on `fault`; `code` is its name for logs ("bad_signature").
enum class JwsFault {
  kMalformed,       // size > max_size, not three parts, bad base64url, header or payload
                    // not a JSON object, a "crit" header
  kUnsupportedAlg,  // alg missing or not ES256/RS256/PS256/EdDSA ("none", HS*, unknown names)
  kUnknownKey,      // kid missing or not found
  kAlgMismatch,     // header alg differs from the key's pinned alg
  kBadSignature,    // signature does not verify (ES256 must be exactly 64 bytes)
};

struct JwsError {
  JwsError(JwsFault fault, std::string message);
  JwsFault fault;
  std::string code;     // "malformed", "unsupported_alg", "unknown_key", "alg_mismatch",
                        // "bad_signature"
  std::string message;  // which part of the check, for logs
};

// A compact JWS split and decoded, its signature not yet checked.
struct DecodedJws {
  nlohmann::json header;
  nlohmann::json payload;
  std::string_view signing_input;  // "header.payload", a view into the token
  std::string signature;           // the decoded bytes
};

// The structural checks that verify_compact runs first, for callers that find the
// key elsewhere (a DPoP proof carries it in its header): size <= max_size, the
// base64url alphabet, three non-empty parts, strict base64url, header and payload
// JSON objects, no "crit". Every refusal is JwsFault::kMalformed.
Result<DecodedJws, JwsError> decode_compact(std::string_view token, size_t max_size = 8192);

// Verifies in the order of JwsFault, failing closed at each step. The header's alg
// must equal the alg the found key is pinned to. Claims are NOT checked here; the
// caller checks them after the signature.
Result<VerifiedJws, JwsError> verify_compact(std::string_view token, const KeyLookup& find_key,
                                             size_t max_size = 8192);

}  // namespace signet::jose
