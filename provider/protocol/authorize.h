// The authorization endpoint's rules (RFC 6749 §4.1.1, RFC 7636, RFC 9207,
// OAuth 2.1 / RFC 9700). Transport-free: http/ supplies the query parameters
// and turns the outcome into a page or a redirect.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include "common/clock.h"
#include "common/form.h"
#include "common/result.h"

#include "protocol/authorization_details.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/pushed_request.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"

namespace signet::protocol {

// A request that passed every check and may proceed to login and consent.
struct AuthorizeRequest {
  Client client;
  std::string redirect_uri;
  std::vector<std::string> scopes;  // requested, de-duplicated, in request order
  std::string state;
  std::string code_challenge;  // method is S256
  std::string nonce;
  std::string resource;  // RFC 8707; checked against the registry at /token
  // RFC 9126: the request_uri the request came by ("" = sent in the query); only
  // client_id and it travel through sign-in and consent, and issuing the code spends it.
  std::string request_uri;
  Params params;  // the request's parameters (a pushed request's, with Signet's own marks)
  // RFC 9449 §10: the DPoP key the code will be bound to ("" = none).
  std::string dpop_jkt;
  // RFC 9396: the validated authorization_details array (empty = none).
  nlohmann::json authorization_details = nlohmann::json::array();
  // FAPI Grant Management §4.1: how the authorization changes the customer's
  // grants, and the grant it names (update, replace).
  GrantWrite grant_write = GrantWrite::kStanding;
  std::string grant_id;

  // The customer must see this request: it carries details, or it names what
  // happens to a grant (a returning customer's consent covers neither).
  bool needs_consent_page() const {
    return !authorization_details.empty() || grant_write != GrantWrite::kStanding;
  }
};

// What the checks read. `resources` may be null (no resource registry).
struct AuthorizeContext {
  AuthorizeContext(ClientStore& client_store, PushedRequestStore& pushed_requests,
                   const Clock& time, ResourceStore* resource_store = nullptr,
                   std::string audience = {}, bool require_pushed = false,
                   const AuthorizationDetailsTypes* details_types = nullptr,
                   GrantStore* grant_store = nullptr)
      : clients(client_store),
        pushed(pushed_requests),
        clock(time),
        resources(resource_store),
        default_audience(std::move(audience)),
        require_pushed_requests(require_pushed),
        detail_types(details_types),
        grants(grant_store) {}

  ClientStore& clients;
  PushedRequestStore& pushed;
  const Clock& clock;
  ResourceStore* resources = nullptr;
  std::string default_audience;
  // RFC 9126 §5: every client must push its requests (server metadata
  // require_pushed_authorization_requests); a client can ask it for itself (§6).
  bool require_pushed_requests = false;
  // RFC 9396: the authorization details types (null: the parameter is refused).
  const AuthorizationDetailsTypes* detail_types = nullptr;
  // Grant Management: where a named grant_id is looked up (null: refused).
  GrantStore* grants = nullptr;
};

// Where the parameters come from: the browser's query (or form), or the body of
// a pushed request being checked before it is stored (RFC 9126 §2.1).
enum class RequestSource { kFrontChannel, kPushed };

// Why a request was refused. When error.redirectable is false the user agent
// must NOT be redirected (unknown client, unregistered redirect URI): show a page.
struct AuthorizeFailure {
  OAuthError error;
  std::string redirect_uri;  // set when redirectable
  std::string state;
};

// Checks, in this order: client_id; a pushed request_uri, whose parameters then
// replace the query (pushed_request.h; never redirected when refused); a client
// that must push (or a server that requires it) refused without one;
// redirect_uri (exact match; never redirect when either is wrong; a registered
// loopback IP literal matches on any port, RFC 8252 §7.3), then response_mode
// (query only), response_type=code,
// PKCE S256 with a
// well-formed challenge (plain refused), scope within the client's allowed set
// (empty scope is invalid_scope unless authorization_details are asked), and a
// client allowed the authorization_code grant. With a resource registry, a
// `resource` must be registered and own the scopes (RFC 8707 §2: invalid_target
// at the authorization endpoint already). Then authorization_details (RFC 9396
// §5: each of a type registered for the client and valid against its schema),
// and grant_management_action with grant_id (Grant Management §4.1: the grant
// must exist and be this client's).
Result<AuthorizeRequest, AuthorizeFailure> validate_authorize_request(
    const Params& query, const AuthorizeContext& context,
    RequestSource source = RequestSource::kFrontChannel);

// True when the user must be asked: some requested scope was never granted.
bool consent_required(const std::vector<std::string>& requested,
                      const std::vector<std::string>& granted);

// Mints a code bound to the request's client, redirect URI and PKCE challenge,
// stores only its digest, and returns the code itself. `sid` is the session's
// OpenID Connect sid for the ID token ("" = none).
Result<std::string, OAuthError> issue_authorization_code(
    const AuthorizeRequest& request, const std::string& subject, int64_t auth_time,
    AuthorizationCodeStore& codes, const Clock& clock, int64_t code_lifetime_seconds,
    const std::string& sid = {});

// The redirect URI carrying code, state and iss (RFC 6749 §4.1.2, RFC 9207).
std::string success_redirect(const std::string& redirect_uri, const std::string& code,
                             const std::string& state, const std::string& issuer);

// The redirect URI carrying error, error_description, state and iss (§4.1.2.1).
std::string error_redirect(const std::string& redirect_uri, const OAuthError& error,
                           const std::string& state, const std::string& issuer);

// Splits a space-delimited scope string (RFC 6749 §3.3); empty items dropped,
// duplicates kept once, order kept. Fails on characters outside %x21 / %x23-5B / %x5D-7E.
Result<std::vector<std::string>, OAuthError> parse_scope(const std::string& scope);
std::string join_scope(const std::vector<std::string>& scopes);

}  // namespace signet::protocol
