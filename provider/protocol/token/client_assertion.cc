#include "protocol/token/client_assertion.h"

#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "jose/jws.h"

namespace signet::protocol {
namespace {

constexpr const char* kAuthFailed = "Client authentication failed.";
// RFC 7523 §3: long enough for any sane jti, short enough to keep the replay table small.
constexpr size_t kMaxJtiLength = 256;
constexpr size_t kMaxAssertionSize = 8192;

Unexpected<OAuthError> refused(const Client& client, const std::string& why) {
  return fail(OAuthError::invalid_client(
      kAuthFailed, "client " + client.client_id + " assertion refused: " + why));
}

// FAPI 2.0 Security Profile §5.4.1: PS256, ES256 or EdDSA; never none, HMAC or RS256.
bool allowed_alg(const std::string& alg) {
  return alg == "ES256" || alg == "PS256" || alg == "EdDSA";
}

// A NumericDate claim (RFC 7519 §2), when present and a number.
std::optional<int64_t> numeric(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

Result<ClientKeys, std::string> parse_jwks(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(std::string("not a JSON object"));
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array() || keys->empty()) {
    return fail(std::string("\"keys\" must be a non-empty array"));
  }
  ClientKeys out;
  std::set<std::string> kids;
  for (const auto& jwk : *keys) {
    if (!jwk.is_object()) return fail(std::string("every key must be a JSON object"));
    if (jose::jwk_has_private_members(jwk)) {
      return fail(std::string("a key holds private members: register the public key only"));
    }
    auto key = jose::PublicKey::from_jwk(jwk);
    if (!key) return fail("a key is not usable: " + key.error().message);
    if (!kids.insert(key->kid()).second) return fail("two keys share the kid " + key->kid());
    out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const ClientKeys>, OAuthError> ClientKeySource::keys_for(
    const Client& client) {
  const std::string& source = client.jwks.empty() ? client.jwks_uri : client.jwks;
  if (source.empty()) {
    return fail(
        OAuthError::invalid_client(kAuthFailed, "client " + client.client_id + " has no keys"));
  }
  {
    std::lock_guard lock(mu_);
    auto it = by_client_.find(client.client_id);
    if (it != by_client_.end() && it->second.source == source &&
        (!client.jwks.empty() || clock_.now() < it->second.fetched_at + cache_seconds_)) {
      return it->second.keys;
    }
  }
  return fetch(client);
}

Result<std::shared_ptr<const ClientKeys>, OAuthError> ClientKeySource::refetch_for(
    const Client& client) {
  if (client.jwks_uri.empty()) return std::shared_ptr<const ClientKeys>();
  {
    std::lock_guard lock(mu_);
    auto it = by_client_.find(client.client_id);
    if (it != by_client_.end() && it->second.source == client.jwks_uri &&
        clock_.now() < it->second.fetched_at + min_refetch_seconds_) {
      return std::shared_ptr<const ClientKeys>();
    }
  }
  return fetch(client);
}

// Parsed (and fetched) outside the lock; two concurrent fetches of one client are harmless.
Result<std::shared_ptr<const ClientKeys>, OAuthError> ClientKeySource::fetch(const Client& client) {
  std::string text = client.jwks;
  if (text.empty()) {
    auto fetched = fetcher_.fetch_jwks(client.jwks_uri);
    if (!fetched) return fail(std::move(fetched.error()));
    text = std::move(*fetched);
  }
  auto parsed = parse_jwks(text);
  if (!parsed) {
    return fail(OAuthError::invalid_client(
        kAuthFailed, "client " + client.client_id + " jwks unusable: " + parsed.error()));
  }
  auto keys = std::make_shared<const ClientKeys>(std::move(*parsed));
  std::lock_guard lock(mu_);
  by_client_[client.client_id] =
      Entry{client.jwks.empty() ? client.jwks_uri : client.jwks, keys, clock_.now()};
  return keys;
}

std::string check_client_jwks(const std::string& jwks_text) {
  auto parsed = parse_jwks(jwks_text);
  if (!parsed) return parsed.error();
  for (const auto& key : *parsed) {
    if (!allowed_alg(std::string(jose::alg_name(key.alg())))) {
      return "the key " + key.kid() + " is for " + std::string(jose::alg_name(key.alg())) +
             " (allowed: ES256, PS256, EdDSA)";
    }
  }
  return {};
}

std::string ClientAssertionVerifier::asserted_client_id(std::string_view assertion) {
  if (assertion.size() > kMaxAssertionSize) return {};
  const size_t d1 = assertion.find('.');
  if (d1 == std::string_view::npos) return {};
  const size_t d2 = assertion.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return {};
  auto payload = base64url_decode(assertion.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return {};
  auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return {};
  auto iss = claims.find("iss");
  return iss != claims.end() && iss->is_string() ? iss->get<std::string>() : std::string();
}

Result<Ok, OAuthError> ClientAssertionVerifier::verify(std::string_view assertion,
                                                       const Client& client) {
  auto keys = keys_.keys_for(client);
  if (!keys) return fail(std::move(keys.error()));
  auto check = [&](const ClientKeys& set) {
    return jose::verify_compact(
        assertion,
        [&set](std::string_view kid) -> const jose::PublicKey* {
          for (const auto& k : set) {
            if (k.kid() == kid) return &k;
          }
          return nullptr;
        },
        kMaxAssertionSize);
  };
  auto verified = check(**keys);
  // A kid the cached set lacks: the client may have rotated its key at its jwks_uri.
  if (!verified && verified.error().fault == jose::JwsFault::kUnknownKey) {
    auto fresh = keys_.refetch_for(client);
    if (!fresh) return fail(std::move(fresh.error()));
    if (*fresh) verified = check(**fresh);
  }
  if (!verified) return refused(client, "jws " + verified.error().code);
  const std::string alg = verified->header.value("alg", "");
  if (!allowed_alg(alg)) return refused(client, "alg " + alg + " not allowed");
  if (!client.token_endpoint_auth_signing_alg.empty() &&
      alg != client.token_endpoint_auth_signing_alg) {
    return refused(
        client, "alg " + alg + " is not the registered " + client.token_endpoint_auth_signing_alg);
  }

  const nlohmann::json& c = verified->payload;
  auto string_claim = [&c](const char* name) -> std::string {
    auto it = c.find(name);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  // RFC 7523 §3 items 1-2: the client is both the issuer and the subject.
  if (string_claim("iss") != client.client_id || string_claim("sub") != client.client_id) {
    return refused(client, "iss and sub must both be the client_id");
  }
  // FAPI 2.0 §5.3.2.1 item 8: the issuer identifier as a string, and nothing else
  // (not the token endpoint's URL, not an array), so an assertion made for one
  // server cannot be used at another (RFC 7523 §3 item 3).
  auto aud = c.find("aud");
  if (aud == c.end() || !aud->is_string() || aud->get<std::string>() != rules_.issuer) {
    return refused(client, "aud must be the issuer identifier as a string");
  }
  const int64_t now = clock_.now();
  auto exp = numeric(c, "exp");
  if (!exp) return refused(client, "exp missing");  // RFC 7523 §3 item 4
  if (*exp <= now) return refused(client, "expired");
  if (*exp > now + rules_.max_lifetime) return refused(client, "exp too far ahead");
  for (const char* name : {"iat", "nbf"}) {
    if (c.contains(name)) {
      auto t = numeric(c, name);
      if (!t) return refused(client, std::string(name) + " is not a number");
      if (*t > now + rules_.future_tolerance) {
        return refused(client, std::string(name) + " in the future");
      }
    }
  }
  const std::string jti = string_claim("jti");
  if (jti.empty() || jti.size() > kMaxJtiLength) return refused(client, "jti missing or too long");
  // Last, so that a refused assertion never takes a row.
  auto fresh = replay_.use_assertion_jti(client.client_id, jti, *exp, now);
  if (!fresh) return fail(std::move(fresh.error()));
  if (!*fresh) return refused(client, "jti replayed");
  return Ok{};
}

}  // namespace signet::protocol
