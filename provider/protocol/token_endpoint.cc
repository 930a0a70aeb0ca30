// The token endpoint's grants (RFC 6749 §4.1.3, §4.4) in the order of their checks.
#include "protocol/token_endpoint.h"

#include <optional>
#include <utility>

#include "common/crypto.h"
#include "protocol/authorize.h"
#include "protocol/id_token.h"

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

}  // namespace

Result<TokenResponse, OAuthError> TokenEndpoint::handle(const TokenRequest& request) {
  const std::string* grant_type = required(request.form, "grant_type");
  if (!grant_type) return fail(missing("grant_type"));
  if (*grant_type != "authorization_code" && *grant_type != "client_credentials" &&
      *grant_type != "refresh_token") {
    return fail(OAuthError::unsupported_grant_type("The grant_type is not supported.",
                                                   "grant_type " + *grant_type));
  }

  auto client = authenticate_client(request, clients_);
  if (!client) return fail(std::move(client.error()));
  if (rate_limit_) {
    if (int64_t wait = rate_limit_->admit(client->client_id)) {
      return fail(slow_down(wait));  // audited by http/, not logged: floods stay cheap
    }
  }

  auto result = *grant_type == "authorization_code"
                    ? authorization_code_grant(*client, request.form)
                : *grant_type == "refresh_token"
                    ? refresh_token_grant(*client, request.form, request.security_events)
                    : client_credentials_grant(*client, request.form);
  // Retried on a worker (common/blocking.h): that attempt is the one that counts.
  if (rate_limit_ && !result && result.error().is_would_block()) {
    rate_limit_->refund(client->client_id);
  }
  return result;
}

Result<TokenResponse, OAuthError> TokenEndpoint::authorization_code_grant(const Client& client,
                                                                          const Params& form) {
  if (!client.allows_grant("authorization_code")) {
    return fail(OAuthError::unauthorized_client(
        "The client may not use the authorization_code grant.",
        "client " + client.client_id + " lacks the authorization_code grant"));
  }
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

  // RFC 8707: the resource named at /authorize (carried with the code); one named
  // here must be the same.
  const std::string* resource = find_param(form, "resource");
  if (resource && !row.resource.empty() && *resource != row.resource) {
    return fail(invalid_target("The resource differs from the authorization request's.",
                               "resource " + *resource + " vs " + row.resource));
  }
  const std::string& granted_resource = resource ? *resource : row.resource;
  auto audience = resolve_audience(granted_resource, row.scopes, resources_, settings_.audience);
  if (!audience) return fail(std::move(audience.error()));

  // Everything that reads the database happens before the code is redeemed: a
  // 503 after redemption would leave the client a spent code, and its retry
  // would look like a replay and revoke the tokens it never received.
  std::optional<User> user;
  const bool wants_id_token = users_ && has_scope(row.scopes, kOpenIdScope);
  if (wants_id_token) {
    auto found_user = users_->find_user_by_subject(row.subject);
    if (!found_user) return fail(std::move(found_user.error()));
    if (!*found_user) {
      return fail(OAuthError::invalid_grant(kBadCode, "the code's user no longer exists"));
    }
    user = std::move(**found_user);
  }

  auto issued = issue_access_token(keys_, settings_for(client, *audience), row.subject,
                                   client.client_id, row.scopes, now);
  if (!issued) return fail(std::move(issued.error()));

  // The refresh-token family is stored before the code is redeemed, so that a
  // replay of the code always finds (and revokes) it.
  std::string refresh_token;
  std::string family_id;
  if (lifecycle_ && should_issue_refresh_token(client, row)) {
    auto started = start_refresh_family(granted_resource, client, row, *issued, now, family_id);
    if (!started) return fail(std::move(started.error()));
    refresh_token = std::move(*started);
  }

  // The store decides atomically: two concurrent redemptions cannot both win.
  auto redeemed = codes_.redeem_code(digest, now, issued->jti, issued->expires_at);
  if (!redeemed) return fail(std::move(redeemed.error()));
  if (*redeemed != Redemption::kRedeemed) {
    // Lost the race: the family stored for this attempt was never handed out.
    if (!family_id.empty()) {
      auto dropped = lifecycle_->revoke_family(family_id, now, "code_replay");
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
    auto id_token = make_id_token(client, row, std::move(*user), issued->token, now);
    if (!id_token) return fail(std::move(id_token.error()));
    response.id_token = std::move(*id_token);
  }
  response.access_token = std::move(issued->token);
  response.expires_in = issued->expires_at - now;
  response.scope = join_scope(row.scopes);
  response.refresh_token = std::move(refresh_token);
  response.client_id = client.client_id;
  response.subject = row.subject;
  response.jti = issued->jti;
  return response;
}

Result<TokenResponse, OAuthError> TokenEndpoint::client_credentials_grant(const Client& client,
                                                                          const Params& form) {
  // RFC 6749 §4.4: only a confidential client may act on its own behalf.
  if (client.is_public || !client.allows_grant("client_credentials")) {
    return fail(OAuthError::unauthorized_client(
        "The client may not use the client_credentials grant.",
        "client " + client.client_id + " is public or lacks the client_credentials grant"));
  }

  std::vector<std::string> scopes;
  const std::string* scope = find_param(form, "scope");
  if (scope) {
    auto parsed = parse_scope(*scope);
    if (!parsed) return fail(std::move(parsed.error()));
    scopes = std::move(*parsed);
  }
  // RFC 8707: a machine client names the resource it calls; the token is for it.
  const std::string* resource_param = find_param(form, "resource");
  const std::string resource = resource_param ? *resource_param : std::string{};
  if (resource_param && resource.empty()) {
    return fail(invalid_target("The resource parameter is empty."));
  }
  if (scopes.empty()) {
    // RFC 6749 §3.3: a pre-defined default (the client's scopes the resource owns)
    auto defaults = default_scopes_for(resource, client.scopes, resources_);
    if (!defaults) return fail(std::move(defaults.error()));
    scopes = std::move(*defaults);
  } else {
    for (const auto& s : scopes) {
      if (!client.allows_scope(s)) {
        return fail(OAuthError::invalid_scope("The requested scope is not allowed for this client.",
                                              "client " + client.client_id + " asked for " + s));
      }
    }
  }

  auto audience = resolve_audience(resource, scopes, resources_, settings_.audience);
  if (!audience) return fail(std::move(audience.error()));

  const int64_t now = clock_.now();
  auto issued = issue_access_token(keys_, settings_for(client, *audience), client.client_id,
                                   client.client_id, scopes, now);
  if (!issued) return fail(std::move(issued.error()));

  TokenResponse response;
  response.access_token = std::move(issued->token);
  response.expires_in = issued->expires_at - now;
  response.scope = join_scope(scopes);
  response.client_id = client.client_id;
  response.jti = issued->jti;
  return response;
}

StoreResult<Ok> TokenEndpoint::revoke_what_the_code_issued(const std::string& code_digest,
                                                           int64_t now) {
  auto revoked = codes_.revoke_code_tokens(code_digest, now);
  if (!revoked) return revoked;
  if (lifecycle_) return lifecycle_->revoke_code_families(code_digest, now);
  return Ok{};
}

TokenSettings TokenEndpoint::settings_for(const Client& client, const std::string& audience) const {
  TokenSettings s = settings_;
  s.audience = audience;
  if (client.access_token_ttl && *client.access_token_ttl > 0) {
    s.access_token_lifetime = *client.access_token_ttl;
  }
  return s;
}

}  // namespace signet::protocol
