#include "memory_lifecycle_store.h"

#include <algorithm>

namespace signet::protocol::testing {
namespace {

Unexpected<OAuthError> revocation_outage() {
  return fail(OAuthError::temporarily_unavailable("revocations switched off by the test"));
}

}  // namespace

StoreResult<Ok> MemoryLifecycleStore::create_family(const NewRefreshFamily& family,
                                                    const NewRefreshToken& first,
                                                    const IssuedTokenRecord& access_token) {
  std::lock_guard lock(mu_);
  families_[family.family_id] = family;
  family_revoked_[family.family_id] = std::nullopt;
  tokens_[first.token_digest] = Token{first, std::nullopt};
  issued_[access_token.jti] = access_token;
  return Ok{};
}

RefreshTokenRecord MemoryLifecycleStore::record_locked(const std::string& digest) {
  const Token& t = tokens_.at(digest);
  const NewRefreshFamily& f = families_.at(t.token.family_id);
  RefreshTokenRecord r;
  r.token_digest = digest;
  r.family_id = f.family_id;
  r.client_id = f.client_id;
  r.subject = f.subject;
  r.scopes = t.token.scopes;
  r.granted_scopes = f.scopes;
  r.issued_at = t.token.issued_at;
  r.expires_at = t.token.expires_at;
  r.family_expires_at = f.expires_at;
  r.dpop_jkt = f.dpop_jkt;
  r.resource = f.resource;
  r.used_at = t.used_at;
  r.family_revoked_at = family_revoked_[f.family_id];
  return r;
}

void MemoryLifecycleStore::revoke_family_locked(const std::string& family_id, int64_t now) {
  auto& revoked = family_revoked_[family_id];
  if (!revoked) revoked = now;
  for (const auto& [jti, rec] : issued_) {
    if (rec.family_id == family_id) revoked_.insert(jti);
  }
}

Result<Rotation, OAuthError> MemoryLifecycleStore::rotate(std::string_view token_digest,
                                                          int64_t now,
                                                          const RotationDecision& decide) {
  std::lock_guard lock(mu_);
  Rotation out;
  auto it = tokens_.find(token_digest);
  if (it == tokens_.end()) return out;
  out.presented = record_locked(it->first);
  if (out.presented.family_revoked_at) {
    out.outcome = RotationOutcome::kRevoked;
    return out;
  }
  if (out.presented.used_at) {
    revoke_family_locked(out.presented.family_id, now);
    out.outcome = RotationOutcome::kReused;
    return out;
  }
  auto plan = decide(out.presented);
  if (!plan) return fail(std::move(plan.error()));
  if (plan->rotate) {
    it->second.used_at = now;
    tokens_[plan->successor.token_digest] = Token{plan->successor, std::nullopt};
  } else {
    it->second.token.expires_at = std::max(it->second.token.expires_at, plan->successor.expires_at);
  }
  issued_[plan->access_token.jti] = plan->access_token;
  out.outcome = RotationOutcome::kRotated;
  return out;
}

StoreResult<std::optional<RefreshTokenRecord>> MemoryLifecycleStore::find_refresh_token(
    std::string_view token_digest) {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token_digest);
  if (it == tokens_.end()) return std::optional<RefreshTokenRecord>{};
  return std::optional<RefreshTokenRecord>{record_locked(it->first)};
}

StoreResult<Ok> MemoryLifecycleStore::revoke_family(std::string_view family_id, int64_t now,
                                                    std::string_view) {
  if (revocations_fail) return revocation_outage();
  std::lock_guard lock(mu_);
  if (families_.count(family_id)) revoke_family_locked(std::string(family_id), now);
  return Ok{};
}

StoreResult<Ok> MemoryLifecycleStore::revoke_code_families(std::string_view code_digest,
                                                           int64_t now) {
  if (revocations_fail) return revocation_outage();
  std::lock_guard lock(mu_);
  for (const auto& [id, f] : families_) {
    if (f.code_digest == code_digest) revoke_family_locked(id, now);
  }
  return Ok{};
}

StoreResult<Ok> MemoryLifecycleStore::revoke_access_token(std::string_view jti, int64_t, int64_t,
                                                          std::string_view) {
  std::lock_guard lock(mu_);
  revoked_.insert(std::string(jti));
  return Ok{};
}

StoreResult<bool> MemoryLifecycleStore::is_access_token_revoked(std::string_view jti) {
  std::lock_guard lock(mu_);
  return revoked_.count(jti) > 0;
}

StoreResult<std::vector<ConnectedApp>> MemoryLifecycleStore::connected_apps(std::string_view) {
  return std::vector<ConnectedApp>{};
}

StoreResult<bool> MemoryLifecycleStore::disconnect_app(std::string_view subject,
                                                       std::string_view client_id, int64_t now) {
  std::lock_guard lock(mu_);
  for (const auto& [id, f] : families_) {
    if (f.subject == subject && f.client_id == client_id) revoke_family_locked(id, now);
  }
  for (const auto& [jti, rec] : issued_) {
    if (rec.subject == subject && rec.client_id == client_id) revoked_.insert(jti);
  }
  return true;
}

bool MemoryLifecycleStore::family_revoked(const std::string& family_id) {
  std::lock_guard lock(mu_);
  auto it = family_revoked_.find(family_id);
  return it != family_revoked_.end() && it->second.has_value();
}

size_t MemoryLifecycleStore::family_count() {
  std::lock_guard lock(mu_);
  return families_.size();
}

}  // namespace signet::protocol::testing
