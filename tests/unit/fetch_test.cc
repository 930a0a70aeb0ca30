// The SSRF guard of a client's jwks_uri (provider/fetch/address_policy.h): which
// resolved addresses Signet may connect to.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <string>

#include "fetch/address_policy.h"

namespace signet::fetch {
namespace {

bool allowed(const std::string& text) {
  if (text.find(':') != std::string::npos) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &a.sin6_addr), 1) << text;
    return is_public_address(reinterpret_cast<const sockaddr*>(&a));
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &a.sin_addr), 1) << text;
  return is_public_address(reinterpret_cast<const sockaddr*>(&a));
}

TEST(AddressPolicy, PublicAddressesAreAllowed) {
  for (const char* a : {"8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111",
                        "2a00:1450:4001:80b::200e"}) {
    EXPECT_TRUE(allowed(a)) << a;
  }
}

TEST(AddressPolicy, LoopbackPrivateLinkLocalAndMetadataAddressesAreRefused) {
  for (const char* a : {"127.0.0.1",
                        "127.1.2.3",
                        "0.0.0.0",
                        "10.0.0.5",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "224.0.0.1",
                        "255.255.255.255",
                        "192.0.2.10",
                        "198.18.0.1",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "2001:db8::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "::ffff:169.254.169.254",
                        "64:ff9b::a00:1"}) {
    EXPECT_FALSE(allowed(a)) << a;
  }
  // Next to the edges of the refused ranges.
  EXPECT_TRUE(allowed("172.32.0.1"));
  EXPECT_TRUE(allowed("100.128.0.1"));
  EXPECT_TRUE(allowed("::ffff:8.8.8.8"));
  EXPECT_FALSE(is_public_address(nullptr));
}

}  // namespace
}  // namespace signet::fetch
