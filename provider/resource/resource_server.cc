#include "resource/resource_server.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include <openssl/evp.h>

#include "common/crypto.h"
#include "jose/jws.h"
#include "resource/bearer.h"
#include "resource/http_get.h"
#include "resource/jwks_cache.h"

namespace signet::resource {

namespace {

using nlohmann::json;

// Verified tokens are remembered until they expire, so a client reusing its token
// costs a hash, not a signature check. Bounded: an attacker's valid-but-many tokens
// (they need valid signatures anyway) cannot grow it without limit.
constexpr size_t kTokenCacheMax = 4096;

AuthError invalid_token(std::string description) {
  AuthError e;
  e.kind = AuthErrorKind::kInvalidToken;
  e.description = std::move(description);
  return e;
}

// RFC 6750 §3: error_description and scope values are limited to
// %x20-21 / %x23-5B / %x5D-7E, so no quote or backslash can break the header.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = c >= 0x20 && c <= 0x7E && c != '"' && c != '\\';
    out += ok ? c : '?';
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<int64_t> numeric_date(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

const std::string* string_claim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool audience_matches(const json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return *it == audience;
  if (it->is_array()) {
    return std::any_of(it->begin(), it->end(),
                       [&](const json& a) { return a.is_string() && a == audience; });
  }
  return false;
}

// The cache key: SHA-256 of the token (collision-resistant, so no forged token can
// share a valid one's entry), with the digest fetched from the provider once; in
// OpenSSL 3.0 SHA256() fetches it again on every call.
std::string token_digest(std::string_view token) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) return sha256(token);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), out, &len, md, nullptr) != 1) return sha256(token);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < scope.size()) {
    size_t j = scope.find(' ', i);
    if (j == std::string_view::npos) j = scope.size();
    if (j > i) out.emplace_back(scope.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

bool AccessToken::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

int AuthError::status() const {
  switch (kind) {
    case AuthErrorKind::kInvalidRequest:
      return 400;
    case AuthErrorKind::kInsufficientScope:
      return 403;
    case AuthErrorKind::kInvalidToken:
      break;
  }
  return 401;
}

static const char* error_code(AuthErrorKind kind) {
  switch (kind) {
    case AuthErrorKind::kInvalidRequest:
      return "invalid_request";
    case AuthErrorKind::kInsufficientScope:
      return "insufficient_scope";
    case AuthErrorKind::kInvalidToken:
      break;
  }
  return "invalid_token";
}

std::string AuthError::www_authenticate() const {
  std::string v = "Bearer";
  auto param = [&v](const char* name, std::string_view value) {
    v += v.size() == 6 ? " " : ", ";
    v += name;
    v += "=\"" + header_safe(value) + '"';
  };
  if (!realm.empty()) param("realm", realm);
  // RFC 6750 §3.1: a request without credentials gets a bare challenge.
  if (credentials_missing) return v;
  param("error", error_code(kind));
  if (!description.empty()) param("error_description", description);
  if (kind == AuthErrorKind::kInsufficientScope && !required_scope.empty()) {
    param("scope", required_scope);
  }
  return v;
}

json AuthError::body() const {
  if (credentials_missing) return json::object();  // no error information (RFC 6750 §3.1)
  json b = {{"error", error_code(kind)}, {"error_description", description}};
  if (kind == AuthErrorKind::kInsufficientScope && !required_scope.empty()) {
    b["scope"] = required_scope;
  }
  return b;
}

struct TokenVerifier::Impl {
  VerifierOptions options;
  std::shared_ptr<const Clock> clock;
  JwksCache keys;

  // A verified token and the kid of the key that signed it: the entry lives only
  // while that key is in the JWKS.
  struct Verified {
    AccessToken token;
    std::string kid;
  };
  std::mutex cache_mu;
  std::unordered_map<std::string, Verified> cache;  // sha256(token) -> verified claims

  Impl(VerifierOptions o, HttpGet get, std::shared_ptr<const Clock> c)
      : options(std::move(o)),
        clock(c ? std::move(c) : std::make_shared<SystemClock>()),
        keys(options.issuer, options.jwks_uri, options.min_refetch_interval_seconds,
             options.jwks_refresh_interval_seconds, get ? std::move(get) : default_http_get(),
             clock) {
    if (options.realm.empty()) options.realm = options.audience;
  }

  Result<jose::VerifiedJws> verify_signature(std::string_view token) {
    // Holds the key alive for the duration of one verification.
    std::shared_ptr<const jose::PublicKey> held;
    auto lookup = [&](std::string_view kid) -> const jose::PublicKey* {
      held = keys.find(kid);
      return held.get();
    };
    size_t max = static_cast<size_t>(std::max<int64_t>(options.max_token_bytes, 0));
    auto v = jose::verify_compact(token, lookup, max);
    // An unknown kid may be a key the issuer has just published: refetch once,
    // rate-limited, then try again.
    if (!v.ok() && v.error().code == "unknown_key") {
      keys.refresh_if_allowed();
      v = jose::verify_compact(token, lookup, max);
    }
    return v;
  }

  Result<AccessToken, AuthError> check_claims(const jose::VerifiedJws& jws) {
    const json& h = jws.header;
    const json& c = jws.payload;
    // RFC 9068 §4: typ must be at+jwt, so an ID token (typ JWT) is never an access token.
    auto typ = h.find("typ");
    if (typ == h.end() || !typ->is_string()) return fail(invalid_token("wrong token type"));
    std::string t = lower(typ->get_ref<const std::string&>());
    if (t != "at+jwt" && t != "application/at+jwt") return fail(invalid_token("wrong token type"));

    const std::string* iss = string_claim(c, "iss");
    if (!iss || *iss != options.issuer) return fail(invalid_token("wrong issuer"));
    if (!audience_matches(c, options.audience)) return fail(invalid_token("wrong audience"));

    int64_t now = clock->now();
    int64_t leeway = options.leeway_seconds;
    auto exp = numeric_date(c, "exp");
    if (!exp) return fail(invalid_token("exp missing"));
    if (now >= *exp + leeway) return fail(invalid_token("token expired"));
    if (c.contains("nbf")) {
      auto nbf = numeric_date(c, "nbf");
      if (!nbf || now + leeway < *nbf) return fail(invalid_token("token not yet valid"));
    }
    // RFC 9068 §2.2: iat is required; one from the future is refused.
    auto iat = numeric_date(c, "iat");
    if (!iat || now + leeway < *iat) return fail(invalid_token("bad iat"));

    const std::string* sub = string_claim(c, "sub");
    const std::string* client_id = string_claim(c, "client_id");
    if (!sub || sub->empty()) return fail(invalid_token("sub missing"));
    if (!client_id || client_id->empty()) return fail(invalid_token("client_id missing"));

    AccessToken at;
    at.subject = *sub;
    at.client_id = *client_id;
    at.expires_at = *exp;
    if (c.contains("scope")) {
      const std::string* scope = string_claim(c, "scope");
      if (!scope) return fail(invalid_token("scope is not a string"));
      at.scopes = split_scope(*scope);
    }
    if (c.contains("jti")) {
      const std::string* jti = string_claim(c, "jti");
      if (!jti) return fail(invalid_token("jti is not a string"));
      at.jti = *jti;
    }
    at.claims = c;
    return at;
  }

  std::optional<AccessToken> cached(const std::string& digest) {
    std::lock_guard lock(cache_mu);
    auto it = cache.find(digest);
    if (it == cache.end()) return std::nullopt;
    // Expired, or its key left the JWKS (withdrawn by the issuer): forgotten, and
    // verified again (and refused) like a token never seen.
    if (clock->now() >= it->second.token.expires_at + options.leeway_seconds ||
        !keys.find(it->second.kid)) {
      cache.erase(it);
      return std::nullopt;
    }
    return it->second.token;
  }

  void remember(const std::string& digest, const AccessToken& at, std::string kid) {
    std::lock_guard lock(cache_mu);
    if (cache.size() >= kTokenCacheMax) {
      int64_t now = clock->now();
      std::erase_if(cache, [&](const auto& kv) {
        return now >= kv.second.token.expires_at + options.leeway_seconds;
      });
      if (cache.size() >= kTokenCacheMax) cache.clear();  // simple and bounded
    }
    cache.emplace(digest, Verified{at, std::move(kid)});
  }

  Result<AccessToken, AuthError> verify(std::string_view token) {
    auto at = verify_token(token);
    if (!at.ok()) at.error().realm = options.realm;
    return at;
  }

  Result<AccessToken, AuthError> verify_token(std::string_view token) {
    if (token.empty() || token.size() > static_cast<size_t>(options.max_token_bytes)) {
      return fail(invalid_token("malformed token"));
    }
    keys.refresh_if_stale();
    std::string digest = token_digest(token);
    if (auto hit = cached(digest)) return std::move(*hit);

    auto jws = verify_signature(token);
    if (!jws.ok()) {
      // Public descriptions stay generic; the jose code says enough.
      const std::string& code = jws.error().code;
      if (code == "unknown_key") return fail(invalid_token("unknown signing key"));
      if (code == "malformed") return fail(invalid_token("malformed token"));
      return fail(invalid_token("invalid signature or algorithm"));
    }
    auto at = check_claims(*jws);
    if (at.ok()) remember(digest, *at, jws->header.value("kid", ""));
    return at;
  }
};

TokenVerifier::TokenVerifier(VerifierOptions options, HttpGet http_get,
                             std::shared_ptr<const Clock> clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(http_get), std::move(clock))) {}

TokenVerifier::~TokenVerifier() = default;

Result<AccessToken, AuthError> TokenVerifier::verify(std::string_view token) {
  return impl_->verify(token);
}

Result<AccessToken, AuthError> TokenVerifier::authorize(
    std::optional<std::string_view> authorization_header, std::string_view required_scope) {
  auto token = parse_bearer(authorization_header);
  if (!token.ok()) {
    AuthError e = token.error();
    e.realm = impl_->options.realm;
    return fail(std::move(e));
  }
  auto at = impl_->verify(*token);
  if (!at.ok()) return at;
  if (!required_scope.empty() && !at->has_scope(required_scope)) {
    AuthError e;
    e.kind = AuthErrorKind::kInsufficientScope;
    e.description = "the token lacks the required scope";
    e.required_scope = std::string(required_scope);
    e.realm = impl_->options.realm;
    return fail(std::move(e));
  }
  return at;
}

bool TokenVerifier::refresh_keys() { return impl_->keys.refresh(); }

}  // namespace signet::resource
