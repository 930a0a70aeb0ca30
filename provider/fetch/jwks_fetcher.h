// Fetches a client's JWKS from its jwks_uri (RFC 7591 §2) with libcurl: https
// only (http too when private addresses are allowed, for development), no
// redirects, at most 64 KiB within 3 s, status 200 only, and never from a
// private address unless the operator allows it (SIGNET_ALLOW_PRIVATE_JWKS_URI).
#pragma once

#include <string>

#include "protocol/token/client_assertion.h"

namespace signet::fetch {

class CurlJwksFetcher final : public protocol::JwksFetcher {
 public:
  explicit CurlJwksFetcher(bool allow_private_addresses);
  Result<std::string, protocol::OAuthError> fetch_jwks(const std::string& uri) override;

 private:
  const bool allow_private_;
};

}  // namespace signet::fetch
