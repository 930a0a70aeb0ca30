// The PostgreSQL connection pool over libpqxx 6.4 and the one reading of a
// libpqxx / libpq exception (SQLSTATE classes), shared by Signet's store and
// bank-api (library signet_database). libpqxx has no pool of its own and a
// connection must never be shared between threads. This file knows neither
// the protocol nor HTTP: each caller turns a DatabaseError into its own answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"

namespace signet::store {

// A named SQL statement, prepared on every connection the pool opens.
struct Statement {
  std::string name;
  std::string sql;
};

// What a database failure means for the caller's answer.
enum class DatabaseFailure {
  kUnavailable,     // the database cannot serve now (unreachable, restarting, out of
                    // resources, a lock or serialization conflict): try again later (503)
  kOutcomeUnknown,  // the link broke while a statement or COMMIT was in flight: it may
                    // or may not have happened (503; writes must be idempotent)
  kInternal,        // anything else: a bug or a constraint the caller did not expect (500)
};

struct DatabaseError {
  DatabaseFailure failure = DatabaseFailure::kInternal;
  // The connection is broken or in an unknown state: discard it, never reuse it.
  bool connection_lost = false;
  // "<operation>: <what happened>", for logs only (never for clients).
  std::string detail;
};

// The failure class of an SQLSTATE (PostgreSQL Appendix A), and whether the
// connection that reported it is gone.
DatabaseError classify_sqlstate(std::string_view sqlstate);

// Call inside a catch block: classifies the exception being handled.
DatabaseError classify_exception(std::string_view operation);

// No connection became free within the pool's acquire timeout.
class PoolTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PoolOptions {
  // SQL run once on every new connection before its statements are prepared
  // (session settings such as statement_timeout); empty: none.
  std::string session_setup;
  // Prepare every statement on the server when the connection opens (libpqxx 6
  // prepares lazily, on first use): a broken statement fails at open, not mid-request.
  bool prepare_at_open = false;
  // How long acquire() waits for a free connection; zero: as long as it takes.
  std::chrono::milliseconds acquire_timeout{0};
};

// Prepares `statements` (and runs the session setup) on `conn` as the pool does
// for every connection it opens. Throws pqxx exceptions.
void prepare_connection(pqxx::connection& conn, const std::vector<Statement>& statements,
                        const PoolOptions& options);

class ConnectionPool {
 public:
  // `size` connections at most, opened lazily; each new one is prepared with
  // prepare_connection(conn, statements, options).
  ConnectionPool(std::string conninfo, size_t size, std::vector<Statement> statements,
                 PoolOptions options = {});
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection borrowed from the pool; returned on destruction unless discarded
  // (or found closed).
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
    // The pool's idle connections are closed too (a restart ends them all).
    void discard();

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Waits for an idle connection or opens a new one. Throws pqxx exceptions
  // (broken_connection when the server cannot be reached) and PoolTimeout; use
  // execute() instead.
  Lease acquire();

  // Runs `work(pqxx::connection&)` on a pooled connection and returns its value.
  // Every exception is caught and classified. When the connection turns out to be
  // broken, it is discarded and, if `retry_on_lost` (idempotent work), the work runs
  // once more on a fresh connection.
  template <class T, class F>
  Result<T, DatabaseError> execute(std::string_view operation, bool retry_on_lost, F&& work) {
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Lease> lease;
      try {
        lease = std::make_unique<Lease>(acquire());
        return Result<T, DatabaseError>(work(**lease));
      } catch (...) {
        DatabaseError e = classify_exception(operation);
        count_failure(e);
        if (e.connection_lost) {
          if (lease) lease->discard();
          if (retry_on_lost && attempt == 0) continue;
        }
        return fail(std::move(e));
      }
    }
  }

  size_t size() const { return size_; }
  // Connections currently open (idle + leased); for tests and metrics.
  size_t open_connections() const;

  // What the pool has done, for monitoring (README, "Metrics and alerts").
  struct Stats {
    size_t size = 0;
    size_t open = 0;  // idle + leased + being opened
    size_t idle = 0;
    size_t waiting = 0;  // callers waiting in acquire() for a connection
    uint64_t acquire_timeouts = 0;
    uint64_t connections_lost = 0;  // discarded as broken
    uint64_t unavailable = 0;       // failures by DatabaseFailure
    uint64_t outcome_unknown = 0;
    uint64_t internal = 0;
  };
  Stats stats() const;

 private:
  void release(std::unique_ptr<pqxx::connection> conn, bool broken);
  void count_failure(const DatabaseError& e);
  std::unique_ptr<pqxx::connection> open_connection();

  const std::string conninfo_;
  const size_t size_;
  const std::vector<Statement> statements_;
  const PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle + leased + being opened
  size_t waiting_ = 0;
  // Counters read by stats() without the lock.
  std::atomic<uint64_t> acquire_timeouts_{0};
  std::atomic<uint64_t> connections_lost_{0};
  std::atomic<uint64_t> failures_[3] = {};  // by DatabaseFailure
};

}  // namespace signet::store
