#include "store/database.h"

#include <exception>
#include <string_view>

namespace signet::store {

ClassifiedError classify_exception(const char* operation) {
  using protocol::OAuthError;
  const std::string op = operation;
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return {OAuthError::temporarily_unavailable(op + ": connection lost: " + e.what()), true};
  } catch (const pqxx::in_doubt_error& e) {
    // The link broke during COMMIT: the outcome is unknown. Writes are idempotent.
    return {OAuthError::temporarily_unavailable(op + ": commit in doubt: " + e.what()), true};
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    const std::string detail = op + ": SQLSTATE " + state + ": " + e.what();
    std::string_view s = state;
    // Class 08: connection exception; 57P01-57P03: the server is shutting down or starting.
    if (s.substr(0, 2) == "08" || s == "57P01" || s == "57P02" || s == "57P03") {
      return {OAuthError::temporarily_unavailable(detail), true};
    }
    // Class 53: insufficient resources (too many connections, disk full, out of memory);
    // 40001 / 40P01: serialization failure or deadlock; 55P03: lock not available;
    // 57014: statement cancelled (timeout). All transient.
    if (s.substr(0, 2) == "53" || s == "40001" || s == "40P01" || s == "55P03" || s == "57014") {
      return {OAuthError::temporarily_unavailable(detail), false};
    }
    return {OAuthError::server_error(detail), false};
  } catch (const pqxx::statement_completion_unknown& e) {
    return {OAuthError::temporarily_unavailable(op + ": outcome unknown: " + e.what()), true};
  } catch (const pqxx::transaction_rollback& e) {
    // Serialization failure or deadlock (libpqxx 6 reports them outside sql_error).
    return {OAuthError::temporarily_unavailable(op + ": rolled back: " + e.what()), false};
  } catch (const pqxx::failure& e) {
    // A failure that is not an SQL error (e.g. libpq could not send the query)
    // leaves the connection in an unknown state: drop it.
    return {OAuthError::server_error(op + ": " + e.what()), true};
  } catch (const std::exception& e) {
    return {OAuthError::server_error(op + ": " + e.what()), false};
  } catch (...) {
    return {OAuthError::server_error(op + ": unknown exception"), false};
  }
}

ConnectionPool::ConnectionPool(std::string conninfo, size_t size, std::vector<Statement> statements)
    : conninfo_(std::move(conninfo)),
      size_(size == 0 ? 1 : size),
      statements_(std::move(statements)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::~Lease() {
  if (conn_ && pool_) pool_->release(std::move(conn_), false);
}

void ConnectionPool::Lease::discard() {
  if (conn_ && pool_) pool_->release(std::move(conn_), true);
}

std::unique_ptr<pqxx::connection> ConnectionPool::open_connection() {
  auto conn = std::make_unique<pqxx::connection>(conninfo_);
  for (const auto& s : statements_) conn->prepare(s.name, s.sql);
  return conn;
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
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

size_t ConnectionPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace signet::store
