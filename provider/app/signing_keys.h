// Loads the issuer's signing keys from PostgreSQL into a KeyRing, generating
// the first key on first start. Every replica sees the same keys: the private
// parts are sealed under the master key (AES-256-GCM, kid as associated data).
#pragma once

#include <string>

#include "common/result.h"
#include "jose/key_ring.h"
#include "store/postgres_store.h"

namespace signet::app {

Result<jose::KeyRing> load_signing_keys(store::PostgresStore& store, const std::string& master_key,
                                        jose::Alg alg, int64_t now);

}  // namespace signet::app
