// PostgreSQL implementation of every protocol store interface, plus the admin
// operations of the CLI and `signet serve` (users, clients, signing keys, reaping).
// Every method is one transaction and never throws: libpqxx exceptions become
// OAuthError::temporarily_unavailable (database unreachable) or server_error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

// A signing key row. The private key is sealed (AES-256-GCM under the master key)
// by the caller; the store never sees it in clear.
struct StoredSigningKey {
  std::string kid;
  std::string alg;         // "ES256" | "RS256"
  std::string state;       // "next" | "active" | "retired"
  std::string public_jwk;  // JSON object text (jsonb: key order/spacing normalized on read)
  std::string sealed_private;
  int64_t created_at = 0;
  std::optional<int64_t> activated_at;
  std::optional<int64_t> retired_at;
};

// Rows deleted by one reap_expired() call.
struct ReapCounts {
  int64_t codes = 0;
  int64_t sessions = 0;
  int64_t revoked_tokens = 0;
};

class PostgresStore final : public protocol::ClientStore,
                            public protocol::UserStore,
                            public protocol::ScopeStore,
                            public protocol::AuthorizationCodeStore,
                            public protocol::ConsentStore,
                            public protocol::SessionStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  // Connections are opened lazily, at most `pool_size` at once (size it to the
  // workers that call the store). Does not connect: call ping() at start-up.
  PostgresStore(std::string conninfo, size_t pool_size);
  ~PostgresStore() override;

  // Checks that the database answers and the schema is migrated.
  StoreResult<Ok> ping();

  // ClientStore
  StoreResult<std::optional<protocol::Client>> find_client(std::string_view client_id) override;

  // UserStore
  StoreResult<std::optional<protocol::User>> find_user_by_username(
      std::string_view username) override;
  StoreResult<std::optional<protocol::User>> find_user_by_subject(
      std::string_view subject) override;

  // ScopeStore
  StoreResult<std::vector<protocol::ScopeDescription>> describe_scopes(
      const std::vector<std::string>& names) override;

  // AuthorizationCodeStore
  StoreResult<Ok> save_code(const protocol::AuthorizationCode& code) override;
  StoreResult<std::optional<protocol::AuthorizationCode>> find_code(
      std::string_view code_digest) override;
  StoreResult<protocol::Redemption> redeem_code(std::string_view code_digest, int64_t now,
                                                std::string_view jti,
                                                int64_t token_expires_at) override;
  StoreResult<Ok> revoke_code_tokens(std::string_view code_digest, int64_t now) override;

  // ConsentStore
  StoreResult<std::vector<std::string>> granted_scopes(std::string_view subject,
                                                       std::string_view client_id) override;
  StoreResult<Ok> grant_consent(std::string_view subject, std::string_view client_id,
                                const std::vector<std::string>& scopes, int64_t now) override;

  // SessionStore
  StoreResult<Ok> create_session(const protocol::Session& session) override;
  StoreResult<std::optional<protocol::Session>> find_session(std::string_view id_digest,
                                                             int64_t now) override;
  StoreResult<Ok> delete_session(std::string_view id_digest) override;

  // Revoked access tokens (introspection, resource servers that ask).
  StoreResult<bool> is_token_revoked(std::string_view jti);

  // --- Admin operations -------------------------------------------------------
  // A new user with a fresh subject (uuid). An existing username fails with
  // description "user already exists" (status 409).
  StoreResult<protocol::User> create_user(std::string_view username, std::string_view password_hash,
                                          std::string_view name, std::string_view email);
  // OpenID Connect email_verified (sql/0004).
  StoreResult<Ok> set_email_verified(std::string_view subject, bool verified);
  // Stores a client as given (secret_digest empty iff public). An existing
  // client_id fails with "client already exists" (409).
  StoreResult<Ok> create_client(const protocol::Client& client);
  // Every client, oldest first.
  StoreResult<std::vector<protocol::Client>> list_clients();
  // Every scope of the registry, by name.
  StoreResult<std::vector<protocol::ScopeDescription>> list_scopes();

  // Signing keys, oldest first.
  StoreResult<std::vector<StoredSigningKey>> list_signing_keys();
  // Under an advisory lock: if no key of key.alg is active, inserts `key` as the
  // active one (state forced to "active", activated_at = created_at). Returns the
  // active key of that alg after the call, so replicas starting at once agree on one.
  StoreResult<StoredSigningKey> insert_active_key_if_none(const StoredSigningKey& key);

  // Deletes expired rows, at most `batch` of each kind: codes whose issued token
  // has also expired, sessions, and revoked-token entries past their token's expiry.
  StoreResult<ReapCounts> reap_expired(int64_t now, int64_t batch = 10000);

  ConnectionPool& pool() { return *pool_; }

 private:
  std::unique_ptr<ConnectionPool> pool_;
};

// Encoding of a text[] parameter ("{\"a\",\"b\"}"), and decoding of a text[] field.
std::string to_pg_text_array(const std::vector<std::string>& values);
std::vector<std::string> from_pg_text_array(const pqxx::field& field);

// True if `s` is a canonical textual UUID (8-4-4-4-12 hex digits).
bool looks_like_uuid(std::string_view s);

}  // namespace signet::store
