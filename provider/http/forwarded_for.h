// Which address a request comes from, behind reverse proxies: the address that
// throttling, audit events and logs name.
//
// A proxy appends the address it was connected from to X-Forwarded-For, so the
// list grows to the right and only its right end is written by parties we trust;
// everything to the left of the first untrusted entry may have been typed by the
// client. So the header counts only when the connection itself comes from a
// trusted proxy, and the client is the right-most entry that is not a trusted
// proxy (RFC 7239 §5.2 and §8.1 for the same rule on Forwarded).
#pragma once

#include <optional>
#include <string>

#include "common/address_range.h"

namespace signet::http {

// `peer`: the connection's address; `forwarded_for`: the X-Forwarded-For value,
// every line of it joined with ", " (http/bounded_handler.h). A malformed entry
// (not a plain IP address, or empty) stops the walk at the entry to its right,
// the trusted proxy that passed it on: garbage is never a throttling key.
std::string client_address_from(const std::string& peer,
                                const std::optional<std::string>& forwarded_for,
                                const AddressRanges& trusted_proxies);

}  // namespace signet::http
