#include "http/forwarded_for.h"

#include <string_view>

namespace signet::http {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string client_address_from(const std::string& peer,
                                const std::optional<std::string>& forwarded_for,
                                const AddressRanges& trusted_proxies) {
  if (!forwarded_for || !trusted_proxies.contains(peer)) return peer;
  std::string nearest = peer;  // the last hop known to be a trusted proxy's view
  std::string_view rest = *forwarded_for;
  while (true) {
    const auto comma = rest.rfind(',');
    const auto entry = trimmed(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    auto address = canonical_address(entry);
    if (!address) return nearest;
    if (!trusted_proxies.contains(*address)) return *address;
    nearest = *address;
    if (comma == std::string_view::npos) return nearest;  // every hop a trusted proxy
    rest = rest.substr(0, comma);
  }
}

}  // namespace signet::http
