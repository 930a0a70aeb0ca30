// IP address ranges ("192.0.2.7", "10.0.0.0/8", "2001:db8::/32") and the test
// whether an address lies in one: what SIGNET_TRUSTED_PROXIES is made of.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

class AddressRange {
 public:
  // An address or address/prefix-length, IPv4 or IPv6; nullopt when malformed or
  // when the address has bits set beyond the prefix ("10.0.0.1/8" is a typo).
  static std::optional<AddressRange> parse(std::string_view text);

  // False for anything that is not a plain IPv4 or IPv6 address. An IPv4-mapped
  // IPv6 address (::ffff:192.0.2.7, how a dual-stack socket names an IPv4 peer)
  // counts as its IPv4 address.
  bool contains(std::string_view address) const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
  int prefix_ = 0;
};

// A comma- or space-separated list of ranges.
struct AddressRanges {
  std::vector<AddressRange> ranges;
  bool contains(std::string_view address) const;
  bool empty() const { return ranges.empty(); }
};
// Empty entries are skipped; on a malformed one, nullopt, and *bad_entry names it.
std::optional<AddressRanges> parse_address_ranges(std::string_view list, std::string* bad_entry);

// The address in canonical text form (inet_ntop), IPv4-mapped IPv6 as IPv4;
// nullopt when `text` is not a plain IPv4 or IPv6 address.
std::optional<std::string> canonical_address(std::string_view text);

}  // namespace signet
