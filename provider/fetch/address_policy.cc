#include "fetch/address_policy.h"

#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace signet::fetch {
namespace {

bool in_v4(uint32_t a, uint32_t network, int prefix) {
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (a & mask) == (network & mask);
}

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

bool public_v4(uint32_t a) {
  struct Range {
    uint32_t network;
    int prefix;
  };
  static constexpr Range kBlocked[] = {
      {ip(0, 0, 0, 0), 8},        // "this network", unspecified
      {ip(10, 0, 0, 0), 8},       // RFC 1918
      {ip(100, 64, 0, 0), 10},    // CGNAT, RFC 6598
      {ip(127, 0, 0, 0), 8},      // loopback
      {ip(169, 254, 0, 0), 16},   // link-local (cloud metadata services live here)
      {ip(172, 16, 0, 0), 12},    // RFC 1918
      {ip(192, 0, 0, 0), 24},     // IETF protocol assignments
      {ip(192, 0, 2, 0), 24},     // documentation
      {ip(192, 168, 0, 0), 16},   // RFC 1918
      {ip(198, 18, 0, 0), 15},    // benchmarking
      {ip(198, 51, 100, 0), 24},  // documentation
      {ip(203, 0, 113, 0), 24},   // documentation
      {ip(224, 0, 0, 0), 4},      // multicast
      {ip(240, 0, 0, 0), 4},      // reserved, broadcast
  };
  for (const auto& r : kBlocked) {
    if (in_v4(a, r.network, r.prefix)) return false;
  }
  return true;
}

bool public_v6(const unsigned char* b) {
  static constexpr unsigned char kZero[16] = {};
  unsigned char loopback[16] = {};
  loopback[15] = 1;
  if (std::memcmp(b, kZero, 16) == 0 || std::memcmp(b, loopback, 16) == 0) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms: judge the IPv4 address.
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kZero, 12) == 0) {
    return public_v4(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15]);
  }
  if ((b[0] & 0xfe) == 0xfc) return false;                  // unique local fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // link-local fe80::/10
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return false;  // NAT64
  return true;
}

}  // namespace

bool is_public_address(const sockaddr* address) {
  if (!address) return false;
  if (address->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);
    return public_v4(ntohl(v4.sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    return public_v6(v6.sin6_addr.s6_addr);
  }
  return false;  // unix sockets and anything else
}

}  // namespace signet::fetch
