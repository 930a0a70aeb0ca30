#include "http/grant_handlers.h"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "common/bearer.h"
#include "protocol/grant_management.h"

namespace signet::http {
namespace {

using protocol::GrantApiError;
using protocol::GrantApiProblem;

constexpr std::string_view kGrantsPrefix = "/grants/";

// The {grant_id} of /grants/{grant_id}; the router matched the shape.
std::string grant_id_of(const Incoming& in) {
  std::string_view path = in.path;
  if (path.substr(0, kGrantsPrefix.size()) != kGrantsPrefix) return {};
  return std::string(path.substr(kGrantsPrefix.size()));
}

// §6.6: the API's errors, with RFC 6750 §3 challenges for token problems.
Answer grant_api_error(const GrantApiError& e) {
  switch (e.problem) {
    case GrantApiProblem::kInvalidToken:
      return bearer_error(401, "invalid_token", "The access token is invalid or expired.");
    case GrantApiProblem::kDpopBound:
      return bearer_error(401, "invalid_token",
                          "The access token is DPoP-bound: send it with the DPoP scheme and a "
                          "DPoP proof of its key.");
    case GrantApiProblem::kInsufficientScope:
      return bearer_error(403, "insufficient_scope",
                          "The access token lacks the " + e.required_scope + " scope.",
                          e.required_scope);
    case GrantApiProblem::kNotFound:
      return json_answer(404,
                         {{"error", "invalid_grant_id"}, {"error_description", "No such grant."}});
    case GrantApiProblem::kStore:
      break;
  }
  return oauth_error_json(e.store_error.value_or(
      protocol::OAuthError::server_error("grant management failed without a cause")));
}

// The caller's access token and the key its DPoP proof proved, or the answer
// that refuses the request (RFC 6750 §3.1, RFC 9449 §7.1).
struct Presented {
  std::string token;
  std::string proof_jkt;  // "" = no DPoP proof
  std::optional<Answer> refusal;
};

// `DPoP <token>` takes the token68 rule of Bearer (RFC 9449 §7.1).
bool is_dpop_scheme(std::string_view header) {
  if (header.size() < 5 || header[4] != ' ') return false;
  std::string scheme(header.substr(0, 4));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "dpop";
}

Presented presented_token(Services& s, const Incoming& in, std::string_view method) {
  std::optional<std::string_view> authorization;
  std::string as_bearer;
  const bool dpop = in.authorization && is_dpop_scheme(*in.authorization);
  if (dpop) {
    as_bearer = "Bearer" + in.authorization->substr(4);
    authorization = as_bearer;
  } else if (in.authorization) {
    authorization = *in.authorization;
  }
  auto token = parse_bearer_authorization(authorization);
  if (!token && token.error() == BearerProblem::kNoCredentials) {
    return {{}, {}, bearer_error(401, "", "")};
  }
  if (!token) {
    return {{},
            {},
            bearer_error(400, "invalid_request",
                         "The Authorization header is not a well-formed Bearer token.")};
  }
  Presented p{std::string(*token), {}, std::nullopt};
  if (!dpop) return p;
  // The proof must be for this method and URL and carry the token's hash (ath).
  if (!s.dpop || !in.dpop) {
    p.refusal = bearer_error(401, "invalid_token", "The DPoP scheme needs a DPoP proof.");
    return p;
  }
  auto jkt = s.dpop->verify(in.dpop, in.path, method, p.token);
  if (!jkt) {
    Answer a = oauth_error_json(jkt.error());
    if (jkt.error().code == "use_dpop_nonce") a.dpop_nonce = jkt.error().dpop_nonce;
    p.refusal = std::move(a);
    return p;
  }
  p.proof_jkt = jkt->value_or(std::string());
  return p;
}

}  // namespace

Answer handle_grant_query(Services& s, const Incoming& in) {
  if (!s.grants || !s.lifecycle) {
    return oauth_error_json(protocol::OAuthError::server_error("grant store missing"));
  }
  Presented p = presented_token(s, in, "GET");
  if (p.refusal) return *p.refusal;
  const auto ring = s.keys.current();  // kept for the whole verification (keys rotate)
  protocol::GrantApi api{*ring,     s.config.issuer, *s.lifecycle,
                         *s.grants, s.clock.now(),   p.proof_jkt};
  auto r = api.query(p.token, grant_id_of(in));
  if (!r) return grant_api_error(r.error());
  return json_answer(200, *r);  // no-store by default
}

Answer handle_grant_revoke(Services& s, const Incoming& in) {
  if (!s.grants || !s.lifecycle) {
    return oauth_error_json(protocol::OAuthError::server_error("grant store missing"));
  }
  Presented p = presented_token(s, in, "DELETE");
  if (p.refusal) return *p.refusal;
  const auto ring = s.keys.current();
  protocol::GrantApi api{*ring,     s.config.issuer, *s.lifecycle,
                         *s.grants, s.clock.now(),   p.proof_jkt};
  auto r = api.revoke(p.token, grant_id_of(in));
  if (!r) return grant_api_error(r.error());
  s.audit->record({"grant.revoked",
                   r->client_id,
                   r->subject,
                   in.request_id,
                   in.client_address,
                   {{"grant_id", r->grant_id}, {"via", "grant_management"}}});
  Answer a;
  a.status = 204;
  a.content_type.clear();
  return a;
}

}  // namespace signet::http
