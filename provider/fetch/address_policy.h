// Which addresses Signet may connect to when a client tells it where to fetch
// something (a jwks_uri): a URL chosen by a client must not reach the bank's
// own network (server-side request forgery, RFC 6819 §4.4.1.1 of the request
// object risks; OWASP SSRF). Checked on the address libcurl is about to
// connect to, after name resolution, so that a name resolving to a private
// address (or changing to one, DNS rebinding) is refused too.
#pragma once

#include <sys/socket.h>

namespace signet::fetch {

// True for globally routable unicast addresses; false for loopback, private
// (RFC 1918, RFC 4193), link-local, CGNAT (RFC 6598), unspecified, multicast,
// broadcast, documentation and benchmark ranges, and IPv4-mapped forms of them.
bool is_public_address(const sockaddr* address);

}  // namespace signet::fetch
