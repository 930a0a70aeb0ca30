#include "jose/htu.h"

#include <cstdint>

namespace signet::jose {
namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 3986 §2.3
bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
// RFC 3986 §2.2
bool is_sub_delim(char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// reg-name or IPv4 (RFC 3986 §3.2.2), lower-cased; percent-encoded hosts are refused.
bool append_host(std::string_view host, std::string& out) {
  if (host.empty()) return false;
  if (host.front() == '[') {  // IP-literal: hex digits, ':' and '.' (IPv4 tail)
    if (host.size() < 3 || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return false;
    }
  } else {
    for (char c : host) {
      if (!(is_unreserved(c) || is_sub_delim(c))) return false;
    }
  }
  for (char c : host) out += lower(c);
  return true;
}

// The path, up to '?' or '#', with its percent-encodings normalised (§6.2.2.1-2).
bool append_path(std::string_view path, std::string& out) {
  if (path.empty()) {
    out += '/';  // §6.2.3: an empty path is "/" for http(s)
    return true;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return false;  // '%' needs two hex digits after it
      int hi = hex_value(path[i + 1]);
      int lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (is_unreserved(decoded)) {
        out += decoded;
      } else {
        out += '%';
        out += kHex[hi];
        out += kHex[lo];
      }
      i += 2;
    } else if (is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '/') {
      out += c;  // pchar and the segment separator (§3.3)
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> normalize_htu(std::string_view url) {
  for (char c : url) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;  // no space, control or non-ASCII byte
  }
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string scheme;
  for (char c : url.substr(0, colon)) scheme += lower(c);
  uint32_t default_port = 0;
  if (scheme == "https") {
    default_port = 443;
  } else if (scheme == "http") {
    default_port = 80;
  } else {
    return std::nullopt;
  }

  std::string_view rest = url.substr(colon + 3);
  // Query and fragment are not compared (RFC 9449 §4.3 step 9).
  rest = rest.substr(0, rest.find_first_of("?#"));
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo

  std::string_view host = authority;
  std::string_view port;
  size_t port_colon = authority.rfind(':');
  // A ':' inside an IPv6 literal is not the port's.
  if (port_colon != std::string_view::npos &&
      authority.find(']', port_colon) == std::string_view::npos) {
    host = authority.substr(0, port_colon);
    port = authority.substr(port_colon + 1);
  }

  std::string out = scheme + "://";
  if (!append_host(host, out)) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5) return std::nullopt;
    uint32_t value = 0;
    for (char c : port) {
      if (!is_digit(c)) return std::nullopt;
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    if (value != default_port) out += ":" + std::to_string(value);
  }
  if (!append_path(path, out)) return std::nullopt;
  return out;
}

}  // namespace signet::jose
