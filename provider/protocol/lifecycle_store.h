// The store interface of the token lifecycle: refresh-token families with rotation
// and reuse detection (RFC 6749 §6, RFC 9700 §4.14), the record of issued access
// tokens and their revocation (RFC 7009), and the user's connected apps. Each call
// is one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/stores.h"

namespace signet::protocol {

// A refresh token as stored (only its digest), with its family.
struct RefreshTokenRecord {
  std::string token_digest;
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::vector<std::string> scopes;          // what this token may ask for
  std::vector<std::string> granted_scopes;  // the family's grant: the upper bound
  std::string resource;  // RFC 8707 resource of the grant; empty: the default audience
  int64_t issued_at = 0;
  int64_t expires_at = 0;         // sliding
  int64_t family_expires_at = 0;  // absolute
  std::optional<int64_t> used_at;
  std::optional<int64_t> family_revoked_at;
  // RFC 9449 §5: a public client's family is bound to the DPoP key of the code
  // redemption (its RFC 7638 thumbprint); "" = not bound.
  std::string dpop_jkt;
  // The grant and its authorization details (JSON array text, RFC 9396 §6:
  // a refresh keeps them).
  std::string grant_id;
  std::string authorization_details = "[]";
};

struct NewRefreshFamily {
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::vector<std::string> scopes;
  std::string code_digest;  // the code whose redemption started it
  std::string resource;     // RFC 8707 resource the grant's tokens are for
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::string dpop_jkt = {};  // the key a public client's refresh must prove (RFC 9449 §5)
  std::string grant_id = {};  // the code's grant ("" = none)
  std::string authorization_details = "[]";  // the code's (RFC 9396 §6)
};

struct NewRefreshToken {
  std::string token_digest;
  std::string family_id;
  std::vector<std::string> scopes;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

// An access token issued for a user's grant.
struct IssuedTokenRecord {
  std::string jti;
  std::string subject;
  std::string client_id;
  std::string family_id;  // empty when no refresh token came with it
  int64_t expires_at = 0;
};

// What a rotation writes: the successor and the access token issued with it.
// With `rotate` false (a FAPI 2.0 client, whose refresh token is bound to its
// client authentication: FAPI 2.0 Security Profile §5.3.2.1 item 9) the
// presented token stays valid and unused, and only takes the successor's
// expires_at (the sliding expiry); `successor.token_digest` is then unused.
struct RotationPlan {
  NewRefreshToken successor;
  IssuedTokenRecord access_token;
  bool rotate = true;
};

// Called inside the rotation transaction with the locked, live, unused token:
// checks the request against it and plans the successor. An error aborts the
// rotation with nothing changed.
using RotationDecision = std::function<Result<RotationPlan, OAuthError>(const RefreshTokenRecord&)>;

enum class RotationOutcome {
  kRotated,  // marked used; the successor and its access token are stored (or, without
             // rotation, the token's expiry extended and its access token stored)
  kUnknown,  // no such token
  kRevoked,  // its family was revoked earlier (or has expired)
  kReused,   // already used: the family and its access tokens are now revoked
};

struct Rotation {
  RotationOutcome outcome = RotationOutcome::kUnknown;
  RefreshTokenRecord presented;  // set unless kUnknown
};

// An app the user granted access to.
struct ConnectedApp {
  std::string client_id;
  std::string client_name;
  std::vector<std::string> scopes;
  int64_t granted_at = 0;
};

class TokenLifecycleStore {
 public:
  virtual ~TokenLifecycleStore() = default;

  // Starts a family with its first token and records the access token issued
  // with it (family_id set), in one transaction.
  virtual StoreResult<Ok> create_family(const NewRefreshFamily& family,
                                        const NewRefreshToken& first,
                                        const IssuedTokenRecord& access_token) = 0;

  // Rotation in one transaction: locks the token (SELECT ... FOR UPDATE). Unknown
  // -> kUnknown; family revoked or past its absolute expiry -> kRevoked; already
  // used -> revokes the family and its access tokens, kReused; otherwise runs
  // `decide` and, if it succeeds, marks the token used at `now` and stores the
  // plan. An error from `decide` is returned as is.
  virtual Result<Rotation, OAuthError> rotate(std::string_view token_digest, int64_t now,
                                              const RotationDecision& decide) = 0;

  virtual StoreResult<std::optional<RefreshTokenRecord>> find_refresh_token(
      std::string_view token_digest) = 0;

  // Revokes a family and lists its access tokens as revoked.
  virtual StoreResult<Ok> revoke_family(std::string_view family_id, int64_t now,
                                        std::string_view reason) = 0;
  // Revokes the families started by a code (after a replay of that code).
  virtual StoreResult<Ok> revoke_code_families(std::string_view code_digest, int64_t now) = 0;

  // Access tokens: revoke one by jti (kept until its expiry), and the fast check.
  virtual StoreResult<Ok> revoke_access_token(std::string_view jti, int64_t expires_at, int64_t now,
                                              std::string_view reason) = 0;
  virtual StoreResult<bool> is_access_token_revoked(std::string_view jti) = 0;

  // The apps this user consented to, oldest grant first.
  virtual StoreResult<std::vector<ConnectedApp>> connected_apps(std::string_view subject) = 0;
  // In one transaction: deletes the consent, revokes the client's refresh-token
  // families for this user and that user's live access tokens for the client.
  // False when there was no consent.
  virtual StoreResult<bool> disconnect_app(std::string_view subject, std::string_view client_id,
                                           int64_t now) = 0;
};

}  // namespace signet::protocol
