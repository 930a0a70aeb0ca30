#include "jose/jws.h"

#include <cstdint>
#include <utility>

#include "common/base64url.h"

namespace signet::jose {
namespace {

using nlohmann::json;

// Our own claims are trusted data, but a stray invalid UTF-8 byte must not throw
// from the token endpoint: replace it instead.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_b64url_or_dot(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Non-throwing parse; anything but a JSON object is refused.
std::optional<json> parse_object(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

Unexpected<JwsError> refuse(JwsFault fault, const char* why) { return fail(JwsError(fault, why)); }
Unexpected<JwsError> malformed(const char* why) { return refuse(JwsFault::kMalformed, why); }

const char* fault_code(JwsFault fault) {
  switch (fault) {
    case JwsFault::kMalformed:
      return "malformed";
    case JwsFault::kUnsupportedAlg:
      return "unsupported_alg";
    case JwsFault::kUnknownKey:
      return "unknown_key";
    case JwsFault::kAlgMismatch:
      return "alg_mismatch";
    case JwsFault::kBadSignature:
      return "bad_signature";
  }
  return "malformed";
}

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_size(size_t n) { return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1); }

// Unpadded base64url (RFC 7515 §2) of `bytes`, appended in place: one buffer for the
// whole token instead of a string per part.
void append_b64url(std::string& out, std::string_view bytes) {
  size_t at = out.size();
  out.resize(at + b64url_size(bytes.size()));
  char* o = out.data() + at;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = kB64Url[v >> 18];
    *o++ = kB64Url[(v >> 12) & 63];
    *o++ = kB64Url[(v >> 6) & 63];
    *o++ = kB64Url[v & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (rest == 2) v |= uint32_t{p[i + 1]} << 8;
    *o++ = kB64Url[v >> 18];
    *o++ = kB64Url[(v >> 12) & 63];
    if (rest == 2) *o++ = kB64Url[(v >> 6) & 63];
  }
}

}  // namespace

std::string sign_compact(const PrivateKey& key, const json& header, const json& payload) {
  json h = header.is_object() ? header : json::object();
  h["alg"] = alg_name(key.alg());
  h["kid"] = key.kid();
  const std::string h_text = dump(h);
  const std::string p_text = dump(payload);
  std::string token;
  // header.payload.signature; 512 bytes covers an RSA-4096 signature.
  token.reserve(b64url_size(h_text.size()) + b64url_size(p_text.size()) + b64url_size(512) + 2);
  append_b64url(token, h_text);
  token += '.';
  append_b64url(token, p_text);
  const std::string sig = key.sign(token);
  token += '.';
  append_b64url(token, sig);
  return token;
}

Result<DecodedJws, JwsError> decode_compact(std::string_view token, size_t max_size) {
  // Size first, then the alphabet: nothing below ever sees a non-ASCII byte or a
  // huge input (RFC 7515 §7.1 compact form is base64url parts joined by dots).
  if (token.empty() || token.size() > max_size) return malformed("token size");
  size_t dots = 0;
  for (char c : token) {
    if (!is_b64url_or_dot(c)) return malformed("character outside base64url");
    if (c == '.') ++dots;
  }
  if (dots != 2) return malformed("not three parts");
  size_t d1 = token.find('.');
  size_t d2 = token.find('.', d1 + 1);
  std::string_view h64 = token.substr(0, d1);
  std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view s64 = token.substr(d2 + 1);
  if (h64.empty() || p64.empty() || s64.empty()) return malformed("empty part");

  // Strict decoding: any trailing garbage after the signature fails here or in the
  // exact-length signature check, never silently ignored.
  auto header_text = base64url_decode(h64);
  auto payload_text = base64url_decode(p64);
  auto signature = base64url_decode(s64);
  if (!header_text || !payload_text || !signature) return malformed("bad base64url");

  auto header = parse_object(*header_text);
  if (!header) return malformed("header is not a JSON object");
  // RFC 7515 §4.1.11: we understand no extension, so any "crit" must be refused.
  if (header->contains("crit")) return malformed("crit header");
  auto payload = parse_object(*payload_text);
  if (!payload) return malformed("payload is not a JSON object");
  return DecodedJws{std::move(*header), std::move(*payload), token.substr(0, d2),
                    std::move(*signature)};
}

Result<VerifiedJws, JwsError> verify_compact(std::string_view token, const KeyLookup& find_key,
                                             size_t max_size) {
  auto decoded = decode_compact(token, max_size);
  if (!decoded) return fail(std::move(decoded.error()));
  json& header = decoded->header;

  // RFC 8725 §3.1: the algorithm comes from an allow-list, never from the token alone.
  auto alg_it = header.find("alg");
  if (alg_it == header.end() || !alg_it->is_string()) {
    return refuse(JwsFault::kUnsupportedAlg, "alg missing");
  }
  auto alg = verification_alg_from_name(alg_it->get_ref<const std::string&>());
  if (!alg) return refuse(JwsFault::kUnsupportedAlg, "alg not allowed");

  auto kid_it = header.find("kid");
  if (kid_it == header.end() || !kid_it->is_string())
    return refuse(JwsFault::kUnknownKey, "kid missing");
  const PublicKey* key = find_key ? find_key(kid_it->get_ref<const std::string&>()) : nullptr;
  if (!key) return refuse(JwsFault::kUnknownKey, "kid not found");
  // The key is pinned to one algorithm; the header cannot choose another (no confusion).
  if (key->alg() != *alg) return refuse(JwsFault::kAlgMismatch, "alg differs from the key's");

  if (!key->verify(decoded->signing_input, decoded->signature)) {
    return refuse(JwsFault::kBadSignature, "signature does not verify");
  }
  return VerifiedJws{std::move(header), std::move(decoded->payload)};
}

JwsError::JwsError(JwsFault f, std::string m)
    : fault(f), code(fault_code(f)), message(std::move(m)) {}

}  // namespace signet::jose
