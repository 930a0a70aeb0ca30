// One key per algorithm, generated once per test binary (RSA generation is slow),
// for the jose and DPoP tests.
#pragma once

#include "jose/key.h"

namespace signet::jose::testing {

inline const PrivateKey& key_of(Alg alg) {
  static const PrivateKey es = PrivateKey::generate(Alg::ES256).value();
  static const PrivateKey rs = PrivateKey::generate(Alg::RS256).value();
  static const PrivateKey ps = PrivateKey::generate(Alg::PS256).value();
  static const PrivateKey ed = PrivateKey::generate(Alg::EdDSA).value();
  switch (alg) {
    case Alg::ES256:
      return es;
    case Alg::RS256:
      return rs;
    case Alg::PS256:
      return ps;
    case Alg::EdDSA:
      return ed;
  }
  return es;
}

}  // namespace signet::jose::testing
