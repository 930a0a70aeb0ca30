// bank-api configuration, read once from the environment at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace signet::bank {

struct Config {
  std::string database_url;                        // BANK_API_DATABASE_URL (required)
  std::string issuer;                              // BANK_API_ISSUER (required)
  std::string listen_host = "127.0.0.1";           // BANK_API_LISTEN host part
  uint16_t listen_port = 8081;                     // BANK_API_LISTEN port part
  std::string audience = "http://127.0.0.1:8081";  // BANK_API_AUDIENCE: this API's URL
  std::string jwks_uri;                            // BANK_API_JWKS_URI (optional)
  // BANK_API_PUBLIC_URL: the base URL clients call this API at (behind a proxy,
  // the proxy's); DPoP proofs must name it plus the path (RFC 9449 §4.3 htu).
  // Default: http://<BANK_API_LISTEN>. No trailing slash.
  std::string public_url;
  // BANK_API_JWKS_REFRESH_SECONDS: the JWKS is refetched at least this often, so a
  // withdrawn signing key stops being accepted within it.
  int jwks_refresh_seconds = 60;
  // The revocation feed (README "Revocation feed"): bank-api authenticates as a
  // confidential client acting for its audience (signet resource update
  // AUDIENCE --add-client ID). BANK_API_CLIENT_ID / BANK_API_CLIENT_SECRET, both
  // or neither; BANK_API_REVOCATION_FEED on|off, default on with credentials.
  std::string client_id;
  std::string client_secret;
  bool revocation_feed = false;
  std::string revocation_feed_url;  // BANK_API_REVOCATION_FEED_URL; default {issuer}/revocations
  int revocation_poll_ms = 1000;    // BANK_API_REVOCATION_POLL_MS
  // BANK_API_FAIL_CLOSED_AFTER_SECONDS: payments (write:payments, or under a
  // payment_initiation authorization detail) are refused with 503 once the feed
  // has not synced for this long; reads keep working.
  int fail_closed_after_seconds = 30;
  int threads = 0;  // BANK_API_THREADS: Pistache I/O threads; 0: one per usable CPU
  int workers = 4;  // BANK_API_WORKERS: database workers = pool size

  std::string listen_address() const;  // "host:port" as Pistache takes it
};

// Reads the settings through `getenv` (std::getenv by default). On a bad
// setting, Error::code is the variable's name and Error::message says why.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
Result<Config> load_config(const EnvLookup& getenv = {});

// An http(s) URL for an issuer or JWKS: https, or http only with a loopback
// host (127.0.0.0/8, ::1, localhost). No userinfo, query or fragment.
bool is_acceptable_url(const std::string& url, std::string* why);

}  // namespace signet::bank
