// How every store operation reaches PostgreSQL: one pooled call whose failure
// becomes the protocol's error (temporarily_unavailable, 503, when the database
// cannot serve now; server_error, 500, otherwise), so a store method never throws.
#pragma once

#include <string>
#include <utility>

#include "common/blocking.h"
#include "protocol/error.h"
#include "protocol/stores.h"
#include "store/database.h"

namespace signet::store {

constexpr bool kRetry = true;     // idempotent: safe to run again on a fresh connection
constexpr bool kNoRetry = false;  // not idempotent (or reports a first-time outcome)

// The protocol error of a database failure (its detail for logs only).
protocol::OAuthError to_oauth_error(DatabaseError error);

// Runs `work(pqxx::connection&)` on a connection of `pool` (ConnectionPool::execute).
template <class T, class F>
protocol::StoreResult<T> run(ConnectionPool& pool, const char* operation, bool retry_on_broken,
                             F&& work) {
  // On an HTTP I/O thread a database call would stall every connection of
  // that thread: refuse, so the caller moves the request to a worker.
  if (!blocking_allowed()) return fail(protocol::OAuthError::would_block());
  auto r = pool.execute<T>(operation, retry_on_broken, std::forward<F>(work));
  if (!r) return fail(to_oauth_error(std::move(r.error())));
  return std::move(r).value();
}

}  // namespace signet::store
