#include "resource/resource_server.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include <openssl/evp.h>

#include "common/crypto.h"
#include "jose/access_token.h"
#include "resource/authorization.h"
#include "resource/bearer.h"
#include "resource/dpop_binding.h"
#include "resource/http_get.h"
#include "resource/jwks_cache.h"
#include "resource/revocation_feed.h"

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

// Public descriptions stay short and generic: they say which rule failed,
// never a claim's value.
std::string description(const jose::AccessTokenRejection& r) {
  switch (r.problem) {
    case jose::AccessTokenProblem::kMalformed:
      return "malformed token";
    case jose::AccessTokenProblem::kUnknownKey:
      return "unknown signing key";
    case jose::AccessTokenProblem::kBadSignature:
      return "invalid signature or algorithm";
    case jose::AccessTokenProblem::kWrongType:
      return "wrong token type";
    case jose::AccessTokenProblem::kWrongIssuer:
      return "wrong issuer";
    case jose::AccessTokenProblem::kWrongAudience:
      return "wrong audience";
    case jose::AccessTokenProblem::kExpired:
      return "token expired";
    case jose::AccessTokenProblem::kNotYetValid:
      return "token not yet valid";
    case jose::AccessTokenProblem::kMissingClaim:
      return r.claim + " missing";
    case jose::AccessTokenProblem::kInvalidClaim:
      break;
  }
  return r.claim + " has the wrong type";
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

// cnf (RFC 7800 §3.1) with jkt (RFC 9449 §6.1): the outer optional is whether the
// token is usable here, the inner the key it is bound to. A cnf this library
// cannot check (not an object, no usable jkt, e.g. only the x5t#S256 of mTLS) makes
// the token unusable rather than a bearer token.
std::optional<std::optional<std::string>> confirmation_jkt(const json& claims) {
  auto cnf = claims.find("cnf");
  if (cnf == claims.end()) return std::optional<std::string>();
  if (!cnf->is_object()) return std::nullopt;
  auto jkt = cnf->find("jkt");
  if (jkt == cnf->end() || !jkt->is_string() || jkt->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return std::optional<std::string>(jkt->get<std::string>());
}

// authorization_details (RFC 9396 §2, §9.1): an array of objects, each with a
// string `type`. nullopt: another shape, and the token is unusable.
std::optional<json> authorization_details(const json& claims) {
  auto it = claims.find("authorization_details");
  if (it == claims.end()) return json::array();
  if (!it->is_array()) return std::nullopt;
  for (const json& d : *it) {
    if (!d.is_object()) return std::nullopt;
    auto type = d.find("type");
    if (type == d.end() || !type->is_string()) return std::nullopt;
  }
  return *it;
}

AuthError scope_error(std::string_view required_scope, AuthScheme scheme) {
  AuthError e;
  e.kind = AuthErrorKind::kInsufficientScope;
  e.description = "the token lacks the required scope";
  e.required_scope = std::string(required_scope);
  e.scheme = scheme;
  return e;
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
    case AuthErrorKind::kTemporarilyUnavailable:
      return 503;
    case AuthErrorKind::kInvalidToken:
    case AuthErrorKind::kInvalidDpopProof:
    case AuthErrorKind::kUseDpopNonce:  // RFC 9449 §9: 401 at a resource
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
    case AuthErrorKind::kInvalidDpopProof:
      return "invalid_dpop_proof";
    case AuthErrorKind::kUseDpopNonce:
      return "use_dpop_nonce";
    case AuthErrorKind::kTemporarilyUnavailable:
      return "temporarily_unavailable";
    case AuthErrorKind::kInvalidToken:
      break;
  }
  return "invalid_token";
}

// One challenge (RFC 9110 §11.6.1): realm, then the error, then for DPoP the
// algorithms a proof may use (RFC 9449 §7.1).
static std::string challenge(const AuthError& e, AuthScheme scheme, bool with_error) {
  std::string v = scheme == AuthScheme::kDpop ? "DPoP" : "Bearer";
  const size_t bare = v.size();
  auto param = [&v, bare](const char* name, std::string_view value) {
    v += v.size() == bare ? " " : ", ";
    v += name;
    v += "=\"" + header_safe(value) + '"';
  };
  if (!e.realm.empty()) param("realm", e.realm);
  if (with_error) {
    param("error", error_code(e.kind));
    if (!e.description.empty()) param("error_description", e.description);
    if (e.kind == AuthErrorKind::kInsufficientScope && !e.required_scope.empty()) {
      param("scope", e.required_scope);
    }
  }
  if (scheme == AuthScheme::kDpop) param("algs", kDpopAlgs);
  return v;
}

std::string AuthError::www_authenticate() const {
  // RFC 6750 §3.1: a request without credentials gets a bare challenge.
  std::string v = challenge(*this, scheme, !credentials_missing);
  // RFC 9449 §7.2: where both schemes are accepted, a Bearer challenge may be
  // followed by a DPoP one, so the client learns it can (or must) use DPoP.
  if (scheme == AuthScheme::kBearer && offer_dpop) {
    v += ", " + challenge(*this, AuthScheme::kDpop, false);
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
  DpopBinding dpop;
  std::shared_ptr<const RevocationFeed> revocations;  // null: not followed

  Impl(VerifierOptions o, HttpGet get, std::shared_ptr<const Clock> c)
      : options(std::move(o)),
        clock(c ? std::move(c) : std::make_shared<SystemClock>()),
        keys(options.issuer, options.jwks_uri, options.min_refetch_interval_seconds,
             options.jwks_refresh_interval_seconds, get ? std::move(get) : default_http_get(),
             clock),
        dpop(options.dpop, clock) {
    if (options.realm.empty()) options.realm = options.audience;
    while (options.public_base_url.ends_with('/')) options.public_base_url.pop_back();
  }

  Result<jose::AccessTokenClaims, jose::AccessTokenRejection> verify_jwt(std::string_view token) {
    // Holds the key alive for the duration of one verification.
    std::shared_ptr<const jose::PublicKey> held;
    auto lookup = [&](std::string_view kid) -> const jose::PublicKey* {
      held = keys.find(kid);
      return held.get();
    };
    jose::AccessTokenRules rules;
    rules.issuer = options.issuer;
    rules.audience = options.audience;  // RFC 9068 §4: this API must be in aud
    rules.now = clock->now();
    rules.expiry_leeway_seconds = options.leeway_seconds;
    rules.not_before_leeway_seconds = options.leeway_seconds;
    rules.max_token_bytes = static_cast<size_t>(std::max<int64_t>(options.max_token_bytes, 0));
    auto v = jose::verify_access_token(token, lookup, rules);
    // An unknown kid may be a key the issuer has just published: refetch once,
    // rate-limited, then try again.
    if (!v && v.error().problem == jose::AccessTokenProblem::kUnknownKey) {
      keys.refresh_if_allowed();
      v = jose::verify_access_token(token, lookup, rules);
    }
    return v;
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
    // After the cache too: a token verified before its revocation is refused now.
    if (at.ok() && revocations && revocations->is_revoked(at->jti)) {
      at = fail(invalid_token("token revoked"));
    }
    if (!at.ok()) at.error().realm = options.realm;
    return at;
  }

  // While revocations cannot be followed, a critical scope fails closed.
  std::optional<AuthError> stale_for(std::string_view required_scope) const {
    if (!revocations || !revocations->is_critical(required_scope)) return std::nullopt;
    return stale();
  }

  std::optional<AuthError> stale() const {
    if (!revocations || revocations->is_fresh()) return std::nullopt;
    AuthError e;
    e.kind = AuthErrorKind::kTemporarilyUnavailable;
    e.description = "revocations cannot be checked now; retry later";
    e.realm = options.realm;
    return e;
  }

  Result<AccessToken, AuthError> verify_token(std::string_view token) {
    if (token.empty() || token.size() > static_cast<size_t>(options.max_token_bytes)) {
      return fail(invalid_token("malformed token"));
    }
    keys.refresh_if_stale();
    std::string digest = token_digest(token);
    if (auto hit = cached(digest)) return std::move(*hit);

    auto jwt = verify_jwt(token);
    if (!jwt) return fail(invalid_token(description(jwt.error())));
    auto jkt = confirmation_jkt(jwt->claims);
    if (!jkt) return fail(invalid_token("unsupported token binding"));
    auto details = authorization_details(jwt->claims);
    if (!details) return fail(invalid_token("authorization_details has the wrong type"));
    auto grant = jwt->claims.find("grant_id");
    if (grant != jwt->claims.end() && !grant->is_string()) {
      return fail(invalid_token("grant_id has the wrong type"));
    }
    AccessToken at;
    at.jkt = std::move(*jkt);
    at.authorization_details = std::move(*details);
    if (grant != jwt->claims.end()) at.grant_id = grant->get<std::string>();
    at.subject = jwt->subject;
    at.client_id = jwt->client_id;
    at.scopes = std::move(jwt->scopes);
    at.jti = jwt->jti;
    at.expires_at = jwt->expires_at;
    at.claims = std::move(jwt->claims);
    remember(digest, at, std::move(jwt->kid));
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
  // RFC 9449 §7.2: a DPoP-bound token is no bearer token.
  if (at->jkt) {
    AuthError e = invalid_token("the token is DPoP-bound");
    e.realm = impl_->options.realm;
    return fail(std::move(e));
  }
  if (!required_scope.empty() && !at->has_scope(required_scope)) {
    AuthError e = scope_error(required_scope, AuthScheme::kBearer);
    e.realm = impl_->options.realm;
    return fail(std::move(e));
  }
  if (auto stale = impl_->stale_for(required_scope)) return fail(std::move(*stale));
  return at;
}

Result<AccessToken, AuthError> TokenVerifier::authorize(const ProtectedRequest& request,
                                                        std::string_view required_scope) {
  auto refuse = [this](AuthError e) {
    e.realm = impl_->options.realm;
    return fail(std::move(e));
  };
  auto credentials = parse_authorization(request.authorization);
  if (!credentials.ok()) {
    AuthError e = credentials.error();
    e.offer_dpop = e.credentials_missing;  // both schemes are accepted here
    return refuse(std::move(e));
  }
  auto at = impl_->verify(credentials->token);
  if (!at.ok()) {
    AuthError e = at.error();
    e.scheme = credentials->scheme;
    return refuse(std::move(e));
  }
  if (credentials->scheme == AuthScheme::kDpop) {
    // On every request, cached token or not: the proof is never cached.
    auto bound = impl_->dpop.check(request, credentials->token, *at);
    if (!bound.ok()) return refuse(bound.error());
  } else if (at->jkt) {
    // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused,
    // and the DPoP challenge tells the client how to present it.
    AuthError e = invalid_token("the token is DPoP-bound: present it with the DPoP scheme");
    e.offer_dpop = true;
    return refuse(std::move(e));
  }
  if (!required_scope.empty() && !at->has_scope(required_scope)) {
    return refuse(scope_error(required_scope, credentials->scheme));
  }
  if (auto stale = impl_->stale_for(required_scope)) return fail(std::move(*stale));
  return at;
}

AuthError TokenVerifier::insufficient_scope(const AccessToken& token,
                                            std::string_view required_scope,
                                            std::string_view description) const {
  // A bound token is only ever accepted with the DPoP scheme (RFC 9449 §7.2).
  AuthError e = scope_error(required_scope, token.jkt ? AuthScheme::kDpop : AuthScheme::kBearer);
  if (!description.empty()) e.description = std::string(description);
  e.realm = impl_->options.realm;
  return e;
}

std::optional<AuthError> TokenVerifier::unavailable_while_stale() const { return impl_->stale(); }

std::string TokenVerifier::request_url(std::string_view path) const {
  if (impl_->options.public_base_url.empty()) return {};
  return impl_->options.public_base_url + std::string(path);
}

bool TokenVerifier::accepts_dpop() const { return !impl_->options.public_base_url.empty(); }

std::string TokenVerifier::dpop_nonce() const { return impl_->dpop.nonce(); }

bool TokenVerifier::refresh_keys() { return impl_->keys.refresh(); }

void TokenVerifier::follow_revocations(std::shared_ptr<const RevocationFeed> feed) {
  impl_->revocations = std::move(feed);
}

}  // namespace signet::resource
