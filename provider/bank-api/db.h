// A small libpqxx connection pool for bank-api (mutex + condition variable).
// Connections are opened lazily up to `size`, each prepared with every statement
// on open. A connection that broke is discarded, never returned to the pool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace signet::bank {

class ConnectionPool {
 public:
  using Setup = std::function<void(pqxx::connection&)>;

  ConnectionPool(std::string conninfo, size_t size, Setup setup);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    // Drops the connection instead of returning it (after broken_connection).
    void discard();

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Waits up to `timeout` for a connection, opening one if the pool is below
  // its size. Throws pqxx::broken_connection when one cannot be opened and
  // std::runtime_error on timeout.
  Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Closes every idle connection: after one broke (a server restart or
  // failover ends them all), the next acquire opens a fresh one.
  void discard_idle();

 private:
  void release(std::unique_ptr<pqxx::connection> conn, bool discard);

  std::string conninfo_;
  size_t size_;
  Setup setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle + leased + being opened
};

// Creates schema `bank` and its tables if missing: one transaction, serialized
// across processes by an advisory lock. Throws on failure.
void ensure_schema(pqxx::connection& conn);

// Per-connection setup: session settings and every prepared statement.
void prepare_connection(pqxx::connection& conn);

}  // namespace signet::bank
