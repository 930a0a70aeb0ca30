#include "common/address_range.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace signet {
namespace {

// An address as 16 bytes (IPv4 in the first 4) and its family.
struct Parsed {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

std::optional<Parsed> parse_address(std::string_view text) {
  // inet_pton wants a NUL-terminated string; addresses are short.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  Parsed p;
  if (inet_pton(AF_INET, buf, p.bytes.data()) == 1) return p;
  if (inet_pton(AF_INET6, buf, p.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(p.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::memmove(p.bytes.data(), p.bytes.data() + 12, 4);
    std::memset(p.bytes.data() + 4, 0, 12);
    return p;
  }
  p.v6 = true;
  return p;
}

// Whether the first `prefix` bits of a and b are equal.
bool same_prefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int prefix) {
  const int whole = prefix / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[static_cast<size_t>(whole)] & mask) == (b[static_cast<size_t>(whole)] & mask);
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int bits = address->v6 ? 128 : 32;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || prefix < 0 ||
        prefix > bits) {
      return std::nullopt;
    }
    // A host bit set past the prefix is almost always a typo for another range.
    std::array<uint8_t, 16> masked{};
    for (int i = 0; i < prefix; ++i) {
      const auto byte = static_cast<size_t>(i / 8);
      masked[byte] =
          static_cast<uint8_t>(masked[byte] | (address->bytes[byte] & (0x80 >> (i % 8))));
    }
    if (masked != address->bytes) return std::nullopt;
  }
  AddressRange r;
  r.v6_ = address->v6;
  r.bytes_ = address->bytes;
  r.prefix_ = prefix;
  return r;
}

bool AddressRange::contains(std::string_view address) const {
  auto a = parse_address(address);
  return a && a->v6 == v6_ && same_prefix(a->bytes, bytes_, prefix_);
}

bool AddressRanges::contains(std::string_view address) const {
  for (const auto& r : ranges) {
    if (r.contains(address)) return true;
  }
  return false;
}

std::optional<AddressRanges> parse_address_ranges(std::string_view list, std::string* bad_entry) {
  AddressRanges out;
  size_t i = 0;
  while (i < list.size()) {
    const auto end = list.find_first_of(", \t", i);
    const auto entry = list.substr(i, end == std::string_view::npos ? end : end - i);
    if (!entry.empty()) {
      auto r = AddressRange::parse(entry);
      if (!r) {
        if (bad_entry) *bad_entry = std::string(entry);
        return std::nullopt;
      }
      out.ranges.push_back(*r);
    }
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return out;
}

std::optional<std::string> canonical_address(std::string_view text) {
  auto a = parse_address(text);
  if (!a) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->bytes.data(), buf, sizeof buf)) {
    return std::nullopt;
  }
  return std::string(buf);
}

}  // namespace signet
