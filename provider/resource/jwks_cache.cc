#include "resource/jwks_cache.h"

#include <nlohmann/json.hpp>

namespace signet::resource {
namespace {

constexpr size_t kMaxKeys = 64;

// RFC 8414 §3: the well-known suffix goes between the authority and the issuer's path.
std::string metadata_url(const std::string& issuer) {
  size_t scheme = issuer.find("://");
  size_t path_start =
      scheme == std::string::npos ? std::string::npos : issuer.find('/', scheme + 3);
  std::string origin = path_start == std::string::npos ? issuer : issuer.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : issuer.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return origin + "/.well-known/oauth-authorization-server" + path;
}

}  // namespace

JwksCache::JwksCache(std::string issuer, std::string jwks_uri, int64_t min_refetch_interval,
                     int64_t refresh_interval, HttpGet http_get, std::shared_ptr<const Clock> clock)
    : issuer_(std::move(issuer)),
      min_interval_(min_refetch_interval),
      refresh_interval_(refresh_interval),
      http_get_(std::move(http_get)),
      clock_(std::move(clock)),
      jwks_uri_(std::move(jwks_uri)) {}

std::shared_ptr<const jose::PublicKey> JwksCache::find(std::string_view kid) const {
  std::shared_lock lock(keys_mu_);
  auto it = keys_.find(std::string(kid));
  return it == keys_.end() ? nullptr : it->second;
}

bool JwksCache::refresh_if_allowed() {
  std::lock_guard lock(fetch_mu_);
  int64_t now = clock_->now();
  if (last_attempt_ && now - *last_attempt_ < min_interval_) return false;
  return fetch_locked();
}

bool JwksCache::refresh_if_stale() {
  if (clock_->now() < stale_at_.load(std::memory_order_relaxed)) return false;
  std::unique_lock lock(fetch_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  if (last_attempt_ && clock_->now() - *last_attempt_ < refresh_interval_) return false;
  return fetch_locked();
}

bool JwksCache::refresh() {
  std::lock_guard lock(fetch_mu_);
  return fetch_locked();
}

std::optional<std::string> JwksCache::resolve_jwks_uri_locked() {
  if (!jwks_uri_.empty()) return jwks_uri_;
  auto body = http_get_(metadata_url(issuer_));
  if (!body.ok()) return std::nullopt;
  auto meta = nlohmann::json::parse(*body, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return std::nullopt;
  // RFC 8414 §3.3: the metadata must name the issuer we expect, or it is not ours.
  auto iss = meta.find("issuer");
  if (iss == meta.end() || !iss->is_string() || *iss != issuer_) return std::nullopt;
  auto uri = meta.find("jwks_uri");
  if (uri == meta.end() || !uri->is_string() || uri->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  jwks_uri_ = uri->get<std::string>();
  return jwks_uri_;
}

bool JwksCache::fetch_locked() {
  last_attempt_ = clock_->now();
  stale_at_.store(*last_attempt_ + refresh_interval_, std::memory_order_relaxed);
  auto uri = resolve_jwks_uri_locked();
  if (!uri) return false;
  auto body = http_get_(*uri);
  if (!body.ok()) return false;
  auto jwks = nlohmann::json::parse(*body, nullptr, false);
  if (jwks.is_discarded() || !jwks.is_object()) return false;
  auto keys = jwks.find("keys");
  if (keys == jwks.end() || !keys->is_array()) return false;

  std::unordered_map<std::string, std::shared_ptr<const jose::PublicKey>> fresh;
  for (const auto& jwk : *keys) {
    if (fresh.size() >= kMaxKeys) break;
    // Keys we cannot use (enc keys, other types, weak RSA) are skipped, not fatal:
    // a JWKS may legitimately list keys for others.
    auto key = jose::PublicKey::from_jwk(jwk);
    if (!key.ok()) continue;
    std::string kid = key->kid();
    fresh.emplace(std::move(kid), std::make_shared<const jose::PublicKey>(std::move(key).value()));
  }
  std::unique_lock lock(keys_mu_);
  keys_ = std::move(fresh);
  return true;
}

}  // namespace signet::resource
