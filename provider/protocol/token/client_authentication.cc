// Client authentication at the token endpoint (RFC 6749 §2.3.1, §3.2.1).
#include "protocol/token/client_authentication.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::protocol {
namespace {

// One description for an unknown client, a wrong secret and a missing secret, so
// the answer does not tell which client ids exist.
constexpr const char* kAuthFailed = "Client authentication failed.";

struct Credentials {
  std::string client_id;
  std::optional<std::string> secret;  // nullopt: no secret presented (public client)
  bool basic = false;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "Basic" SP token68 (RFC 7617 §2); the scheme is case-insensitive (RFC 9110 §11.1).
Result<Credentials, OAuthError> parse_basic(std::string_view header) {
  auto malformed = [](const char* why) {
    return fail(OAuthError::invalid_client("The Authorization header is malformed.", why));
  };
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos || !iequals(header.substr(0, sp), "basic")) {
    return malformed("authorization scheme is not Basic");
  }
  std::string_view token = header.substr(sp + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = base64_decode(token);
  if (!decoded) return malformed("Basic credentials are not valid base64");
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return malformed("Basic credentials lack a ':'");
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
  auto id = percent_decode(std::string_view(*decoded).substr(0, colon));
  auto secret = percent_decode(std::string_view(*decoded).substr(colon + 1));
  if (!id || !secret) return malformed("Basic credentials have a bad percent-encoding");
  return Credentials{std::move(*id), std::move(*secret), true};
}

bool has_assertion(const TokenRequest& request) {
  return find_param(request.form, "client_assertion") ||
         find_param(request.form, "client_assertion_type");
}

Result<Credentials, OAuthError> extract_credentials(const TokenRequest& request) {
  const std::string* form_id = find_param(request.form, "client_id");
  const std::string* form_secret = find_param(request.form, "client_secret");

  if (request.authorization) {
    auto basic = parse_basic(*request.authorization);
    if (!basic) return basic;
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
    if (form_secret) {
      return fail(OAuthError::invalid_request(
          "Use only one client authentication method.",
          "client_secret in body together with an Authorization header"));
    }
    if (form_id && *form_id != basic->client_id) {
      return fail(OAuthError::invalid_request("The client_id does not match the credentials.",
                                              "body client_id differs from Basic client_id"));
    }
    return basic;
  }
  if (!form_id || form_id->empty()) {
    return fail(OAuthError::invalid_client("Client authentication is required.",
                                           "no Authorization header and no client_id"));
  }
  if (form_secret) return Credentials{*form_id, *form_secret, false};
  return Credentials{*form_id, std::nullopt, false};
}

}  // namespace

std::string presented_client_id(const TokenRequest& request) {
  if (has_assertion(request)) {
    const std::string* assertion = find_param(request.form, "client_assertion");
    return assertion ? ClientAssertionVerifier::asserted_client_id(*assertion) : std::string();
  }
  auto creds = extract_credentials(request);
  return creds ? creds->client_id : std::string();
}

// RFC 7523 §2.2 and RFC 7521 §4.2: client_assertion_type and client_assertion,
// the client named by the assertion (and by client_id, if sent, the same one).
Result<Client, OAuthError> ClientAuthenticator::authenticate_assertion(
    const TokenRequest& request) const {
  const std::string* type = find_param(request.form, "client_assertion_type");
  const std::string* assertion = find_param(request.form, "client_assertion");
  if (request.authorization || find_param(request.form, "client_secret")) {
    return fail(OAuthError::invalid_request("Use only one client authentication method.",
                                            "client assertion together with a secret"));
  }
  if (!type || !assertion || assertion->empty()) {
    return fail(OAuthError::invalid_request(
        "client_assertion_type and client_assertion must be sent together."));
  }
  if (*type != kJwtBearerAssertionType) {
    return fail(OAuthError::invalid_client(kAuthFailed, "client_assertion_type " + *type));
  }
  const std::string client_id = ClientAssertionVerifier::asserted_client_id(*assertion);
  if (client_id.empty()) {
    return fail(OAuthError::invalid_client(kAuthFailed, "unreadable client assertion"));
  }
  if (const std::string* form_id = find_param(request.form, "client_id");
      form_id && *form_id != client_id) {
    return fail(OAuthError::invalid_request("The client_id does not match the credentials.",
                                            "body client_id differs from the assertion's iss"));
  }
  auto found = clients_.find_client(client_id);
  if (!found) return fail(std::move(found.error()));
  if (!found->has_value()) {
    return fail(OAuthError::invalid_client(kAuthFailed, "unknown client " + client_id));
  }
  if (!(*found)->uses_private_key_jwt()) {
    return fail(OAuthError::invalid_client(
        kAuthFailed, "client " + client_id + " is not registered for private_key_jwt"));
  }
  auto verified = assertions_.verify(*assertion, **found);
  if (!verified) return fail(std::move(verified.error()));
  return std::move(**found);
}

Result<Client, OAuthError> ClientAuthenticator::authenticate(const TokenRequest& request) const {
  if (has_assertion(request)) return authenticate_assertion(request);
  ClientStore& clients = clients_;
  auto creds = extract_credentials(request);
  if (!creds) return fail(std::move(creds.error()));
  if (creds->client_id.empty())
    return fail(OAuthError::invalid_client(kAuthFailed, "empty client_id"));

  auto found = clients.find_client(creds->client_id);
  if (!found) return fail(std::move(found.error()));

  if (creds->secret) {
    // Hash and compare even for an unknown client, so its absence costs the same time.
    const std::string presented = sha256_b64url(*creds->secret);
    const bool known = found->has_value();
    const std::string expected =
        known ? (*found)->secret_digest : std::string(presented.size(), '\0');
    const bool match = constant_time_equal(presented, expected);
    if (!known) {
      return fail(OAuthError::invalid_client(kAuthFailed, "unknown client " + creds->client_id));
    }
    if ((*found)->is_public || (*found)->secret_digest.empty()) {
      return fail(OAuthError::invalid_client(
          kAuthFailed, "public client " + creds->client_id + " presented a secret"));
    }
    if (!match) {
      return fail(
          OAuthError::invalid_client(kAuthFailed, "wrong secret for client " + creds->client_id));
    }
    return std::move(**found);
  }

  // No secret: only a public client may authenticate this way ("none").
  if (!found->has_value()) {
    return fail(OAuthError::invalid_client(kAuthFailed, "unknown client " + creds->client_id));
  }
  if (!(*found)->is_public) {
    return fail(OAuthError::invalid_client(
        kAuthFailed, "confidential client " + creds->client_id + " sent no secret"));
  }
  return std::move(**found);
}

}  // namespace signet::protocol
