// The grant management API (FAPI Grant Management for OAuth 2.0 §6): a client
// queries (GET /grants/{grant_id}, §6.4) or ends (DELETE, §6.5) one of its
// grants with an access token Signet issued it. Transport-free: http/
// grant_handlers.cc reads the request and writes the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "jose/access_token.h"
#include "jose/key_ring.h"
#include "protocol/error.h"
#include "protocol/lifecycle_store.h"
#include "protocol/model.h"
#include "protocol/stores.h"

namespace signet::protocol {

// §6.1: the scopes that authorize the API (seeded by sql/0018).
inline constexpr const char* kGrantQueryScope = "grant_management_query";
inline constexpr const char* kGrantRevokeScope = "grant_management_revoke";

enum class GrantAction { kQuery, kRevoke };

// §6.6: how a request to the API fails.
enum class GrantApiProblem {
  kInvalidToken,       // 401: not Signet's, expired or revoked
  kDpopBound,          // 401: a DPoP-bound token without a proof by its key
  kInsufficientScope,  // 403: lacks the action's scope
  kNotFound,           // 404: no such grant, or not the caller's
  kStore,              // the store failed: `store_error`
};

struct GrantApiError {
  GrantApiProblem problem = GrantApiProblem::kInvalidToken;
  std::string required_scope;  // kInsufficientScope
  std::optional<OAuthError> store_error;
};

struct GrantApi {
  const jose::KeyRing& keys;
  std::string_view issuer;
  TokenLifecycleStore& lifecycle;
  GrantStore& grants;
  int64_t now = 0;
  // RFC 9449 §7.1: the thumbprint of the key the request's DPoP proof proved
  // (checked by the caller for this method, URL and token); "" = no proof. A
  // DPoP-bound token is accepted only with a proof by its own key.
  std::string proof_jkt = {};

  // §6.4: the grant's scopes and authorization details.
  Result<nlohmann::json, GrantApiError> query(std::string_view access_token,
                                              std::string_view grant_id) const;
  // §6.5: ends the grant; its tokens are revoked with it (the store's
  // transaction). Returns the ended grant, for the audit trail.
  Result<Grant, GrantApiError> revoke(std::string_view access_token,
                                      std::string_view grant_id) const;

 private:
  Result<jose::AccessTokenClaims, GrantApiError> caller(std::string_view access_token,
                                                        GrantAction action) const;
  Result<Grant, GrantApiError> callers_grant(const jose::AccessTokenClaims& token,
                                             std::string_view grant_id) const;
};

// §6.4 query response: {"scopes":[{"scope":"a b"}],"authorization_details":[...],
// "created_at","updated_at"}, empty members left out.
nlohmann::json grant_resource(const Grant& grant);

}  // namespace signet::protocol
