#include "config/config.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace signet::config {
namespace {

Unexpected<Error> bad(const std::string& name, const std::string& why) {
  return fail("config", name + ": " + why);
}

Result<int64_t> parse_int(const std::string& name, const std::string& text, int64_t min,
                          int64_t max) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return bad(name, "must be a whole number, got \"" + text + "\"");
  }
  if (v < min || v > max) {
    return bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

Result<std::string> parse_master_key(const std::string& name, std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() != 64) return bad(name, "must be 64 hexadecimal characters (32 bytes)");
  std::string key;
  for (size_t i = 0; i < 64; i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
    if (ec != std::errc() || p != text.data() + i + 2) {
      return bad(name, "must be 64 hexadecimal characters (32 bytes)");
    }
    key += static_cast<char>(v);
  }
  return key;
}

Result<std::string> read_file(const std::string& name, const std::string& path) {
  std::ifstream in(path);
  if (!in) return bad(name, "cannot read file \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One setting: its environment name, its JSON file name, and how to apply a value.
struct Setting {
  const char* env;
  const char* json;
  std::function<Result<Ok>(Config&, const std::string& name, const std::string& value)> apply;
  bool list = false;  // the file may give a JSON list of strings
};

Result<Ok> set_int(const std::string& name, const std::string& v, int64_t min, int64_t max,
                   int64_t& out) {
  auto r = parse_int(name, v, min, max);
  if (!r) return fail(r.error());
  out = *r;
  return Ok{};
}

Result<Ok> parse_host_port(const std::string& name, const std::string& v, std::string& host,
                           uint16_t& port_out) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad(name, "must be HOST:PORT");
  auto port = parse_int(name, v.substr(colon + 1), 1, 65535);
  if (!port) return fail(port.error());
  host = v.substr(0, colon);
  port_out = static_cast<uint16_t>(*port);
  return Ok{};
}

Result<Ok> set_listen(Config& c, const std::string& name, const std::string& v) {
  return parse_host_port(name, v, c.listen_host, c.listen_port);
}

Result<Ok> set_metrics_listen(Config& c, const std::string& name, const std::string& v) {
  if (v.empty()) {  // off
    c.metrics_host.clear();
    c.metrics_port = 0;
    return Ok{};
  }
  return parse_host_port(name, v, c.metrics_host, c.metrics_port);
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> s = {
      {"SIGNET_DATABASE_URL", "database_url",
       [](Config& c, const std::string&, const std::string& v) -> Result<Ok> {
         c.database_url = v;
         return Ok{};
       }},
      {"SIGNET_ISSUER", "issuer",
       [](Config& c, const std::string&, const std::string& v) -> Result<Ok> {
         c.issuer = v;
         return Ok{};
       }},
      {"SIGNET_LISTEN", "listen", set_listen},
      {"SIGNET_METRICS_LISTEN", "metrics_listen", set_metrics_listen},
      {"SIGNET_MASTER_KEY", "master_key",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         auto k = parse_master_key(n, v);
         if (!k) return fail(k.error());
         c.master_key = *k;
         return Ok{};
       }},
      {"SIGNET_MASTER_KEY_FILE", "master_key_file",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         auto text = read_file(n, v);
         if (!text) return fail(text.error());
         auto k = parse_master_key(n, *text);
         if (!k) return fail(k.error());
         c.master_key = *k;
         return Ok{};
       }},
      {"SIGNET_ACCESS_TOKEN_TTL", "access_token_ttl",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 5, 86400, c.access_token_ttl);
       }},
      {"SIGNET_CODE_TTL", "code_ttl",
       [](Config& c, const std::string& n, const std::string& v) {
         // RFC 9700 §4.2.1 / the core rules: codes live 60 s at most.
         return set_int(n, v, 1, 60, c.code_ttl);
       }},
      {"SIGNET_PUSHED_REQUEST_TTL", "pushed_request_ttl",
       [](Config& c, const std::string& n, const std::string& v) {
         // RFC 9126 §2.2 (short-lived), FAPI 2.0 Security Profile §5.3.2.2 (under 600 s).
         return set_int(n, v, 30, 599, c.pushed_request_ttl);
       }},
      {"SIGNET_REQUIRE_PUSHED_AUTHORIZATION_REQUESTS", "require_pushed_authorization_requests",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v != "true" && v != "false") return bad(n, "must be true or false");
         c.require_pushed_authorization_requests = v == "true";
         return Ok{};
       }},
      {"SIGNET_ALLOW_PRIVATE_JWKS_URI", "allow_private_jwks_uri",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v != "true" && v != "false") return bad(n, "must be true or false");
         c.allow_private_jwks_uri = v == "true";
         return Ok{};
       }},
      {"SIGNET_DPOP_NONCES", "dpop_nonces",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v != "true" && v != "false") return bad(n, "must be true or false");
         c.dpop_nonces = v == "true";
         return Ok{};
       }},
      {"SIGNET_SESSION_TTL", "session_ttl",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 60, 30 * 86400, c.session_ttl);
       }},
      {"SIGNET_REFRESH_TOKEN_TTL", "refresh_token_ttl",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 5, 365 * 86400, c.refresh_token_ttl);
       }},
      {"SIGNET_REFRESH_TOKEN_MAX_AGE", "refresh_token_max_age",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 5, 5 * 365 * 86400, c.refresh_token_max_age);
       }},
      {"SIGNET_AUDIENCE", "audience",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v.empty()) return bad(n, "must not be empty");
         c.audience = v;
         return Ok{};
       }},
      {"SIGNET_ACCOUNT_DIRECTORY_URL", "account_directory_url",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         // The consent page lists the customer's accounts from here (README
         // "Rich authorization requests"); https, or http on a loopback address.
         const bool https = v.rfind("https://", 0) == 0;
         const bool loopback_http =
             v.rfind("http://127.", 0) == 0 || v.rfind("http://[::1]", 0) == 0 ||
             v.rfind("http://localhost:", 0) == 0 || v.rfind("http://localhost/", 0) == 0;
         if (!https && !loopback_http) {
           return bad(n, "must be an https URL, or http on a loopback address");
         }
         c.account_directory_url = v;
         return Ok{};
       }},
      {"SIGNET_ACCOUNT_DIRECTORY_AUDIENCE", "account_directory_audience",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v.empty()) return bad(n, "must not be empty");
         c.account_directory_audience = v;
         return Ok{};
       }},
      {"SIGNET_SIGNING_ALG", "signing_alg",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         if (v != "ES256" && v != "RS256") return bad(n, "must be ES256 or RS256");
         c.signing_alg = v;
         return Ok{};
       }},
      {"SIGNET_HTTP_THREADS", "http_threads",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         int64_t t = 0;
         auto r = set_int(n, v, 0, 64, t);
         c.http_threads = static_cast<int>(t);
         return r;
       }},
      {"SIGNET_HEADER_TIMEOUT_SECONDS", "header_timeout_seconds",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 1, 300, c.header_timeout_seconds);
       }},
      {"SIGNET_BODY_TIMEOUT_SECONDS", "body_timeout_seconds",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 1, 600, c.body_timeout_seconds);
       }},
      {"SIGNET_KEY_PUBLISH_DELAY", "key_publish_delay",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 86400, c.key_publish_delay);
       }},
      {"SIGNET_WORKERS", "workers",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         int64_t t = 0;
         auto r = set_int(n, v, 1, 256, t);
         c.workers = static_cast<int>(t);
         return r;
       }},
      {"SIGNET_SHUTDOWN_GRACE_SECONDS", "shutdown_grace_seconds",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 3600, c.shutdown_grace_seconds);
       }},
      {"SIGNET_INTROSPECTION_CACHE_ENTRIES", "introspection_cache_entries",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 10000000, c.introspection_cache_entries);
       }},
      // Throttling: 0 turns a limit off (protocol/throttle.h).
      {"SIGNET_LOGIN_MAX_FAILURES", "login_max_failures",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 1000, c.login_max_failures);
       }},
      {"SIGNET_LOGIN_LOCKOUT_SECONDS", "login_lockout_seconds",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 1, 86400, c.login_lockout_seconds);
       }},
      {"SIGNET_LOGIN_FAILURE_WINDOW_SECONDS", "login_failure_window_seconds",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 1, 86400, c.login_failure_window);
       }},
      {"SIGNET_LOGIN_MAX_FAILURES_PER_ADDRESS", "login_max_failures_per_address",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 1000000, c.login_max_failures_per_address);
       }},
      {"SIGNET_TOKEN_RATE_PER_CLIENT", "token_rate_per_client",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 1000000, c.token_rate_per_client);
       }},
      {"SIGNET_TOKEN_BURST_PER_CLIENT", "token_burst_per_client",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 1, 10000000, c.token_burst_per_client);
       }},
      {"SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS", "token_max_auth_failures_per_address",
       [](Config& c, const std::string& n, const std::string& v) {
         return set_int(n, v, 0, 1000000, c.token_max_auth_failures_per_address);
       }},
      {"SIGNET_TRUSTED_PROXIES", "trusted_proxies",
       [](Config& c, const std::string& n, const std::string& v) -> Result<Ok> {
         std::string entry;
         auto ranges = parse_address_ranges(v, &entry);
         if (!ranges) {
           return bad(n,
                      "\"" + entry +
                          "\" is not an IP address or address/prefix (e.g. 10.0.0.0/8, fd00::/8)");
         }
         c.trusted_proxies = std::move(*ranges);
         return Ok{};
       },
       true},
  };
  return s;
}

