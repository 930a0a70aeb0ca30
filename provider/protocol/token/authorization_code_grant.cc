// The authorization_code grant (RFC 6749 §4.1.3) in the order of its checks.
#include "protocol/token/authorization_code_grant.h"

#include <optional>
#include <utility>

#include "common/crypto.h"
#include "protocol/authorize.h"
#include "protocol/id_token.h"
#include "protocol/token/pkce.h"
#include "protocol/token/requested_details.h"

namespace signet::protocol {
namespace {

// Every failure about the code itself gets the same public text: the client
// learns nothing about why (unknown, used, expired, not its own, wrong verifier).
constexpr const char* kBadCode = "The authorization code is invalid or expired.";

const std::string* required(const Params& form, std::string_view key) {
  const std::string* v = find_param(form, key);
  return v && !v->empty() ? v : nullptr;
}

OAuthError missing(std::string_view key) {
  return OAuthError::invalid_request("The " + std::string(key) + " parameter is missing.");
}

// OpenID Connect Core §3.1.3.3: the ID token of a redeemed code. No database
// access: the user was read before the code was redeemed.
Result<std::string, OAuthError> make_id_token(const AccessTokenIssuer& access_tokens,
                                              const Client& client, const AuthorizationCode& code,
                                              User user, const std::string& access_token,
                                              int64_t now) {
  IdTokenInput in;
  in.issuer = access_tokens.settings().issuer;
  in.client_id = client.client_id;
  in.user = std::move(user);
  in.scopes = code.scopes;
  in.nonce = code.nonce;
  in.auth_time = code.auth_time;
  in.sid = code.sid;
  in.access_token = access_token;
  in.now = now;
  in.lifetime = access_tokens.settings().access_token_lifetime;
  const std::string alg =
      client.id_token_signed_response_alg.empty() ? "RS256" : client.id_token_signed_response_alg;
  return sign_id_token(*access_tokens.keys().current(), alg, id_token_claims(in));
}

}  // namespace

Result<TokenResponse, OAuthError> AuthorizationCodeGrant::handle(const Client& client,
                                                                 const TokenRequest& request) {
  const Params& form = request.form;
  const std::string* code = required(form, "code");
  if (!code) return fail(missing("code"));
  const std::string* redirect_uri = required(form, "redirect_uri");
  if (!redirect_uri) return fail(missing("redirect_uri"));
  const std::string* verifier = required(form, "code_verifier");
  if (!verifier) return fail(missing("code_verifier"));

  const std::string digest = sha256_b64url(*code);
  const int64_t now = clock_.now();

  auto found = codes_.find_code(digest);
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) return fail(OAuthError::invalid_grant(kBadCode, "unknown code"));
  const AuthorizationCode& row = **found;

  // RFC 6749 §4.1.3: the code is bound to its client. Checked before the replay
  // rule, so that another client presenting a used code (learned from a log or a
  // referrer) cannot revoke the owner's tokens.
  if (row.client_id != client.client_id) {
    return fail(OAuthError::invalid_grant(
        kBadCode, "code of client " + row.client_id + " presented by " + client.client_id));
  }
  // RFC 6749 §4.1.2 / RFC 9700 §4.5.3: a second use by its client revokes what
  // the first issued.
  if (row.used_at) {
    auto revoked = revoke_what_the_code_issued(digest, now);
    if (!revoked) return fail(std::move(revoked.error()));
    return fail(OAuthError::invalid_grant(kBadCode, "code replayed; issued tokens revoked"));
  }
  if (now >= row.expires_at) return fail(OAuthError::invalid_grant(kBadCode, "code expired"));
  // RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request.
  if (row.redirect_uri != *redirect_uri) {
    return fail(OAuthError::invalid_grant(kBadCode, "redirect_uri differs from the request's"));
  }
  if (!verify_pkce_s256(*verifier, row.code_challenge)) {
    return fail(OAuthError::invalid_grant(kBadCode, "PKCE verifier does not match"));
  }
  // RFC 9449 §10: a code bound to a key (dpop_jkt, or a proof at /par) is
  // redeemed only with a proof by that key.
  if (!row.dpop_jkt.empty() && row.dpop_jkt != request.dpop_jkt) {
    return fail(OAuthError::invalid_grant(kBadCode, request.dpop_jkt.empty()
                                                        ? "code bound to a DPoP key, no proof"
                                                        : "code bound to another DPoP key"));
  }

