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

Result<std::string, OAuthError> MemoryJwksFetcher::fetch_jwks(const std::string& uri) {
  std::lock_guard lock(mu_);
  ++fetches_;
  auto it = documents_.find(uri);
  if (it == documents_.end()) {
    return fail(OAuthError::invalid_client("Client authentication failed.", "no document"));
  }
  return it->second;
}

void MemoryJwksFetcher::publish(const std::string& uri, std::string jwks) {
  std::lock_guard lock(mu_);
  documents_[uri] = std::move(jwks);
}

int MemoryJwksFetcher::fetches() {
  std::lock_guard lock(mu_);
  return fetches_;
}

StoreResult<bool> MemoryDpopJtis::use_dpop_jti(std::string_view jkt, std::string_view jti,
                                               int64_t expires_at, int64_t now) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = expiry_.try_emplace({std::string(jkt), std::string(jti)}, expires_at);
  if (inserted) return true;
  if (it->second > now) return false;
  it->second = expires_at;
  return true;
}

StoreResult<bool> MemoryAssertionJtis::use_assertion_jti(std::string_view client_id,
                                                         std::string_view jti, int64_t expires_at,
                                                         int64_t now) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto [it, inserted] = expiry_.try_emplace({std::string(client_id), std::string(jti)}, expires_at);
  if (inserted) return true;
  if (it->second > now) return false;  // still live: a replay
  it->second = expires_at;
  return true;
}

StoreResult<Ok> MemoryPushedRequestStore::save_pushed_request(const PushedRequest& request) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  if (!rows_.emplace(request.request_uri_digest, Row{request, false}).second) {
    return fail(OAuthError::server_error("duplicate request_uri digest"));
  }
  return Ok{};
}

StoreResult<std::optional<PushedRequest>> MemoryPushedRequestStore::find_pushed_request(
    std::string_view digest, int64_t now) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = rows_.find(digest);
  if (it == rows_.end() || it->second.spent || it->second.request.expires_at <= now) {
    return std::optional<PushedRequest>{};
  }
  return std::optional<PushedRequest>{it->second.request};
}

StoreResult<Ok> MemoryPushedRequestStore::spend_pushed_request(std::string_view digest,
                                                               int64_t now) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = rows_.find(digest);
  if (it != rows_.end() && it->second.request.expires_at > now) it->second.spent = true;
  return Ok{};
}

bool MemoryPushedRequestStore::spend_for_code(std::string_view digest, std::string_view client_id,
                                              int64_t now) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(digest);
  if (it == rows_.end() || it->second.spent || it->second.request.expires_at <= now ||
      it->second.request.client_id != client_id) {
    return false;
  }
  it->second.spent = true;
  return true;
}

size_t MemoryPushedRequestStore::size() {
  std::lock_guard lock(mu_);
  return rows_.size();
}

StoreResult<Ok> MemoryCodeStore::save_code(const AuthorizationCode& code) {
  if (unavailable) return outage();
  if (!code.request_uri_digest.empty() &&
      (!pushed_ ||
       !pushed_->spend_for_code(code.request_uri_digest, code.client_id, code.issued_at))) {
    return fail(OAuthError::invalid_request_uri("pushed request spent or expired"));
  }
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

void MemoryUserStore::add(User user) {
  std::lock_guard lock(mu_);
  std::string subject = user.subject;
  users_.insert_or_assign(std::move(subject), std::move(user));
}

StoreResult<std::optional<User>> MemoryUserStore::find_user_by_username(std::string_view username) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  for (const auto& [subject, user] : users_) {
    if (user.username == username) return std::optional<User>(user);
  }
  return std::optional<User>{};
}

StoreResult<std::optional<User>> MemoryUserStore::find_user_by_subject(std::string_view subject) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = users_.find(subject);
  if (it == users_.end()) return std::optional<User>{};
  return std::optional<User>(it->second);
}

StoreResult<Ok> MemorySessionStore::create_session(const Session& session) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  if (!sessions_.emplace(session.id_digest, session).second) {
    return fail(OAuthError::server_error("duplicate session digest"));
  }
  return Ok{};
}

StoreResult<std::optional<Session>> MemorySessionStore::find_session(std::string_view id_digest,
                                                                     int64_t now) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id_digest);
  if (it == sessions_.end() || it->second.expires_at <= now) return std::optional<Session>{};
  return std::optional<Session>(it->second);
}

StoreResult<Ok> MemorySessionStore::delete_session(std::string_view id_digest) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(id_digest); it != sessions_.end()) sessions_.erase(it);
  return Ok{};
}

bool MemorySessionStore::contains(std::string_view id_digest) {
  std::lock_guard lock(mu_);
  return sessions_.find(id_digest) != sessions_.end();
}

size_t MemorySessionStore::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

StoreResult<AccountFailures> MemoryAccountFailureStore::failures(std::string_view account_key) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = rows_.find(account_key);
  return it == rows_.end() ? AccountFailures{} : it->second;
}

StoreResult<AccountFailures> MemoryAccountFailureStore::record_failure(std::string_view account_key,
                                                                       const LockoutRule& rule,
                                                                       int64_t now) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  auto it = rows_.find(account_key);
  if (it == rows_.end()) it = rows_.emplace(std::string(account_key), AccountFailures{}).first;
  it->second = rule.after_failure(it->second, now);
  return it->second;
}

StoreResult<Ok> MemoryAccountFailureStore::clear(std::string_view account_key) {
  if (unavailable) return outage();
  std::lock_guard lock(mu_);
  if (auto it = rows_.find(account_key); it != rows_.end()) rows_.erase(it);
  return Ok{};
}

void RecordingAuditSink::record(AuditEvent event) noexcept { events.push_back(std::move(event)); }

std::vector<AuditEvent> RecordingAuditSink::named(std::string_view name) {
  std::vector<AuditEvent> found;
  for (const auto& e : events) {
    if (e.event == name) found.push_back(e);
  }
  return found;
}

StoreResult<std::optional<Grant>> MemoryGrantStore::find_grant(std::string_view grant_id) {
  std::lock_guard lock(mu_);
  if (unavailable) return fail(OAuthError::temporarily_unavailable("grant store down"));
  auto it = grants_.find(grant_id);
  if (it == grants_.end()) return std::optional<Grant>{};
  return std::optional<Grant>{it->second};
}

StoreResult<bool> MemoryGrantStore::delete_grant(std::string_view grant_id,
                                                 std::string_view client_id,
                                                 std::string_view subject) {
  std::lock_guard lock(mu_);
  if (unavailable) return fail(OAuthError::temporarily_unavailable("grant store down"));
  auto it = grants_.find(grant_id);
  if (it == grants_.end() || it->second.client_id != client_id) return false;
  if (!subject.empty() && it->second.subject != subject) return false;
  grants_.erase(it);
  return true;
}

StoreResult<std::vector<Grant>> MemoryGrantStore::grants_of(std::string_view subject) {
  std::lock_guard lock(mu_);
  if (unavailable) return fail(OAuthError::temporarily_unavailable("grant store down"));
  std::vector<Grant> out;
  for (const auto& [id, g] : grants_) {
    if (g.subject == subject) out.push_back(g);
  }
  return out;
}

void MemoryGrantStore::add(Grant grant) {
  std::lock_guard lock(mu_);
  grants_[grant.grant_id] = std::move(grant);
}

}  // namespace signet::protocol::testing