Result<Ok> apply_file(Config& c, const std::string& path) {
  auto text = read_file("SIGNET_CONFIG", path);
  if (!text) return fail(text.error());
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return bad("SIGNET_CONFIG", "\"" + path + "\" is not a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    const Setting* match = nullptr;
    for (const auto& s : settings()) {
      if (key == s.json) match = &s;
    }
    const std::string name = path + ": " + key;
    if (!match) return bad(name, "unknown setting");
    std::string text_value;
    if (value.is_string()) {
      text_value = value.get<std::string>();
    } else if (value.is_number_integer()) {
      text_value = std::to_string(value.get<int64_t>());
    } else if (value.is_boolean()) {
      text_value = value.get<bool>() ? "true" : "false";
    } else if (value.is_array() && match->list) {
      // A list setting (trusted_proxies): its strings, as the environment would list them.
      for (const auto& item : value) {
        if (!item.is_string()) return bad(name, "must be a list of strings");
        text_value += item.get<std::string>() + ",";
      }
    } else {
      return bad(name, "must be a string, a whole number, a boolean or a list of strings");
    }
    auto r = match->apply(c, name, text_value);
    if (!r) return r;
  }
  return Ok{};
}

}  // namespace

std::optional<std::string> url_host(const std::string& url) {
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  auto end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  if (authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    return authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8 as four dotted decimal octets, nothing after them.
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

Result<Config> load_config(const Getenv& getenv) {
  Config c;
  if (const char* path = getenv("SIGNET_CONFIG"); path && *path) {
    auto r = apply_file(c, path);
    if (!r) return fail(r.error());
  }
  for (const auto& s : settings()) {
    const char* v = getenv(s.env);
    if (!v) continue;
    auto r = s.apply(c, s.env, v);
    if (!r) return fail(r.error());
  }
  // RFC 8414 §2: the issuer is an https URL with no query or fragment; plain
  // http only for loopback development.
  auto host = url_host(c.issuer);
  if (!host || c.issuer.find_first_of("?#") != std::string::npos) {
    return bad("SIGNET_ISSUER", "must be an absolute https URL without query or fragment");
  }
  if (c.issuer.back() == '/') return bad("SIGNET_ISSUER", "must not end with '/'");
  if (c.issuer.rfind("http://", 0) == 0 && !is_loopback_host(*host)) {
    return bad("SIGNET_ISSUER", "plain http is allowed only for a loopback issuer; use https");
  }
  if (c.database_url.empty()) {
    return bad("SIGNET_DATABASE_URL", "is required (a libpq connection string or URI)");
  }
  return c;
}

Result<Ok> require_serving_settings(const Config& c) {
  if (c.master_key.size() != 32) {
    return bad("SIGNET_MASTER_KEY",
               "is required to serve: 64 hexadecimal characters, or SIGNET_MASTER_KEY_FILE");
  }
  return Ok{};
}

}  // namespace signet::config
