// The client address behind reverse proxies (http/forwarded_for.h), from the
// header value and from raw request bytes through the deployed parser.
#include <gtest/gtest.h>

#include <pistache/http.h>

#include "common/address_range.h"
#include "http/bounded_handler.h"
#include "http/forwarded_for.h"

namespace signet::http {
namespace {

AddressRanges ranges(const char* list) {
  std::string bad;
  auto r = parse_address_ranges(list, &bad);
  EXPECT_TRUE(r) << bad;
  return r ? *r : AddressRanges{};
}

const AddressRanges kProxies = ranges("10.0.0.0/8, 192.0.2.10");

TEST(AddressRange, PrefixesMatchWholeBitsOnly) {
  auto r = AddressRange::parse("10.128.0.0/9");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains("10.200.1.1"));
  EXPECT_FALSE(r->contains("10.127.1.1"));
  auto v6 = AddressRange::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains("2001:db8:ffff::1"));
  EXPECT_FALSE(v6->contains("2001:db9::1"));
  EXPECT_FALSE(v6->contains("10.0.0.1"));  // another family never matches
  auto all = AddressRange::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains("203.0.113.9"));
  EXPECT_FALSE(all->contains("not-an-address"));
}

TEST(AddressRange, MappedIpv6IsItsIpv4Address) {
  auto r = AddressRange::parse("127.0.0.1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains("::ffff:127.0.0.1"));
  EXPECT_EQ(canonical_address("::ffff:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(canonical_address("2001:DB8:0::1"), "2001:db8::1");
}

TEST(AddressRange, MalformedRangesAreRefused) {
  for (const char* bad :
       {"", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/", "host.example",
        "1.2.3", "[::1]", "::1/129", "10.0.0.0 /8"}) {
    EXPECT_FALSE(AddressRange::parse(bad)) << bad;
  }
}

TEST(ForwardedFor, IgnoredWithoutTrustedProxies) {
  EXPECT_EQ(client_address_from("203.0.113.5", "198.51.100.1", AddressRanges{}), "203.0.113.5");
}

// A client that connects directly may write any X-Forwarded-For it likes.
TEST(ForwardedFor, SpoofedHeaderFromAnUntrustedPeerIsIgnored) {
  EXPECT_EQ(client_address_from("203.0.113.5", "198.51.100.1", kProxies), "203.0.113.5");
  EXPECT_EQ(client_address_from("203.0.113.5", "10.0.0.1", kProxies), "203.0.113.5");
}

TEST(ForwardedFor, OneTrustedProxyNamesItsPeer) {
  EXPECT_EQ(client_address_from("10.0.0.2", "198.51.100.1", kProxies), "198.51.100.1");
  EXPECT_EQ(client_address_from("10.0.0.2", std::nullopt, kProxies), "10.0.0.2");
}

// The right-most untrusted entry: what the client wrote to the left of it is not believed.
TEST(ForwardedFor, ChainOfProxiesIsWalkedFromTheRight) {
  EXPECT_EQ(
      client_address_from("10.0.0.2", "6.6.6.6, 198.51.100.1, 192.0.2.10, 10.0.0.3", kProxies),
      "198.51.100.1");
  EXPECT_EQ(client_address_from("10.0.0.2", "6.6.6.6,198.51.100.1,\t10.1.1.1", kProxies),
            "198.51.100.1");
  // Every hop a trusted proxy: the left-most one is the client.
  EXPECT_EQ(client_address_from("10.0.0.2", "10.0.0.9, 192.0.2.10", kProxies), "10.0.0.9");
  EXPECT_EQ(client_address_from("10.0.0.2", "2001:DB8::7", kProxies), "2001:db8::7");
}

// Garbage never becomes a throttling key: the walk stops at the trusted hop that passed it on.
TEST(ForwardedFor, MalformedEntriesStopAtTheNearestTrustedHop) {
  EXPECT_EQ(client_address_from("10.0.0.2", "evil\r\nX: 1", kProxies), "10.0.0.2");
  EXPECT_EQ(client_address_from("10.0.0.2", "", kProxies), "10.0.0.2");
  EXPECT_EQ(client_address_from("10.0.0.2", "198.51.100.1,", kProxies), "10.0.0.2");
  EXPECT_EQ(client_address_from("10.0.0.2", "unknown, 10.0.0.7", kProxies), "10.0.0.7");
  EXPECT_EQ(client_address_from("10.0.0.2", "198.51.100.1:4711", kProxies), "10.0.0.2");
  EXPECT_EQ(client_address_from("10.0.0.2", "1.2.3.4, 198.51.100.1 garbage", kProxies), "10.0.0.2");
}

// Pistache keeps only the first of two header lines of one name. A proxy that adds
// its own line after the client's must still be read at the right end.
TEST(ForwardedFor, RepeatedHeaderLinesAreJoinedInOrder) {
  auto parser = make_bounded_request_parser(64 * 1024);
  const std::string bytes =
      "GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6\r\nx-forwarded-for: 198.51.100.1, "
      "10.0.0.3\r\n\r\n";
  ASSERT_TRUE(parser->feed(bytes.data(), bytes.size()));
  ASSERT_EQ(parser->parse(), Pistache::Http::Private::State::Done);
  auto raw = parser->request.headers().tryGetRaw("X-Forwarded-For");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->value(), " 6.6.6.6, 198.51.100.1, 10.0.0.3");
  EXPECT_EQ(client_address_from("10.0.0.2", raw->value(), kProxies), "198.51.100.1");
}

TEST(ForwardedFor, OneHeaderLineIsKeptAsSent) {
  auto parser = make_bounded_request_parser(64 * 1024);
  const std::string bytes = "GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n";
  ASSERT_TRUE(parser->feed(bytes.data(), bytes.size()));
  ASSERT_EQ(parser->parse(), Pistache::Http::Private::State::Done);
  auto raw = parser->request.headers().tryGetRaw("X-Forwarded-For");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->value(), "198.51.100.1");
}

}  // namespace
}  // namespace signet::http
