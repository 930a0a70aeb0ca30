#include "memory_stores.h"

#include <algorithm>

namespace signet::protocol::testing {
namespace {

Unexpected<OAuthError> outage() {
  return fail(OAuthError::temporarily_unavailable("memory store switched off by the test"));
}

}  // namespace

void MemoryClientStore::add(Client client) {
  std::lock_guard lock(mu_);
  std::string id = client.client_id;
  clients_.insert_or_assign(std::move(id), std::move(client));
}

StoreResult<std::optional<Client>> MemoryClientStore::find_client(std::string_view client_id) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return std::optional<Client>{};
  return std::optional<Client>{it->second};
}

StoreResult<Ok> MemoryCodeStore::save_code(const AuthorizationCode& code) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  if (!codes_.emplace(code.code_digest, code).second) {
    return fail(OAuthError::server_error("duplicate code digest"));
  }
  return Ok{};
}

StoreResult<std::optional<AuthorizationCode>> MemoryCodeStore::find_code(
    std::string_view code_digest) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = codes_.find(code_digest);
  if (it == codes_.end()) return std::optional<AuthorizationCode>{};
  return std::optional<AuthorizationCode>{it->second};
}

StoreResult<Redemption> MemoryCodeStore::redeem_code(std::string_view code_digest, int64_t now,
                                                     std::string_view jti,
                                                     int64_t token_expires_at) {
  if (unavailable) return outage();
  if (before_redeem) before_redeem(*this, code_digest);
  std::lock_guard lock(mu_);
  auto it = codes_.find(code_digest);
  if (it == codes_.end()) return Redemption::kUnknown;
  if (it->second.used_at) {
    for (const auto& t : issued_[it->first]) revoked_.insert(t.jti);
    return Redemption::kReplayed;
  }
  it->second.used_at = now;
  issued_[it->first].push_back({std::string(jti), token_expires_at});
  return Redemption::kRedeemed;
}

StoreResult<Ok> MemoryCodeStore::revoke_code_tokens(std::string_view code_digest, int64_t) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = issued_.find(code_digest);
  if (it != issued_.end()) {
    for (const auto& t : it->second) revoked_.insert(t.jti);
  }
  return Ok{};
}

size_t MemoryCodeStore::size() {
  std::lock_guard lock(mu_);
  return codes_.size();
}

std::vector<std::string> MemoryCodeStore::issued_jtis(std::string_view code_digest) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto it = issued_.find(code_digest);
  if (it != issued_.end()) {
    for (const auto& t : it->second) out.push_back(t.jti);
  }
  return out;
}

bool MemoryCodeStore::is_revoked(std::string_view jti) {
  std::lock_guard lock(mu_);
  return revoked_.find(jti) != revoked_.end();
}

void MemoryCodeStore::mark_used(std::string_view code_digest, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = codes_.find(code_digest);
  if (it != codes_.end()) it->second.used_at = now;
}

StoreResult<std::vector<std::string>> MemoryConsentStore::granted_scopes(
    std::string_view subject, std::string_view client_id) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = grants_.find({std::string(subject), std::string(client_id)});
  if (it == grants_.end()) return std::vector<std::string>{};
  return it->second;
}

StoreResult<Ok> MemoryConsentStore::grant_consent(std::string_view subject,
                                                  std::string_view client_id,
                                                  const std::vector<std::string>& scopes, int64_t) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto& granted = grants_[{std::string(subject), std::string(client_id)}];
  for (const auto& s : scopes) {
    if (std::find(granted.begin(), granted.end(), s) == granted.end()) granted.push_back(s);
  }
  return Ok{};
}

}  // namespace signet::protocol::testing
