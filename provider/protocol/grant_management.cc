#include "protocol/grant_management.h"

#include <utility>

#include "protocol/id_token.h"
#include "protocol/own_access_token.h"

namespace signet::protocol {
namespace {

GrantApiError problem(GrantApiProblem p) { return GrantApiError{p, {}, std::nullopt}; }

GrantApiError store_failed(OAuthError e) {
  return GrantApiError{GrantApiProblem::kStore, {}, std::move(e)};
}

// RFC 9449 §7.1: the key a DPoP-bound access token is bound to (cnf.jkt), ""
// for a bearer token.
std::string bound_key(const jose::AccessTokenClaims& token) {
  auto cnf = token.claims.find("cnf");
  if (cnf == token.claims.end() || !cnf->is_object()) return {};
  auto jkt = cnf->find("jkt");
  return jkt != cnf->end() && jkt->is_string() ? jkt->get<std::string>() : std::string("?");
}

}  // namespace

Result<jose::AccessTokenClaims, GrantApiError> GrantApi::caller(std::string_view access_token,
                                                                GrantAction action) const {
  // Any audience, as at introspection: a client's token carries the audience of
  // the API it was issued for (RFC 8707), and no resource server honours the
  // grant management scopes. Only the issuer does, and the token's client_id
  // limits the request to that client's own grants.
  auto token = verify_own_access_token(access_token, keys, issuer, std::nullopt, now);
  if (!token) return fail(problem(GrantApiProblem::kInvalidToken));
  // A bound token is used only with a proof by its key (a stolen one is useless).
  if (const std::string jkt = bound_key(*token); !jkt.empty() && jkt != proof_jkt) {
    return fail(problem(GrantApiProblem::kDpopBound));
  }
  // A revoked token (itself, or its grant) stops working at once (RFC 7009 §2).
  auto revoked = is_revoked(*token, lifecycle);
  if (!revoked) return fail(store_failed(std::move(revoked.error())));
  if (*revoked) return fail(problem(GrantApiProblem::kInvalidToken));
  const char* scope = action == GrantAction::kQuery ? kGrantQueryScope : kGrantRevokeScope;
  if (!has_scope(token->scopes, scope)) {
    return fail(GrantApiError{GrantApiProblem::kInsufficientScope, scope, std::nullopt});
  }
  return std::move(*token);
}

Result<Grant, GrantApiError> GrantApi::callers_grant(const jose::AccessTokenClaims& token,
                                                     std::string_view grant_id) const {
  if (grant_id.empty()) return fail(problem(GrantApiProblem::kNotFound));
  auto found = grants.find_grant(grant_id);
  if (!found) return fail(store_failed(std::move(found.error())));
  // §6.1: a client manages only its own grants. Another client's grant is
  // answered as an unknown one, so that grant ids reveal nothing.
  if (!found->has_value() || (*found)->client_id != token.client_id) {
    return fail(problem(GrantApiProblem::kNotFound));
  }
  return std::move(**found);
}

Result<nlohmann::json, GrantApiError> GrantApi::query(std::string_view access_token,
                                                      std::string_view grant_id) const {
  auto token = caller(access_token, GrantAction::kQuery);
  if (!token) return fail(std::move(token.error()));
  auto grant = callers_grant(*token, grant_id);
  if (!grant) return fail(std::move(grant.error()));
  return grant_resource(*grant);
}

Result<Grant, GrantApiError> GrantApi::revoke(std::string_view access_token,
                                              std::string_view grant_id) const {
  auto token = caller(access_token, GrantAction::kRevoke);
  if (!token) return fail(std::move(token.error()));
  auto grant = callers_grant(*token, grant_id);
  if (!grant) return fail(std::move(grant.error()));
  // The store checks the owner again in its DELETE: false when the grant was
  // ended in between.
  auto deleted = grants.delete_grant(grant->grant_id, token->client_id, "");
  if (!deleted) return fail(store_failed(std::move(deleted.error())));
  if (!*deleted) return fail(problem(GrantApiProblem::kNotFound));
  return std::move(*grant);
}

nlohmann::json grant_resource(const Grant& grant) {
  nlohmann::json out = nlohmann::json::object();
  if (!grant.scopes.empty()) {
    std::string scope;
    for (const auto& s : grant.scopes) scope += (scope.empty() ? "" : " ") + s;
    out["scopes"] = nlohmann::json::array({{{"scope", scope}}});
  }
  auto details = nlohmann::json::parse(grant.authorization_details, nullptr, false);
  if (details.is_array() && !details.empty()) out["authorization_details"] = std::move(details);
  out["created_at"] = grant.created_at;
  out["updated_at"] = grant.updated_at;
  return out;
}

}  // namespace signet::protocol
