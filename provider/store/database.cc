#include "store/database.h"

#include <exception>

namespace signet::store {

DatabaseError classify_sqlstate(std::string_view s) {
  const std::string_view cls = s.substr(0, 2);
  // Class 08: connection exception; 57P01-57P03: the server is shutting down or
  // starting. The connection is gone.
  if (cls == "08" || s == "57P01" || s == "57P02" || s == "57P03") {
    return {DatabaseFailure::kUnavailable, true, {}};
  }
  // Class 53: insufficient resources (too many connections, disk full, out of memory);
  // 40001 / 40P01: serialization failure or deadlock; 55P03: lock not available;
  // 57014: statement cancelled (timeout). All transient, and the connection stays usable.
  if (cls == "53" || s == "40001" || s == "40P01" || s == "55P03" || s == "57014") {
    return {DatabaseFailure::kUnavailable, false, {}};
  }
  return {DatabaseFailure::kInternal, false, {}};
}

DatabaseError classify_exception(std::string_view operation) {
  using F = DatabaseFailure;
  const std::string op(operation);
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return {F::kUnavailable, true, op + ": connection lost: " + e.what()};
  } catch (const pqxx::in_doubt_error& e) {
    // The link broke during COMMIT: the outcome is unknown. Writes are idempotent.
    return {F::kOutcomeUnknown, true, op + ": commit in doubt: " + e.what()};
  } catch (const pqxx::sql_error& e) {
    DatabaseError out = classify_sqlstate(e.sqlstate());
    out.detail = op + ": SQLSTATE " + e.sqlstate() + ": " + e.what();
    return out;
  } catch (const pqxx::statement_completion_unknown& e) {
    return {F::kOutcomeUnknown, true, op + ": outcome unknown: " + e.what()};
  } catch (const pqxx::transaction_rollback& e) {
    // Serialization failure or deadlock (libpqxx 6 reports them outside sql_error).
    return {F::kUnavailable, false, op + ": rolled back: " + e.what()};
  } catch (const pqxx::failure& e) {
    // A failure that is not an SQL error (e.g. libpq could not send the query)
    // leaves the connection in an unknown state: drop it.
    return {F::kInternal, true, op + ": " + e.what()};
  } catch (const PoolTimeout& e) {
    return {F::kUnavailable, false, op + ": " + e.what()};
  } catch (const std::exception& e) {
    return {F::kInternal, false, op + ": " + e.what()};
  } catch (...) {
    return {F::kInternal, false, op + ": unknown exception"};
  }
}

void prepare_connection(pqxx::connection& conn, const std::vector<Statement>& statements,
                        const PoolOptions& options) {
  if (!options.session_setup.empty()) {
    pqxx::nontransaction t(conn);
    t.exec(options.session_setup);
  }
  for (const auto& s : statements) {
    conn.prepare(s.name, s.sql);
#if PQXX_VERSION_MAJOR < 7
    if (options.prepare_at_open) conn.prepare_now(s.name);  // 7.x prepares at once
#endif
  }
}

ConnectionPool::ConnectionPool(std::string conninfo, size_t size, std::vector<Statement> statements,
                               PoolOptions options)
    : conninfo_(std::move(conninfo)),
      size_(size == 0 ? 1 : size),
      statements_(std::move(statements)),
      options_(std::move(options)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::~Lease() {
  if (conn_ && pool_) pool_->release(std::move(conn_), false);
}

void ConnectionPool::Lease::discard() {
  if (conn_ && pool_) pool_->release(std::move(conn_), true);
}

std::unique_ptr<pqxx::connection> ConnectionPool::open_connection() {
  auto conn = std::make_unique<pqxx::connection>(conninfo_);
  prepare_connection(*conn, statements_, options_);
  return conn;
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  auto available = [&] { return !idle_.empty() || open_ < size_; };
  ++waiting_;
  const bool free = options_.acquire_timeout.count() > 0
                        ? cv_.wait_for(lock, options_.acquire_timeout, available)
                        : (cv_.wait(lock, available), true);
  --waiting_;
  if (!free) {
    acquire_timeouts_.fetch_add(1, std::memory_order_relaxed);
    throw PoolTimeout("no database connection free within " +
                      std::to_string(options_.acquire_timeout.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;  // reserve a slot, then connect without holding the lock
  lock.unlock();
  try {
    return Lease(this, open_connection());
  } catch (...) {
    lock.lock();
    --open_;
    lock.unlock();
    cv_.notify_one();
    throw;
  }
}

void ConnectionPool::release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  std::vector<std::unique_ptr<pqxx::connection>> to_close;
  {
    std::lock_guard lock(mu_);
    if (broken || !conn->is_open()) {
      connections_lost_.fetch_add(1, std::memory_order_relaxed);
      --open_;
      to_close.push_back(std::move(conn));
      // After a broken link (server restart, failover) the idle connections are
      // most likely dead too: drop them so that the retry gets a fresh one.
      if (broken) {
        open_ -= idle_.size();
        for (auto& c : idle_) to_close.push_back(std::move(c));
        idle_.clear();
      }
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_all();
  // Closing happens outside the lock (it may talk to the network).
  try {
    to_close.clear();
  } catch (...) {
  }
}

void ConnectionPool::count_failure(const DatabaseError& e) {
  failures_[static_cast<size_t>(e.failure)].fetch_add(1, std::memory_order_relaxed);
}

ConnectionPool::Stats ConnectionPool::stats() const {
  Stats s;
  {
    std::lock_guard lock(mu_);
    s.open = open_;
    s.idle = idle_.size();
    s.waiting = waiting_;
  }
  s.size = size_;
  s.acquire_timeouts = acquire_timeouts_.load(std::memory_order_relaxed);
  s.connections_lost = connections_lost_.load(std::memory_order_relaxed);
  s.unavailable = failures_[static_cast<size_t>(DatabaseFailure::kUnavailable)].load();
  s.outcome_unknown = failures_[static_cast<size_t>(DatabaseFailure::kOutcomeUnknown)].load();
  s.internal = failures_[static_cast<size_t>(DatabaseFailure::kInternal)].load();
  return s;
}

size_t ConnectionPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace signet::store
