#include "bank-api/config.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace signet::bank {
namespace {

bool parse_int(std::string_view s, int min, int max, int* out) {
  int v = 0;
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

bool is_ipv4(std::string_view s, bool* loopback) {
  int parts = 0;
  int first = -1;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    int v = 0;
    std::string_view part = s.substr(i, j - i);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    if (!parse_int(part, 0, 255, &v)) return false;
    if (parts == 0) first = v;
    ++parts;
    i = j + 1;
    if (j == s.size()) break;
  }
  if (parts != 4) return false;
  *loopback = first == 127;
  return true;
}

bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return s.front() != '.' && s.front() != '-';
}

bool is_loopback_host(std::string_view host) {
  bool loopback = false;
  if (is_ipv4(host, &loopback)) return loopback;
  return host == "[::1]" || host == "localhost";
}

}  // namespace

std::string Config::listen_address() const {
  return listen_host + ":" + std::to_string(listen_port);
}

bool is_acceptable_url(const std::string& url, std::string* why) {
  std::string_view u = url;
  bool https = false;
  if (u.starts_with("https://")) {
    https = true;
    u.remove_prefix(8);
  } else if (u.starts_with("http://")) {
    u.remove_prefix(7);
  } else {
    *why = "must be an https:// URL (http:// only for a loopback host)";
    return false;
  }
  for (char c : u) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      *why = "must not contain spaces or non-ASCII characters";
      return false;
    }
  }
  if (u.find_first_of("?#") != std::string_view::npos) {
    *why = "must not have a query or fragment";
    return false;
  }
  std::string_view authority = u.substr(0, u.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    *why = "must not contain user information";
    return false;
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *why = "has a malformed IPv6 host";
      return false;
    }
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      *why = "has a malformed host";
      return false;
    }
    authority = rest;
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    if (!is_hostname(host)) {
      *why = "has no valid host";
      return false;
    }
  }
  if (!authority.empty()) {  // ":port"
    int port = 0;
    if (!parse_int(authority.substr(1), 1, 65535, &port)) {
      *why = "has an invalid port";
      return false;
    }
  }
  if (!https && !is_loopback_host(host)) {
    *why = "must use https (http:// is allowed only for a loopback host)";
    return false;
  }
  return true;
}

Result<Config> load_config(const EnvLookup& lookup) {
  EnvLookup get = lookup ? lookup : [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  Config c;

  auto db = get("BANK_API_DATABASE_URL");
  if (!db || db->empty()) return fail("BANK_API_DATABASE_URL", "is required");
  c.database_url = *db;

  auto issuer = get("BANK_API_ISSUER");
  if (!issuer || issuer->empty()) return fail("BANK_API_ISSUER", "is required");
  std::string why;
  if (!is_acceptable_url(*issuer, &why)) return fail("BANK_API_ISSUER", why);
  c.issuer = *issuer;

  if (auto listen = get("BANK_API_LISTEN"); listen && !listen->empty()) {
    std::string_view l = *listen;
    size_t colon = l.rfind(':');
    if (colon == std::string_view::npos) return fail("BANK_API_LISTEN", "must be HOST:PORT");
    std::string_view host = l.substr(0, colon);
    int port = 0;
    if (!parse_int(l.substr(colon + 1), 1, 65535, &port)) {
      return fail("BANK_API_LISTEN", "has an invalid port (1-65535)");
    }
    bool loopback = false;
    bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
    if (!is_ipv4(host, &loopback) && !v6 && !is_hostname(host)) {
      return fail("BANK_API_LISTEN", "has an invalid host");
    }
    c.listen_host = std::string(host);
    c.listen_port = static_cast<uint16_t>(port);
  }

  if (auto aud = get("BANK_API_AUDIENCE"); aud) {
    if (aud->empty()) return fail("BANK_API_AUDIENCE", "must not be empty");
    c.audience = *aud;
  }

  if (auto jwks = get("BANK_API_JWKS_URI"); jwks && !jwks->empty()) {
    if (!is_acceptable_url(*jwks, &why)) return fail("BANK_API_JWKS_URI", why);
    c.jwks_uri = *jwks;
  }

  c.public_url = "http://" + c.listen_address();
  if (auto url = get("BANK_API_PUBLIC_URL"); url && !url->empty()) {
    if (!is_acceptable_url(*url, &why)) return fail("BANK_API_PUBLIC_URL", why);
    c.public_url = *url;
    while (c.public_url.ends_with('/')) c.public_url.pop_back();
  }

  if (auto r = get("BANK_API_JWKS_REFRESH_SECONDS"); r && !r->empty()) {
    if (!parse_int(*r, 1, 3600, &c.jwks_refresh_seconds)) {
      return fail("BANK_API_JWKS_REFRESH_SECONDS", "must be an integer from 1 to 3600 (seconds)");
    }
  }
  auto id = get("BANK_API_CLIENT_ID");
  auto secret = get("BANK_API_CLIENT_SECRET");
  if (id) c.client_id = *id;
  if (secret) c.client_secret = *secret;
  if (c.client_id.empty() != c.client_secret.empty()) {
    return fail(c.client_id.empty() ? "BANK_API_CLIENT_ID" : "BANK_API_CLIENT_SECRET",
                "is required with " + std::string(c.client_id.empty() ? "BANK_API_CLIENT_SECRET"
                                                                      : "BANK_API_CLIENT_ID"));
  }
  c.revocation_feed = !c.client_id.empty();
  if (auto f = get("BANK_API_REVOCATION_FEED"); f && !f->empty()) {
    if (*f != "on" && *f != "off") return fail("BANK_API_REVOCATION_FEED", "must be on or off");
    c.revocation_feed = *f == "on";
    if (c.revocation_feed && c.client_id.empty()) {
      return fail("BANK_API_REVOCATION_FEED",
                  "is on but BANK_API_CLIENT_ID and BANK_API_CLIENT_SECRET are not set");
    }
  }
  c.revocation_feed_url = c.issuer + "/revocations";
  if (auto u = get("BANK_API_REVOCATION_FEED_URL"); u && !u->empty()) {
    if (!is_acceptable_url(*u, &why)) return fail("BANK_API_REVOCATION_FEED_URL", why);
    c.revocation_feed_url = *u;
  }
  if (auto p = get("BANK_API_REVOCATION_POLL_MS"); p && !p->empty()) {
    if (!parse_int(*p, 100, 60000, &c.revocation_poll_ms)) {
      return fail("BANK_API_REVOCATION_POLL_MS", "must be an integer from 100 to 60000 (ms)");
    }
  }
  if (auto s = get("BANK_API_FAIL_CLOSED_AFTER_SECONDS"); s && !s->empty()) {
    if (!parse_int(*s, 1, 3600, &c.fail_closed_after_seconds)) {
      return fail("BANK_API_FAIL_CLOSED_AFTER_SECONDS",
                  "must be an integer from 1 to 3600 (seconds)");
    }
  }
  if (auto t = get("BANK_API_THREADS"); t && !t->empty()) {
    if (!parse_int(*t, 0, 64, &c.threads)) {
      return fail("BANK_API_THREADS", "must be an integer from 0 (one per CPU) to 64");
    }
  }
  if (auto w = get("BANK_API_WORKERS"); w && !w->empty()) {
    if (!parse_int(*w, 1, 256, &c.workers)) {
      return fail("BANK_API_WORKERS", "must be an integer from 1 to 256");
    }
  }
  return c;
}

}  // namespace signet::bank
