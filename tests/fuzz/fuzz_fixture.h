// Fixed inputs shared by the fuzz targets: signing keys that never change (so
// the committed seed tokens keep verifying), the issuer's names and a fixed time.
// These keys exist only for fuzzing; nothing else trusts them.
#pragma once

#include <cstdint>
#include <string>

#include "jose/key.h"
#include "jose/key_ring.h"

namespace signet::fuzz {

inline constexpr char kIssuer[] = "https://issuer.example";
inline constexpr char kAudience[] = "https://api.example";
inline constexpr char kJwksUrl[] = "https://issuer.example/jwks";
// DPoP (dpop_fuzz): the endpoint a proof names, the nonce and the access token the
// stricter of its two checks expects.
inline constexpr char kTokenUrl[] = "https://issuer.example/token";
inline constexpr char kDpopNonce[] = "n-0S6_WzA2Mj";
inline constexpr char kDpopAccessToken[] = "at-fuzz";
// Seed tokens are issued at this time and the targets' clocks stand still on it.
inline constexpr int64_t kNow = 1'800'000'000;

inline constexpr char kEs256Pem[] = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWFt9CZnylFaPZ5Sa
HspvNmERG7Lp38vzYFl3Hbk5REmhRANCAAQJK5C5Le5sGizp99+7MOOVqxyMHr+U
OMl3gkHNgViHsJq5MlZeN95IcYFsy9GbfM0DhOHfojfhfhEz7iW59MYF
-----END PRIVATE KEY-----
)";

inline constexpr char kRs256Pem[] = R"(
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC86ckaVPg1omMu
G1raA70/9Y+Ksipe+MHFVVF7iV7kKSaZqHWSniBZMHbBiImaWPZzONdbS9v8A+4E
xRq2Vi72C1tWn4MTZGEQlmFLItzwx66mBLW7urPjfJonmHiIdkNIW0A9ewckpWaU
H62tjV1QxffCnqXu7qkwQOvB8/8bvWQI+g8HldJH30SRHiOG749F/iV9BtgfLo2Z
5dRC9HND13+QGAu95dwTdgjShhNyEjFBNWNq/YHC71tak+ITgILqHPnfAVw73rYJ
tE8N+YFCIj3mLC6FFLhM8w7wY2ihkPXoQAw0l2KvvlQ7hgEfdR26kjbXNvUGKpd9
nspf6OLTAgMBAAECggEACDNYwAo88qQtaaPg5e4+5WtVHXkcph4JkpimctwKdTS2
SBFPGUSdy/W4naRJsIUEetriFxYdkaVsNO77p4EvViUePnbBdD47FM6GuCTPGtnB
qF9K4Kj7D+0prWa1ipV+701Ww0jUdgGC/SoCJg/MAKqIykLp4AAWxBcb6qqPk4e1
4Xwf3RMnBbww8zCGhoezUSzqUXmjHhCtqle0L9OEdL4tHfZbLz3hNbX8Yq9NvOJI
qRNUeklx3HCLnuvH9DLtgkwkuHFNHurNZVQBr+j93KrGvMlYbi0xow6bilj7P513
5KSptfsj+hVMJgl2Awylzn8e9paSoqe8w8Uja/OKAQKBgQDcJzTBg3y5iUMDJok5
juRYvDtmEd5fDYT8OR4OmMZ4/cXtgLXhnIq0WggrYA5zmnPclYrgs/wfpPYHY3XV
RssRV6SwOwiBfjs+uF0eDMmF6Nrk3n29L/Fz1xFbJweBpz8ORiZN9G1gmTYBilo1
P7/3pnMnycRyEuINRjZutBN5UwKBgQDbrGJpCrCn56pUawWE9aKAETmXGk5ktcPN
aafac+d4HXxSc9q9ZhdEAAzNmTSONGIZE35cHwCuy4LFYOEf9csqIMreNfWBzJ2h
OQhrkWnnXrfyzAWaQvpqHgBTSRMmD6OjrRPrZeXNlxBotVh1GTTE35F4daz5Qq6r
DFJTwKxAgQKBgHQPnzpdjUVq3Y8to65abHtzUIUw6mCGChPGMNhVJlzmvI/HCRvV
oTIPPLtROo0rYeVqWPq5KDOujZ27i4VSev+7irD1jjhmSel43G5ZI2ybI7sAqJ0y
R0JgoV/CpaxudUmbJdp2/6qrWtNZEtF7uEJg19ikABJ7bfy9hTi7aoDNAoGBAIAf
ewZpBb/ojp/OC9oQqkanxT8sSKzUlu8nwI7ZKxgTmn88s0fkU42FufHweYa3Zr/Z
bsmsC2nnqM4WQzew1F4t4iTYs+iQvx9ZdF/I4EviIsep11qx1fwuo2HwLQr19Cty
tzuEoxPWF+v6WS1zFiP9gYsQl2KKUfXRqfLPXagBAoGAQcjSYUiq3EUg40tjBBfe
wfpsx5IHCU3JHlkvyokmeGmLuA/Y7oAyaiDF6cMFC1IpzaYXTiEfJ8345FpqBqNZ
zp2PRqh25tP+S1Z5oOxM3JWKESn7vAOHFX01Fh8ym2s0L6R05QJ0TFEvlFYypeLH
TQ0nzc3e0+OP5ambCSjYaA8=
-----END PRIVATE KEY-----
)";

// Ed25519 (RFC 8037), for DPoP proofs.
inline constexpr char kEd25519Pem[] = R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPWOyglSKiMT07QZE59DHTqD7KyqEY9fNxHh+E4Qv7v8
-----END PRIVATE KEY-----
)";

inline const jose::PrivateKey& es256_key() {
  static const jose::PrivateKey k = *jose::PrivateKey::from_pem(jose::Alg::ES256, kEs256Pem);
  return k;
}

inline const jose::PrivateKey& rs256_key() {
  static const jose::PrivateKey k = *jose::PrivateKey::from_pem(jose::Alg::RS256, kRs256Pem);
  return k;
}

// The RSA key again, pinned to PS256 (a client's DPoP key; never in the key ring).
inline const jose::PrivateKey& ps256_key() {
  static const jose::PrivateKey k = *jose::PrivateKey::from_pem(jose::Alg::PS256, kRs256Pem);
  return k;
}

inline const jose::PrivateKey& eddsa_key() {
  static const jose::PrivateKey k = *jose::PrivateKey::from_pem(jose::Alg::EdDSA, kEd25519Pem);
  return k;
}

// Both keys active-or-published, as the issuer's ring would hold them.
inline const jose::KeyRing& key_ring() {
  static const jose::KeyRing ring = [] {
    jose::KeyRing r;
    r.add(es256_key(), jose::KeyState::kActive);
    r.add(rs256_key(), jose::KeyState::kRetired);
    return r;
  }();
  return ring;
}

}  // namespace signet::fuzz
