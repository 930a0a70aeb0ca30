// The FAPI 2.0 Security Profile (Final, 2025) for a client's registration: what
// `signet client add --profile fapi2` sets, and the rules every client that
// follows the profile (Client::follows_fapi2) keeps.
#pragma once

#include <string>
#include <string_view>

#include "protocol/model.h"

namespace signet::protocol {

inline constexpr std::string_view kFapi2Profile = "fapi2";

// Sets what the profile asks of a client (§5.3.2.1): authentication with
// private_key_jwt (item 4), pushed authorization requests (§5.3.2.2 item 1) and
// sender-constrained (DPoP-bound) access tokens (§5.3.2.1 item 3).
void apply_fapi2_profile(Client& client);

// "" when `client` keeps the profile's rules; else the first rule it breaks, in
// words an operator can act on: not a public client and no secret (private_key_jwt
// with keys), pushed requests and DPoP-bound tokens, redirect URIs over https
// (http only on a loopback IP literal, RFC 8252 §7.3), keys fetched over https.
std::string fapi2_violation(const Client& client);

}  // namespace signet::protocol
