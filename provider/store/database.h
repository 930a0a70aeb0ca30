// A small PostgreSQL connection pool over libpqxx 6.4, and the one place where
// libpqxx exceptions become protocol errors. libpqxx has no pool of its own and a
// connection must never be shared between threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/blocking.h"
#include "protocol/error.h"
#include "protocol/stores.h"

namespace signet::store {

// A named SQL statement, prepared on every connection the pool opens.
struct Statement {
  std::string name;
  std::string sql;
};

// The error for a libpqxx / libpq exception: temporarily_unavailable (503) when the
// database cannot be reached or is shutting down, server_error (500) otherwise.
// `connection_lost` is set when the connection is broken and must be discarded.
struct ClassifiedError {
  protocol::OAuthError error;
  bool connection_lost = false;
};
ClassifiedError classify_exception(const char* operation);  // call inside a catch block

class ConnectionPool {
 public:
  // `size` connections at most, opened lazily; each new one gets `statements` prepared.
  ConnectionPool(std::string conninfo, size_t size, std::vector<Statement> statements);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection borrowed from the pool; returned on destruction unless discarded.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    // The connection is broken (or in an unknown state): close it, never reuse it.
    void discard();

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Waits for an idle connection or opens a new one. Throws pqxx exceptions
  // (broken_connection when the server cannot be reached); use run() instead.
  Lease acquire();

  // Runs `work(pqxx::connection&)` on a pooled connection and returns its value.
  // Every exception is caught and turned into an OAuthError. When the connection
  // turns out to be broken, it is discarded and, if `retry_on_broken` (idempotent
  // work), the work runs once more on a fresh connection.
  template <class T, class F>
  protocol::StoreResult<T> run(const char* operation, bool retry_on_broken, F&& work) {
    // On an HTTP I/O thread a database call would stall every connection of
    // that thread: refuse, so the caller moves the request to a worker.
    if (!blocking_allowed()) return fail(protocol::OAuthError::would_block());
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Lease> lease;
      try {
        lease = std::make_unique<Lease>(acquire());
        return protocol::StoreResult<T>(work(**lease));
      } catch (...) {
        ClassifiedError c = classify_exception(operation);
        if (c.connection_lost) {
          if (lease) lease->discard();
          if (retry_on_broken && attempt == 0) continue;
        }
        return fail(std::move(c.error));
      }
    }
  }

  size_t size() const { return size_; }
  // Connections currently open (idle + leased); for tests and metrics.
  size_t open_connections() const;

 private:
  void release(std::unique_ptr<pqxx::connection> conn, bool broken);
  std::unique_ptr<pqxx::connection> open_connection();

  const std::string conninfo_;
  const size_t size_;
  const std::vector<Statement> statements_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle + leased + being opened
};

}  // namespace signet::store
