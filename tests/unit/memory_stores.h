// In-memory implementations of the protocol's store interfaces, for unit tests
// only: no persistence, one mutex per store, and switches to simulate an outage
// or a concurrent redemption.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "protocol/audit.h"
#include "protocol/authorize.h"
#include "protocol/pushed_request.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"
#include "protocol/token/client_authentication.h"
#include "protocol/token/dpop_proof.h"

namespace signet::protocol::testing {

class MemoryClientStore final : public ClientStore {
 public:
  void add(Client client);
  StoreResult<std::optional<Client>> find_client(std::string_view client_id) override;

  bool unavailable = false;  // every call fails with temporarily_unavailable

 private:
  std::mutex mu_;
  std::map<std::string, Client, std::less<>> clients_;
};

class MemoryPushedRequestStore final : public PushedRequestStore {
 public:
  StoreResult<Ok> save_pushed_request(const PushedRequest& request) override;
  StoreResult<std::optional<PushedRequest>> find_pushed_request(std::string_view digest,
                                                                int64_t now) override;
  StoreResult<Ok> spend_pushed_request(std::string_view digest, int64_t now) override;
  // What saving a code does with its request (false: spent or expired, nothing done).
  bool spend_for_code(std::string_view digest, std::string_view client_id, int64_t now);

  size_t size();
  bool unavailable = false;

 private:
  struct Row {
    PushedRequest request;
    bool spent = false;
  };
  std::mutex mu_;
  std::map<std::string, Row, std::less<>> rows_;
};

class MemoryAssertionJtis final : public AssertionReplayStore {
 public:
  StoreResult<bool> use_assertion_jti(std::string_view client_id, std::string_view jti,
                                      int64_t expires_at, int64_t now) override;
  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> expiry_;
};

// JWKS documents by URI, counting fetches; any other URI is refused.
class MemoryJwksFetcher final : public JwksFetcher {
 public:
  Result<std::string, OAuthError> fetch_jwks(const std::string& uri) override;
  void publish(const std::string& uri, std::string jwks);
  int fetches();

 private:
  std::mutex mu_;
  std::map<std::string, std::string> documents_;
  int fetches_ = 0;
};

class MemoryDpopJtis final : public DpopReplayStore {
 public:
  StoreResult<bool> use_dpop_jti(std::string_view jkt, std::string_view jti, int64_t expires_at,
                                 int64_t now) override;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> expiry_;
};

// Client authentication wired as app/serve.cc wires it (secrets, and
// private_key_jwt assertions for `issuer`), with the jtis and the documents
// behind jwks_uris in memory; and DPoP proofs for `issuer`'s endpoints, without
// nonces.
struct TestClientAuthentication {
  TestClientAuthentication(ClientStore& clients, const Clock& clock,
                           const std::string& issuer = "https://signet.example")
      : keys(fetcher, clock),
        verifier({issuer}, keys, jtis, clock),
        authenticator(clients, verifier),
        dpop({issuer}, dpop_jtis, clock) {}
  TestClientAuthentication(const TestClientAuthentication&) = delete;
  TestClientAuthentication& operator=(const TestClientAuthentication&) = delete;

  MemoryJwksFetcher fetcher;
  ClientKeySource keys;
  MemoryAssertionJtis jtis;
  ClientAssertionVerifier verifier;
  ClientAuthenticator authenticator;
  MemoryDpopJtis dpop_jtis;
  DpopProofs dpop;
};

class MemoryCodeStore final : public AuthorizationCodeStore {
 public:
  MemoryCodeStore() = default;
  // Saving a code that answers a pushed request spends it there, as the
  // PostgreSQL store does in the code's transaction.
  explicit MemoryCodeStore(MemoryPushedRequestStore& pushed) : pushed_(&pushed) {}

  StoreResult<Ok> save_code(const AuthorizationCode& code) override;
  StoreResult<std::optional<AuthorizationCode>> find_code(std::string_view code_digest) override;
  StoreResult<Redemption> redeem_code(std::string_view code_digest, int64_t now,
                                      std::string_view jti, int64_t token_expires_at) override;
  StoreResult<Ok> revoke_code_tokens(std::string_view code_digest, int64_t now) override;

