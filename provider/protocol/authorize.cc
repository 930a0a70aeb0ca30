// The authorization endpoint's checks, in the order the header promises: the
// checks that decide whether we may redirect at all come first.
#include "protocol/authorize.h"

#include <algorithm>
#include <utility>

#include "common/crypto.h"
#include "protocol/resource_indicator.h"
#include "protocol/token/pkce.h"

namespace signet::protocol {
namespace {

// RFC 9700 §4.1.1 and §2.1.1: codes live at most 60 seconds.
constexpr int64_t kMaxCodeLifetime = 60;

std::string param(const Params& query, std::string_view key) {
  const std::string* v = find_param(query, key);
  return v ? *v : std::string{};
}

// base64url of a SHA-256 digest: 43 characters of the base64url alphabet (RFC 7638 §3).
bool is_jwk_thumbprint(const std::string& s) {
  if (s.size() != 43) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// A failure that must not reach the redirect URI (RFC 6749 §4.1.2.1, first paragraph).
Unexpected<AuthorizeFailure> refuse_without_redirect(OAuthError error) {
  error.redirectable = false;
  return fail(AuthorizeFailure{std::move(error), {}, {}});
}

// Grant Management §4.1: grant_management_action create, update or replace;
// update and replace name a grant_id of this client (whose customer the code's
// transaction checks, once she is known). Without an action, a request with
// authorization details makes a new grant and one with scopes only adds to the
// client's standing grant.
Status<OAuthError> grant_management_request(const Params& query, AuthorizeRequest& request,
                                            const AuthorizeContext& context) {
  const std::string* action = find_param(query, "grant_management_action");
  const std::string* grant_id = find_param(query, "grant_id");
  if (!action) {
    if (grant_id) {
      return fail(OAuthError::invalid_request(
          "grant_id needs a grant_management_action of update or replace."));
    }
    request.grant_write =
        request.authorization_details.empty() ? GrantWrite::kStanding : GrantWrite::kCreate;
    return Ok{};
  }
  if (*action == "create") {
    if (grant_id) {
      return fail(OAuthError::invalid_request("grant_id cannot be sent with action create."));
    }
    request.grant_write = GrantWrite::kCreate;
    return Ok{};
  }
  if (*action != "update" && *action != "replace") {
    return fail(OAuthError::invalid_request(
        "grant_management_action must be create, update or replace.", "action " + *action));
  }
  if (!grant_id || grant_id->empty()) {
    return fail(OAuthError::invalid_request("grant_id is required with action " + *action + "."));
  }
  if (!context.grants) return fail(OAuthError::invalid_grant_id("grant management not enabled"));
  auto found = context.grants->find_grant(*grant_id);
  if (!found) return fail(std::move(found.error()));
  if (!*found || (*found)->client_id != request.client.client_id) {
    return fail(OAuthError::invalid_grant_id("grant " + *grant_id + " unknown to client " +
                                             request.client.client_id));
  }
  request.grant_write = *action == "update" ? GrantWrite::kUpdate : GrantWrite::kReplace;
  request.grant_id = *grant_id;
  return Ok{};
}

}  // namespace

Result<AuthorizeRequest, AuthorizeFailure> validate_authorize_request(
    const Params& original_query, const AuthorizeContext& context, RequestSource source) {
  // 1. The client and its redirect URI: until both are proven, nothing may be
  // sent to the redirect URI (no open redirector, RFC 9700 §4.11).
  const std::string* client_id = find_param(original_query, "client_id");
  if (!client_id || client_id->empty()) {
    return refuse_without_redirect(
        OAuthError::invalid_request("The client_id parameter is missing."));
  }
  auto found = context.clients.find_client(*client_id);
  if (!found) return refuse_without_redirect(std::move(found.error()));
  if (!found->has_value()) {
    return refuse_without_redirect(
        OAuthError::invalid_request("The client is not known.", "unknown client_id " + *client_id));
  }
  Client client = std::move(**found);

  // A pushed request (RFC 9126 §4): its parameters are the request. A
  // request_uri Signet did not mint falls through to request_uri_not_supported.
  const Params* in = &original_query;
  Params pushed;
  std::string request_uri;
  if (const std::string* uri = find_param(original_query, "request_uri");
      uri && uri->rfind(kRequestUriPrefix, 0) == 0) {
    if (source == RequestSource::kPushed) {
      return refuse_without_redirect(OAuthError::invalid_request(
          "A pushed request cannot contain a request_uri.", "request_uri in a pushed request"));
    }
    auto params = pushed_request_params(original_query, client, context.pushed, context.clock);
    if (!params) return refuse_without_redirect(std::move(params.error()));
    pushed = std::move(*params);
    request_uri = *uri;
    in = &pushed;
  }
  const Params& query = *in;

  // OAuth 2.1 §4.1.1: redirect_uri is required, even with a single registered URI,
  // and compared by exact string match (RFC 9700 §4.1.3).
  const std::string* redirect_uri = find_param(query, "redirect_uri");
  if (!redirect_uri || redirect_uri->empty()) {
    return refuse_without_redirect(
        OAuthError::invalid_request("The redirect_uri parameter is missing."));
  }
  if (!client.has_redirect_uri(*redirect_uri)) {
    return refuse_without_redirect(OAuthError::invalid_request(
        "The redirect_uri is not registered for this client.",
        "unregistered redirect_uri for client " + client.client_id + ": " + *redirect_uri));
  }

  // From here on, errors go back to the client's redirect URI with its state.
  const std::string state = param(query, "state");
  auto refuse = [&](OAuthError error) {
    return fail(AuthorizeFailure{error.redirect(), *redirect_uri, state});
  };

  // RFC 9126 §5 and §6: a client (or a server) that requires pushed requests
  // takes no other kind.
  if (source == RequestSource::kFrontChannel && request_uri.empty() &&
      (context.require_pushed_requests || client.require_pushed_authorization_requests)) {
    return refuse(OAuthError::invalid_request(
        "This client must send its authorization requests to the pushed authorization "
        "request endpoint.",
        "client " + client.client_id + " requires pushed authorization requests"));
  }

  // 2. Request objects are not supported (OpenID Connect Core §6.3 error codes).
  if (find_param(query, "request")) {
    return refuse(OAuthError::request_not_supported());
  }
  if (request_uri.empty() && find_param(query, "request_uri")) {
    return refuse(OAuthError::request_uri_not_supported());
  }

  // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: only the query
  // mode; another mode is refused, never answered silently in the query.
  if (const std::string* mode = find_param(query, "response_mode"); mode && *mode != "query") {
    return refuse(OAuthError::invalid_request("Only response_mode=query is supported.",
                                              "response_mode " + *mode));
  }

  // 3. Only the code flow (OAuth 2.1 drops implicit and hybrid responses).
  const std::string* response_type = find_param(query, "response_type");
  if (!response_type || response_type->empty()) {
    return refuse(OAuthError::invalid_request("The response_type parameter is missing."));
  }
  if (*response_type != "code") {
    return refuse(OAuthError::unsupported_response_type("Only response_type=code is supported.",
                                                        "response_type " + *response_type));
  }
  if (!client.allows_grant("authorization_code")) {
    return refuse(OAuthError::unauthorized_client(
        "The client may not use the authorization code flow.",
        "client " + client.client_id + " lacks the authorization_code grant"));
  }

  // 4. PKCE with S256, for every client (RFC 9700 §2.1.1; plain is refused).
  const std::string* challenge = find_param(query, "code_challenge");
  if (!challenge || challenge->empty()) {
    return refuse(OAuthError::invalid_request("code_challenge required"));
  }
  const std::string* method = find_param(query, "code_challenge_method");
  if (!method || *method != "S256") {
    return refuse(OAuthError::invalid_request(
        "code_challenge_method must be S256.",
        method ? "code_challenge_method " + *method : "code_challenge_method missing"));
  }
  if (!is_valid_s256_challenge(*challenge)) {
    return refuse(OAuthError::invalid_request("The code_challenge is malformed."));
  }

  // 5. Scope: well formed, non-empty, each one registered for the client.
  auto scopes = parse_scope(param(query, "scope"));
  if (!scopes) return refuse(std::move(scopes.error()));
  // RFC 9396 §3: authorization_details may stand in for scope.
  if (scopes->empty() && !find_param(query, "authorization_details")) {
    return refuse(OAuthError::invalid_scope("The scope parameter is missing."));
  }
  for (const auto& s : *scopes) {
    if (!client.allows_scope(s)) {
      return refuse(OAuthError::invalid_scope("The requested scope is not allowed for this client.",
                                              "client " + client.client_id + " asked for " + s));
    }
  }

  AuthorizeRequest request;
  request.client = std::move(client);
  request.redirect_uri = *redirect_uri;
  request.scopes = std::move(*scopes);
  request.state = state;
  request.code_challenge = *challenge;
  request.nonce = param(query, "nonce");
  request.request_uri = std::move(request_uri);
  // RFC 9449 §10: dpop_jkt binds the code to a key, a JWK SHA-256 thumbprint.
  request.dpop_jkt = param(query, "dpop_jkt");
  if (find_param(query, "dpop_jkt") && !is_jwk_thumbprint(request.dpop_jkt)) {
    return refuse(OAuthError::invalid_request("The dpop_jkt parameter is malformed."));
  }
  // 6. RFC 8707 resource: well formed, registered, and owning the scopes (the
  // token endpoint checks again: the registry may change in between).
  request.resource = param(query, "resource");
  if (find_param(query, "resource")) {
    if (!is_well_formed_resource(request.resource)) {
      return refuse(invalid_target("The resource parameter is malformed."));
    }
    if (context.resources) {
      auto audience = resolve_audience(request.resource, request.scopes, context.resources,
                                       context.default_audience);
      if (!audience) return refuse(std::move(audience.error()));
    }
  }
  // 7. RFC 9396 §2, §5: authorization details of the types registered for the
  // client (none registered: the client may not send them), each valid
  // against its type's schema.
  if (const std::string* text = find_param(query, "authorization_details")) {
    const std::vector<std::string>& types = request.client.authorization_details_types;
    if (!context.detail_types || types.empty()) {
      return refuse(OAuthError::invalid_authorization_details(
          "This client may not send authorization_details.",
          "client " + request.client.client_id + " has no authorization_details_types"));
    }
    auto details = context.detail_types->parse(*text, &types);
    if (!details) return refuse(std::move(details.error()));
    request.authorization_details = std::move(*details);
  }
  // 8. Grant Management §4.1: what happens to the customer's grants.
  auto grant = grant_management_request(query, request, context);
  if (!grant) return refuse(std::move(grant.error()));
  request.params = query;
  return request;
}

Result<std::string, OAuthError> issue_authorization_code(
    const AuthorizeRequest& request, const std::string& subject, int64_t auth_time,
    AuthorizationCodeStore& codes, const Clock& clock, int64_t code_lifetime_seconds,
    const std::string& sid) {
  const int64_t lifetime = std::clamp<int64_t>(code_lifetime_seconds, 1, kMaxCodeLifetime);
  const int64_t now = clock.now();
  std::string code = random_token(32);

  AuthorizationCode row;
  row.code_digest = sha256_b64url(code);
  row.client_id = request.client.client_id;
  row.redirect_uri = request.redirect_uri;
  row.subject = subject;
  row.scopes = request.scopes;
  row.code_challenge = request.code_challenge;
  row.nonce = request.nonce;
  row.resource = request.resource;
  row.auth_time = auth_time;
  row.sid = sid;
  if (!request.request_uri.empty()) row.request_uri_digest = sha256_b64url(request.request_uri);
  row.dpop_jkt = request.dpop_jkt;
  row.authorization_details = request.authorization_details.dump();
  row.grant_write = request.grant_write;
  // A new grant's id (used by the standing grant only when it has none yet).
  row.grant_id = request.grant_id.empty() ? random_token(16) : request.grant_id;
  row.issued_at = now;
  row.expires_at = now + lifetime;

  auto saved = codes.save_code(row);
  if (!saved) return fail(std::move(saved.error()));
  return code;
}

std::string success_redirect(const std::string& redirect_uri, const std::string& code,
                             const std::string& state, const std::string& issuer) {
  std::vector<std::pair<std::string, std::string>> pairs{{"code", code}};
  if (!state.empty()) pairs.emplace_back("state", state);
  pairs.emplace_back("iss", issuer);
  return append_query(redirect_uri, pairs);
}

std::string error_redirect(const std::string& redirect_uri, const OAuthError& error,
                           const std::string& state, const std::string& issuer) {
  std::vector<std::pair<std::string, std::string>> pairs{{"error", error.code}};
  if (!error.description.empty()) pairs.emplace_back("error_description", error.description);
  if (!state.empty()) pairs.emplace_back("state", state);
  pairs.emplace_back("iss", issuer);
  return append_query(redirect_uri, pairs);
}

}  // namespace signet::protocol
