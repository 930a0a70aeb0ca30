#include "store/refresh_token_cache.h"

#include <algorithm>
#include <mutex>
#include <utility>

namespace signet::store {

using protocol::OAuthError;
using protocol::RefreshTokenRecord;
using protocol::Rotation;
using protocol::RotationOutcome;

CachedRefreshTokens::CachedRefreshTokens(protocol::TokenLifecycleStore& inner, const Clock& clock,
                                         int64_t ttl_seconds, size_t max_entries)
    : inner_(inner), clock_(clock), ttl_(ttl_seconds), max_entries_(max_entries) {}

CachedRefreshTokens::StoreResult<std::optional<RefreshTokenRecord>>
CachedRefreshTokens::find_refresh_token(std::string_view token_digest) {
  const int64_t now = clock_.now();
  std::string key(token_digest);
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.cached_until > now) {
      return std::optional<RefreshTokenRecord>(it->second.record);
    }
  }
  const uint64_t generation = generation_.load();
  auto found = inner_.find_refresh_token(token_digest);
  if (!found || !found->has_value()) return found;  // errors and unknown digests are not kept
  if (max_entries_ == 0) return found;
  std::unique_lock lock(mu_);
  if (generation_.load() == generation) {
    if (entries_.size() >= max_entries_) evict_some();
    const RefreshTokenRecord& r = **found;
    auto [it, inserted] = entries_.insert_or_assign(key, Entry{r, now + ttl_});
    (void)it;
    if (inserted) families_[r.family_id].push_back(key);
  }
  return found;
}

// A bounded map: when full, a 64th of it goes (the database still has
// everything). Emptying it at once would free every entry under the lock, a
// pause of tens of milliseconds for the I/O thread at 100,000 entries; a small
// batch costs microseconds and keeps the rest answering from memory.
void CachedRefreshTokens::evict_some() {
  size_t n = std::max<size_t>(1, max_entries_ / 64);
  for (auto it = entries_.begin(); it != entries_.end() && n > 0; --n) it = drop(it);
}

// One entry, and its digest in the family index.
CachedRefreshTokens::Entries::iterator CachedRefreshTokens::drop(Entries::iterator it) {
  auto f = families_.find(it->second.record.family_id);
  if (f != families_.end()) {
    std::erase(f->second, it->first);
    if (f->second.empty()) families_.erase(f);
  }
  return entries_.erase(it);
}

void CachedRefreshTokens::invalidate_family(const std::string& family_id) {
  std::unique_lock lock(mu_);
  ++generation_;
  auto f = families_.find(family_id);
  if (f == families_.end()) return;
  for (const auto& digest : f->second) entries_.erase(digest);
  families_.erase(f);
}

void CachedRefreshTokens::invalidate_all() {
  std::unique_lock lock(mu_);
  ++generation_;
  entries_.clear();
  families_.clear();
}

void CachedRefreshTokens::on_notification(const std::string& payload) {
  static constexpr std::string_view kFamily = "family:";
  if (payload.size() > kFamily.size() && payload.compare(0, kFamily.size(), kFamily) == 0) {
    invalidate_family(payload.substr(kFamily.size()));
  } else {
    invalidate_all();
  }
}

size_t CachedRefreshTokens::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

CachedRefreshTokens::StoreResult<Ok> CachedRefreshTokens::create_family(
    const protocol::NewRefreshFamily& family, const protocol::NewRefreshToken& first,
    const protocol::IssuedTokenRecord& access_token) {
  return inner_.create_family(family, first, access_token);  // new digests: nothing cached
}

Result<Rotation, OAuthError> CachedRefreshTokens::rotate(std::string_view token_digest, int64_t now,
                                                         const protocol::RotationDecision& decide) {
  auto r = inner_.rotate(token_digest, now, decide);
  if (r && r->outcome != RotationOutcome::kUnknown) {
    invalidate_family(r->presented.family_id);
  } else if (!r && !r.error().is_would_block()) {
    // Refused, or the outcome is unknown (a lost commit): the token's own entry goes.
    // (An attempt on an I/O thread that would have waited touched nothing.)
    std::unique_lock lock(mu_);
    ++generation_;
    if (auto it = entries_.find(std::string(token_digest)); it != entries_.end()) drop(it);
  }
  return r;
}

CachedRefreshTokens::StoreResult<Ok> CachedRefreshTokens::revoke_family(std::string_view family_id,
                                                                        int64_t now,
                                                                        std::string_view reason) {
  auto r = inner_.revoke_family(family_id, now, reason);
  invalidate_family(std::string(family_id));  // also when the outcome is unknown
  return r;
}

CachedRefreshTokens::StoreResult<Ok> CachedRefreshTokens::revoke_code_families(
    std::string_view code_digest, int64_t now) {
  auto r = inner_.revoke_code_families(code_digest, now);
  invalidate_all();  // the families are not known here; a replayed code is rare
  return r;
}

CachedRefreshTokens::StoreResult<bool> CachedRefreshTokens::disconnect_app(
    std::string_view subject, std::string_view client_id, int64_t now) {
  auto r = inner_.disconnect_app(subject, client_id, now);
  std::unique_lock lock(mu_);
  ++generation_;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const RefreshTokenRecord& rec = it->second.record;
    if (rec.subject == subject && rec.client_id == client_id) {
      families_.erase(rec.family_id);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return r;
}

CachedRefreshTokens::StoreResult<Ok> CachedRefreshTokens::revoke_access_token(
    std::string_view jti, int64_t expires_at, int64_t now, std::string_view reason) {
  return inner_.revoke_access_token(jti, expires_at, now, reason);
}

CachedRefreshTokens::StoreResult<bool> CachedRefreshTokens::is_access_token_revoked(
    std::string_view jti) {
  return inner_.is_access_token_revoked(jti);
}

CachedRefreshTokens::StoreResult<std::vector<protocol::ConnectedApp>>
CachedRefreshTokens::connected_apps(std::string_view subject) {
  return inner_.connected_apps(subject);
}

}  // namespace signet::store
