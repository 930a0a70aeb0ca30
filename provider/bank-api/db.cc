#include "bank-api/db.h"

#include <stdexcept>
#include <utility>

namespace signet::bank {

ConnectionPool::ConnectionPool(std::string conninfo, size_t size, Setup setup)
    : conninfo_(std::move(conninfo)), size_(size == 0 ? 1 : size), setup_(std::move(setup)) {}

ConnectionPool::Lease::~Lease() {
  if (conn_ && pool_ != nullptr) {
    bool broken = !conn_->is_open();
    pool_->release(std::move(conn_), broken);
  }
}

void ConnectionPool::Lease::discard() {
  if (conn_ && pool_ != nullptr) pool_->release(std::move(conn_), true);
}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return !idle_.empty() || open_ < size_; })) {
      throw std::runtime_error("timed out waiting for a database connection");
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve a slot, open outside the lock
  }
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo_);
    if (setup_) setup_(*conn);
    return Lease(this, std::move(conn));
  } catch (...) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    throw;
  }
}

void ConnectionPool::release(std::unique_ptr<pqxx::connection> conn, bool discard) {
  {
    std::lock_guard lock(mu_);
    if (discard) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  if (discard && conn) {
    try {
      conn->disconnect();
    } catch (...) {  // closing a broken link may fail; it is gone either way
    }
    conn.reset();
  }
  cv_.notify_one();
}

void ConnectionPool::discard_idle() {
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  {
    std::lock_guard lock(mu_);
    idle.swap(idle_);
    open_ -= idle.size();
  }
  for (auto& conn : idle) {
    try {
      conn->disconnect();
    } catch (...) {
    }
  }
  cv_.notify_all();
}

namespace {

// "bank" in ASCII: the advisory lock serializing schema creation.
constexpr long long kSchemaLock = 0x62616e6b;

constexpr const char* kSchema = R"sql(
CREATE SCHEMA IF NOT EXISTS bank;
CREATE TABLE IF NOT EXISTS bank.accounts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_subject text NOT NULL,
  name          text NOT NULL,
  iban          text NOT NULL UNIQUE,
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance       numeric(14,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
  is_demo       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS accounts_owner_subject_idx ON bank.accounts (owner_subject);
CREATE UNIQUE INDEX IF NOT EXISTS accounts_demo_owner_key
  ON bank.accounts (owner_subject) WHERE is_demo;
CREATE TABLE IF NOT EXISTS bank.transactions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  uuid NOT NULL REFERENCES bank.accounts (id) ON DELETE CASCADE,
  booked_at   date NOT NULL,
  description text NOT NULL,
  amount      numeric(14,2) NOT NULL,
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS transactions_account_booked_idx
  ON bank.transactions (account_id, booked_at);
CREATE TABLE IF NOT EXISTS bank.payments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  uuid NOT NULL REFERENCES bank.accounts (id) ON DELETE CASCADE,
  to_iban     text NOT NULL,
  amount      numeric(14,2) NOT NULL CHECK (amount > 0),
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  reference   text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  client_id   text NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_account_created_idx
  ON bank.payments (account_id, created_at);
)sql";

struct Statement {
  const char* name;
  const char* sql;
};

// Every statement bank-api runs. Each query names the token's subject, so a
// customer only ever reaches rows of accounts she owns.
constexpr Statement kStatements[] = {
    {"has_demo_account",
     "SELECT EXISTS (SELECT 1 FROM bank.accounts WHERE owner_subject = $1 AND is_demo)"},
    {"insert_demo_account",
     "INSERT INTO bank.accounts (owner_subject, name, iban, currency, balance, is_demo) "
     "VALUES ($1, 'Everyday account', $2, 'EUR', 0, true) "
     "ON CONFLICT (owner_subject) WHERE is_demo DO NOTHING RETURNING id::text"},
    {"insert_demo_transactions",
     "INSERT INTO bank.transactions (account_id, booked_at, description, amount, currency) "
     "SELECT $1::uuid, CURRENT_DATE - v.days_ago, v.description, v.amount, 'EUR' FROM (VALUES "
     "(58, 'Salary ACME Industries GmbH', 3200.00), "
     "(56, 'Rent Lindenstrasse 12', -1150.00), "
     "(53, 'Grocery store', -64.37), "
     "(49, 'Corner Coffee', -3.80), "
     "(44, 'City Power electricity', -72.00), "
     "(37, 'Grocery store', -48.12), "
     "(28, 'Salary ACME Industries GmbH', 3200.00), "
     "(27, 'Rent Lindenstrasse 12', -1150.00), "
     "(21, 'Corner Coffee', -4.20), "
     "(15, 'Rail ticket', -29.90), "
     "(9, 'Grocery store', -57.45), "
     "(3, 'Corner Coffee', -3.60)"
     ") AS v (days_ago, description, amount)"},
    {"set_demo_balance",
     "UPDATE bank.accounts SET balance = 1000.00 + "
     "(SELECT COALESCE(SUM(amount), 0) FROM bank.transactions WHERE account_id = $1::uuid) "
     "WHERE id = $1::uuid"},
    {"list_accounts",
     "SELECT id::text, name, iban, currency, balance::text FROM bank.accounts "
     "WHERE owner_subject = $1 ORDER BY created_at, id"},
    {"list_transactions",
     "SELECT t.id::text, t.account_id::text, to_char(t.booked_at, 'YYYY-MM-DD'), t.description, "
     "t.amount::text, t.currency FROM bank.transactions t "
     "JOIN bank.accounts a ON a.id = t.account_id "
     "WHERE a.owner_subject = $1 AND t.booked_at >= $2::date AND t.booked_at <= $3::date "
     "ORDER BY t.booked_at DESC, t.created_at DESC, t.id LIMIT 1000"},
    {"lock_account",
     "SELECT iban, currency, balance >= $3::numeric FROM bank.accounts "
     "WHERE id = $1::uuid AND owner_subject = $2 FOR UPDATE"},
    {"debit_account",
     "UPDATE bank.accounts SET balance = balance - $2::numeric WHERE id = $1::uuid "
     "RETURNING balance::text"},
    {"insert_payment",
     "INSERT INTO bank.payments (account_id, to_iban, amount, currency, reference, client_id) "
     "VALUES ($1::uuid, $2, $3::numeric, $4, $5, $6) "
     "RETURNING id::text, to_char(created_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), amount::text"},
    {"insert_payment_transaction",
     "INSERT INTO bank.transactions (account_id, booked_at, description, amount, currency) "
     "VALUES ($1::uuid, CURRENT_DATE, $2, -($3::numeric), $4)"},
};

}  // namespace

void ensure_schema(pqxx::connection& conn) {
  pqxx::work tx(conn);
  tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLock) + ")");
  tx.exec(kSchema);
  tx.commit();
}

void prepare_connection(pqxx::connection& conn) {
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SET statement_timeout = '10s'; SET lock_timeout = '5s'; SET TIME ZONE 'UTC'");
  }
  for (const auto& s : kStatements) {
    conn.prepare(s.name, s.sql);
#if PQXX_VERSION_MAJOR < 7
    conn.prepare_now(s.name);  // 6.x prepares lazily; fail now, not mid-request
#endif
  }
}

}  // namespace signet::bank
