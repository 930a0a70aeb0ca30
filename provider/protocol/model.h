// What the protocol talks about: clients, users, scopes, authorization codes,
// sessions, consents. Plain data; how it is stored is the store's business.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::protocol {

// A registered client (RFC 6749 §2; metadata names from RFC 7591).
struct Client {
  std::string client_id;
  std::string client_name;
  bool is_public = false;     // token_endpoint_auth_method "none"
  std::string secret_digest;  // sha256_b64url(client_secret); empty when public
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scopes;          // what it may ask for
  std::vector<std::string> grant_types;     // "authorization_code", "client_credentials"
  std::optional<int64_t> access_token_ttl;  // seconds; unset: the server's default
  // OpenID Connect: the ID token's alg ("RS256" default, or "ES256"), and the
  // exact URIs allowed after RP-initiated logout.
  std::string id_token_signed_response_alg = "RS256";
  std::vector<std::string> post_logout_redirect_uris;
  // RFC 9126 §6: this client's authorization requests must be pushed (POST /par).
  bool require_pushed_authorization_requests = false;
  // RFC 7591 §2: how it authenticates at /token, /par, /revoke and /introspect:
  // client_secret_basic or client_secret_post (either is accepted), none (public),
  // or private_key_jwt (RFC 7523 §2.2) with the public keys below.
  std::string token_endpoint_auth_method = "client_secret_basic";
  std::string jwks;      // private_key_jwt: a JWKS (RFC 7517 §5) as JSON text, or ""
  std::string jwks_uri;  // ...or where to fetch it ("" = none)
  std::string token_endpoint_auth_signing_alg;  // "" = any of ES256, PS256, EdDSA

  // RFC 9449 §5.2: every access token of this client is DPoP-bound (a token
  // request without a proof is refused).
  bool dpop_bound_access_tokens = false;
  // RFC 9396 §10: the types of authorization_details it may ask for (empty: none).
  std::vector<std::string> authorization_details_types;

  bool uses_private_key_jwt() const { return token_endpoint_auth_method == "private_key_jwt"; }
  // The FAPI 2.0 Security Profile's client (§5.3.2): sender-constrained at the
  // token endpoint (private_key_jwt), pushed requests only, DPoP-bound tokens.
  // Its refresh tokens are not rotated (§5.3.2.1 item 9).
  bool follows_fapi2() const {
    return uses_private_key_jwt() && require_pushed_authorization_requests &&
           dpop_bound_access_tokens;
  }

  bool allows_grant(std::string_view g) const {
    return std::find(grant_types.begin(), grant_types.end(), g) != grant_types.end();
  }
  bool allows_scope(std::string_view s) const {
    return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
  }
  // RFC 9700 §4.1.3: exact string comparison, no pattern or prefix; the one
  // exception is the port of a registered loopback IP literal (model.cc).
  bool has_redirect_uri(std::string_view uri) const;
};

// An http URI on a loopback IP literal (RFC 8252 §7.3: http://127.0.0.1 or
// http://[::1], any port).
bool is_loopback_ip_uri(std::string_view uri);

struct User {
  std::string subject;  // stable, opaque id (uuid); the `sub` claim
  std::string username;
  std::string name;
  std::string email;
  bool email_verified = false;
  std::string password_hash;  // PHC string, e.g. $argon2id$...
};

// A scope from the registry, with the sentence shown on the consent page.
struct ScopeDescription {
  std::string name;
  std::string description;
};

// How an authorization changes the customer's grants (FAPI Grant Management §4.1,
// grant_management_action).
enum class GrantWrite {
  kStanding,  // no action, plain scopes: added to the client's standing grant
  kCreate,    // a new grant (action create, or authorization details without an action)
  kUpdate,    // action update: added to the named grant
  kReplace,   // action replace: the named grant becomes exactly this; its tokens end
};

// A grant: what one customer allowed one client (FAPI Grant Management).
struct Grant {
  std::string grant_id;
  std::string subject;
  std::string client_id;
  std::string client_name;  // filled by listings for the connected-apps page
  std::vector<std::string> scopes;
  std::string authorization_details = "[]";  // JSON array text (RFC 9396)
  bool standing = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// An authorization code as stored: only its digest, never the code itself.
struct AuthorizationCode {
  std::string code_digest;  // sha256_b64url(code)
  std::string client_id;
  std::string redirect_uri;
  std::string subject;
  std::vector<std::string> scopes;
  std::string code_challenge;  // S256 only (RFC 7636 §4.2)
  std::string nonce;
  std::string resource;  // RFC 8707 resource of the request; empty: none
  int64_t auth_time = 0;
  std::string sid;  // the session's OpenID Connect sid, for the ID token; "" = none
  // The pushed request (RFC 9126) the code answers, "" = none: saving the code
  // spends it in the same transaction, and fails when it was already spent.
  std::string request_uri_digest;
  // RFC 9449 §10: the thumbprint of the DPoP key the code is bound to ("" = none).
  std::string dpop_jkt;
  // RFC 9396: the authorization details the customer approved, as a JSON array
  // (text), with her choice of accounts (§7.1); "[]" = none.
  std::string authorization_details = "[]";
  // The grant the code is issued under (Grant Management). Saving the code
  // writes the grant as `grant_write` says, in the same transaction, and sets
  // grant_id, scopes and authorization_details to the grant's.
  std::string grant_id;
  GrantWrite grant_write = GrantWrite::kStanding;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> used_at;  // set on redemption; a second use is a replay
};

// A browser login session, stored by the digest of its cookie value.
struct Session {
  std::string id_digest;
  std::string subject;
  std::string csrf_token;
  int64_t auth_time = 0;
  int64_t expires_at = 0;
};

}  // namespace signet::protocol