  // Test inspection.
  size_t size();
  std::vector<std::string> issued_jtis(std::string_view code_digest);
  bool is_revoked(std::string_view jti);

  bool unavailable = false;
  // Runs at the start of redeem_code, before its own check: lets a test make
  // another request win the race between find_code and redeem_code.
  std::function<void(MemoryCodeStore&, std::string_view code_digest)> before_redeem;
  // Marks a code used without recording a token (what a concurrent winner does).
  void mark_used(std::string_view code_digest, int64_t now);

 private:
  struct IssuedToken {
    std::string jti;
    int64_t expires_at;
  };
  MemoryPushedRequestStore* pushed_ = nullptr;
  std::mutex mu_;
  std::map<std::string, AuthorizationCode, std::less<>> codes_;
  std::map<std::string, std::vector<IssuedToken>, std::less<>> issued_;
  std::set<std::string, std::less<>> revoked_;
};

class MemoryConsentStore final : public ConsentStore {
 public:
  StoreResult<std::vector<std::string>> granted_scopes(std::string_view subject,
                                                       std::string_view client_id) override;
  StoreResult<Ok> grant_consent(std::string_view subject, std::string_view client_id,
                                const std::vector<std::string>& scopes, int64_t now) override;

  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> grants_;
};

// Grants by id; delete_grant applies the same owner rules as the SQL (an empty
// subject matches any customer). Ending a grant's tokens is the database
// trigger's job, tested against PostgreSQL (tests/store/).
class MemoryGrantStore final : public GrantStore {
 public:
  StoreResult<std::optional<Grant>> find_grant(std::string_view grant_id) override;
  StoreResult<bool> delete_grant(std::string_view grant_id, std::string_view client_id,
                                 std::string_view subject) override;
  StoreResult<std::vector<Grant>> grants_of(std::string_view subject) override;

  void add(Grant grant);
  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::string, Grant, std::less<>> grants_;
};

class MemoryUserStore final : public UserStore {
 public:
  void add(User user);
  StoreResult<std::optional<User>> find_user_by_username(std::string_view username) override;
  StoreResult<std::optional<User>> find_user_by_subject(std::string_view subject) override;

  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::string, User, std::less<>> users_;  // by subject
};

class MemorySessionStore final : public SessionStore {
 public:
  StoreResult<Ok> create_session(const Session& session) override;
  StoreResult<std::optional<Session>> find_session(std::string_view id_digest,
                                                   int64_t now) override;
  StoreResult<Ok> delete_session(std::string_view id_digest) override;

  // Test inspection: whether a session with this digest is stored (live or not).
  bool contains(std::string_view id_digest);
  size_t size();

  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::string, Session, std::less<>> sessions_;
};

// The shared count of failed sign-ins (protocol/throttle.h), in memory.
class MemoryAccountFailureStore final : public AccountFailureStore {
 public:
  StoreResult<AccountFailures> failures(std::string_view account_key) override;
  StoreResult<AccountFailures> record_failure(std::string_view account_key, const LockoutRule& rule,
                                              int64_t now) override;
  StoreResult<Ok> clear(std::string_view account_key) override;

  bool unavailable = false;

 private:
  std::mutex mu_;
  std::map<std::string, AccountFailures, std::less<>> rows_;
};

// An audit trail that keeps every event, for assertions.
class RecordingAuditSink final : public AuditSink {
 public:
  void record(AuditEvent event) noexcept override;
  // The recorded events named `name`, in order.
  std::vector<AuditEvent> named(std::string_view name);

  std::vector<AuditEvent> events;
};

// The authorization endpoint's checks with a client registry alone (no pushed
// requests are known, no resource registry): what most protocol tests need.
inline Result<AuthorizeRequest, AuthorizeFailure> validate_with_clients(const Params& query,
                                                                        ClientStore& clients) {
  static MemoryPushedRequestStore no_pushed_requests;
  static const SystemClock clock;
  return validate_authorize_request(query, AuthorizeContext{clients, no_pushed_requests, clock});
}

}  // namespace signet::protocol::testing
