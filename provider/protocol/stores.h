// Store interfaces owned by the protocol. Each call is one transaction. A store
// that cannot reach its database returns OAuthError::temporarily_unavailable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/error.h"
#include "protocol/model.h"

namespace signet::protocol {

template <class T>
using StoreResult = Result<T, OAuthError>;

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  virtual StoreResult<std::optional<Client>> find_client(std::string_view client_id) = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual StoreResult<std::optional<User>> find_user_by_username(std::string_view username) = 0;
  virtual StoreResult<std::optional<User>> find_user_by_subject(std::string_view subject) = 0;
};

class ScopeStore {
 public:
  virtual ~ScopeStore() = default;
  // Descriptions of the named scopes that exist in the registry, in the order asked.
  virtual StoreResult<std::vector<ScopeDescription>> describe_scopes(
      const std::vector<std::string>& names) = 0;
};

// The answer to redeeming a code (RFC 6749 §4.1.2: single use).
enum class Redemption {
  kRedeemed,  // first use: now marked used, with the issued token's id recorded
  kUnknown,   // no such code
  kReplayed,  // already used: the tokens it issued have now been revoked
};

class AuthorizationCodeStore {
 public:
  virtual ~AuthorizationCodeStore() = default;
  virtual StoreResult<Ok> save_code(const AuthorizationCode& code) = 0;
  // Looks a code up by digest without changing it.
  virtual StoreResult<std::optional<AuthorizationCode>> find_code(std::string_view code_digest) = 0;
  // Atomically marks the code used at `now` and records the access token `jti`
  // (valid until `token_expires_at`) issued from it. If the code was already
  // used, nothing is recorded; instead every token issued from it is revoked and
  // kReplayed is returned.
  virtual StoreResult<Redemption> redeem_code(std::string_view code_digest, int64_t now,
                                              std::string_view jti, int64_t token_expires_at) = 0;
  // Revokes every token issued from a code (after a replay is detected).
  virtual StoreResult<Ok> revoke_code_tokens(std::string_view code_digest, int64_t now) = 0;
};

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;
  virtual StoreResult<std::vector<std::string>> granted_scopes(std::string_view subject,
                                                               std::string_view client_id) = 0;
  // Adds scopes to what this user granted this client (union with earlier grants).
  virtual StoreResult<Ok> grant_consent(std::string_view subject, std::string_view client_id,
                                        const std::vector<std::string>& scopes, int64_t now) = 0;
};

// Grants (FAPI Grant Management). Codes write them (AuthorizationCode::grant_write).
class GrantStore {
 public:
  virtual ~GrantStore() = default;
  virtual StoreResult<std::optional<Grant>> find_grant(std::string_view grant_id) = 0;
  // Ends the grant if it is this client's (and, when `subject` is not empty, this
  // customer's): its tokens are revoked in the same transaction. False: no such grant.
  virtual StoreResult<bool> delete_grant(std::string_view grant_id, std::string_view client_id,
                                         std::string_view subject) = 0;
  // The customer's grants, with their clients' names, oldest first.
  virtual StoreResult<std::vector<Grant>> grants_of(std::string_view subject) = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual StoreResult<Ok> create_session(const Session& session) = 0;
  // The live session with this digest (expired ones are not returned).
  virtual StoreResult<std::optional<Session>> find_session(std::string_view id_digest,
                                                           int64_t now) = 0;
  virtual StoreResult<Ok> delete_session(std::string_view id_digest) = 0;
};

}  // namespace signet::protocol
