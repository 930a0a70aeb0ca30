// Signet's settings: read once at start from the environment (SIGNET_*) and,
// optionally, a JSON file (SIGNET_CONFIG, schemas/config.schema.json); the
// environment wins. A bad setting fails with one line that names it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/address_range.h"
#include "common/result.h"

namespace signet::config {

struct Config {
  std::string database_url;
  std::string issuer = "http://127.0.0.1:8080";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  // The admin listener for GET /metrics (SIGNET_METRICS_LISTEN); port 0: off.
  std::string metrics_host;
  uint16_t metrics_port = 0;
  std::string master_key;  // 32 raw bytes; empty when not given
  int64_t access_token_ttl = 600;
  int64_t code_ttl = 60;
  // RFC 9126: how long a pushed request_uri lives (it must outlast the customer's
  // sign-in and consent); FAPI 2.0 keeps it under 600 s.
  int64_t pushed_request_ttl = 300;
  // RFC 9126 §5: every client must push its authorization requests.
  bool require_pushed_authorization_requests = false;
  // A client's jwks_uri may point to a private or loopback address, over http
  // too (development and tests only: in production it opens an SSRF hole).
  bool allow_private_jwks_uri = false;
  // RFC 9449 §8: DPoP proofs at /token and /par must carry a nonce Signet issued
  // (derived from the master key and the time, so every replica knows it).
  bool dpop_nonces = true;
  int64_t session_ttl = 8 * 3600;
  int64_t refresh_token_ttl = 14 * 86400;          // sliding, renewed at each rotation
  int64_t refresh_token_max_age = 90 * 86400;      // absolute, from the code redemption
  std::string audience = "http://127.0.0.1:8081";  // the demo bank-api's URL (RFC 8707)
  // Where the consent page finds the customer's accounts to choose from (RFC 9396
  // §7.1 enrichment); "" = nowhere: account_information with an empty list is
  // refused. Called with a short-lived token for account_directory_audience
  // ("" = audience), scope accounts:directory, client_id the issuer.
  std::string account_directory_url;
  std::string account_directory_audience;
  std::string signing_alg = "ES256";
  int http_threads = 0;  // 0: one per CPU this process may run on (common/cpus.h)
  int workers = 8;
  // Seconds a new signing key is published in /jwks before it signs (app/key_watcher.h).
  int64_t key_publish_delay = 300;
  int64_t max_request_bytes = 64 * 1024;
  // On SIGTERM, how long to wait for the requests in flight before stopping.
  int64_t shutdown_grace_seconds = 20;
  // Refresh-token records kept in memory for introspection (store/refresh_token_cache.h); 0 off.
  int64_t introspection_cache_entries = 100000;

  // Throttling (protocol/throttle.h); 0 turns a limit off.
  int64_t login_max_failures = 5;  // per account, within login_failure_window
  int64_t login_lockout_seconds = 900;
  int64_t login_failure_window = 900;  // seconds, for both login counts
  int64_t login_max_failures_per_address = 50;
  int64_t token_rate_per_client = 1000;  // requests per second
  int64_t token_burst_per_client = 2000;
  int64_t token_max_auth_failures_per_address = 100;  // within login_failure_window

  // Reverse proxies whose X-Forwarded-For names the client (http/forwarded_for.h);
  // empty: the connection's address is the client's.
  AddressRanges trusted_proxies;

  // Slow clients: a connection is closed when its headers (or its body) have not
  // all arrived within these many seconds (slowloris).
  int64_t header_timeout_seconds = 10;
  int64_t body_timeout_seconds = 20;

  // Cookies get the Secure attribute when the issuer is https.
  bool secure_cookies() const { return issuer.rfind("https://", 0) == 0; }
};

using Getenv = std::function<const char*(const char*)>;

// Reads the file named by SIGNET_CONFIG (if any), then the environment.
Result<Config> load_config(const Getenv& getenv);

// Checks what `signet serve` needs beyond load_config: a master key.
Result<Ok> require_serving_settings(const Config& config);

// True for 127.0.0.0/8, ::1 and "localhost": where plain http is tolerated.
bool is_loopback_host(const std::string& host);

// Splits "http(s)://host[:port]/path" into host; nullopt when not an absolute http(s) URL.
std::optional<std::string> url_host(const std::string& url);

}  // namespace signet::config