  // RFC 8707: the resource named at /authorize (carried with the code); one named
  // here must be the same.
  const std::string* resource = find_param(form, "resource");
  if (resource && !row.resource.empty() && *resource != row.resource) {
    return fail(invalid_target("The resource differs from the authorization request's.",
                               "resource " + *resource + " vs " + row.resource));
  }
  const std::string& granted_resource = resource ? *resource : row.resource;
  auto audience = access_tokens_.audience_for(granted_resource, row.scopes);
  if (!audience) return fail(std::move(audience.error()));

  // Everything that reads the database happens before the code is redeemed: a
  // 503 after redemption would leave the client a spent code, and its retry
  // would look like a replay and revoke the tokens it never received.
  std::optional<User> user;
  const bool wants_id_token = extras_.users && has_scope(row.scopes, kOpenIdScope);
  if (wants_id_token) {
    auto found_user = extras_.users->find_user_by_subject(row.subject);
    if (!found_user) return fail(std::move(found_user.error()));
    if (!*found_user) {
      return fail(OAuthError::invalid_grant(kBadCode, "the code's user no longer exists"));
    }
    user = std::move(**found_user);
  }

  // RFC 9396 §6: the details the customer approved, or the part of them asked for.
  auto details = requested_details(form, row.authorization_details);
  if (!details) return fail(std::move(details.error()));
  const GrantClaims grant{row.grant_id, *details};
  auto issued = access_tokens_.issue(client, *audience, row.subject, row.scopes, now,
                                     request.dpop_jkt, &grant);
  if (!issued) return fail(std::move(issued.error()));

  // The refresh-token family is stored before the code is redeemed, so that a
  // replay of the code always finds (and revokes) it.
  std::string refresh_token;
  std::string family_id;
  if (extras_.refresh_tokens && should_issue_refresh_token(client, row)) {
    auto started = extras_.refresh_tokens->start_family(granted_resource, client, row, *issued, now,
                                                        request.dpop_jkt);
    if (!started) return fail(std::move(started.error()));
    refresh_token = std::move(started->token);
    family_id = std::move(started->family_id);
  }

  // The store decides atomically: two concurrent redemptions cannot both win.
  auto redeemed = codes_.redeem_code(digest, now, issued->jti, issued->expires_at);
  if (!redeemed) return fail(std::move(redeemed.error()));
  if (*redeemed != Redemption::kRedeemed) {
    // Lost the race: the family stored for this attempt was never handed out.
    if (!family_id.empty()) {
      auto dropped = extras_.refresh_tokens->store().revoke_family(family_id, now, "code_replay");
      if (!dropped) return fail(std::move(dropped.error()));
    }
    if (*redeemed == Redemption::kUnknown) {
      return fail(OAuthError::invalid_grant(kBadCode, "code vanished during redemption"));
    }
    // Another request redeemed it first: a second use, as above.
    auto revoked = revoke_what_the_code_issued(digest, now);
    if (!revoked) return fail(std::move(revoked.error()));
    return fail(OAuthError::invalid_grant(kBadCode, "code replayed during redemption"));
  }

  TokenResponse response;
  if (wants_id_token) {  // OpenID Connect Core §3.1.3.3
    auto id_token =
        make_id_token(access_tokens_, client, row, std::move(*user), issued->token, now);
    if (!id_token) return fail(std::move(id_token.error()));
    response.id_token = std::move(*id_token);
  }
  response.access_token = std::move(issued->token);
  response.token_type = issued->dpop_bound ? "DPoP" : "Bearer";
  response.expires_in = issued->expires_at - now;
  response.scope = join_scope(row.scopes);
  response.refresh_token = std::move(refresh_token);
  if (!details->empty()) response.authorization_details = std::move(*details);
  response.grant_id = row.grant_id;
  response.client_id = client.client_id;
  response.subject = row.subject;
  response.jti = issued->jti;
  return response;
}

StoreResult<Ok> AuthorizationCodeGrant::revoke_what_the_code_issued(const std::string& code_digest,
                                                                    int64_t now) {
  auto revoked = codes_.revoke_code_tokens(code_digest, now);
  if (!revoked) return revoked;
  if (extras_.refresh_tokens) {
    return extras_.refresh_tokens->store().revoke_code_families(code_digest, now);
  }
  return Ok{};
}

}  // namespace signet::protocol
