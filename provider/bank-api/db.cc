#include "bank-api/db.h"

#include <chrono>
#include <iterator>
#include <string>

namespace signet::bank {

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
ALTER TABLE bank.payments ADD COLUMN IF NOT EXISTS creditor_name text NOT NULL DEFAULT '';
-- A payment_initiation consent (RFC 9396) pays once: its grant and the digest
-- of its canonical JSON, recorded with the payment in one transaction.
CREATE TABLE IF NOT EXISTS bank.used_consents (
  grant_id      text NOT NULL,
  detail_digest text NOT NULL,
  payment_id    uuid NOT NULL REFERENCES bank.payments (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (grant_id, detail_digest)
);
-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the first
-- answer to a key, per client and customer, kept 24 hours.
CREATE TABLE IF NOT EXISTS bank.idempotency_keys (
  client_id      text NOT NULL,
  owner_subject  text NOT NULL,
  key            text NOT NULL,
  request_digest text NOT NULL,
  status         integer NOT NULL,
  response       text NOT NULL,
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (client_id, owner_subject, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON bank.idempotency_keys (expires_at);
)sql";

// Every statement bank-api runs. Each query names the token's subject, so a
// customer only ever reaches rows of accounts she owns.
const store::Statement kStatements[] = {
    {"has_demo_account",
     "SELECT EXISTS (SELECT 1 FROM bank.accounts WHERE owner_subject = $1 AND is_demo)"},
    {"insert_demo_account",
     "INSERT INTO bank.accounts (owner_subject, name, iban, currency, balance, is_demo) "
     "VALUES ($1, 'Everyday account', $2, 'EUR', 0, true) "
     "ON CONFLICT (owner_subject) WHERE is_demo DO NOTHING RETURNING id::text"},
    // Only the winner of insert_demo_account adds it, in the same transaction:
    // is_demo marks the one row the partial unique index serializes on.
    {"insert_demo_savings_account",
     "INSERT INTO bank.accounts (owner_subject, name, iban, currency, balance, is_demo) "
     "VALUES ($1, 'Savings account', $2, 'EUR', 0, false) RETURNING id::text"},
    {"insert_demo_savings_transactions",
     "INSERT INTO bank.transactions (account_id, booked_at, description, amount, currency) "
     "SELECT $1::uuid, CURRENT_DATE - v.days_ago, v.description, v.amount, 'EUR' FROM (VALUES "
     "(57, 'Transfer from Everyday account', 300.00), "
     "(27, 'Transfer from Everyday account', 300.00), "
     "(1, 'Interest', 4.17)"
     ") AS v (days_ago, description, amount)"},
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
     "UPDATE bank.accounts SET balance = $2::numeric + "
     "(SELECT COALESCE(SUM(amount), 0) FROM bank.transactions WHERE account_id = $1::uuid) "
     "WHERE id = $1::uuid"},
    {"list_accounts",
     "SELECT id::text, name, iban, currency, balance::text FROM bank.accounts "
     "WHERE owner_subject = $1 ORDER BY created_at, is_demo DESC, id"},
    {"list_transactions",
     "SELECT t.id::text, t.account_id::text, to_char(t.booked_at, 'YYYY-MM-DD'), t.description, "
     "t.amount::text, t.currency FROM bank.transactions t "
     "JOIN bank.accounts a ON a.id = t.account_id "
     "WHERE a.owner_subject = $1 AND t.booked_at >= $2::date AND t.booked_at <= $3::date "
     "ORDER BY t.booked_at DESC, t.created_at DESC, t.id LIMIT 1000"},
    // The bookings of the accounts and periods authorization_details open: $2
    // is a JSON array of {"iban","from","to"} (authorization_details.h).
    {"list_granted_transactions",
     "SELECT t.id::text, t.account_id::text, to_char(t.booked_at, 'YYYY-MM-DD'), t.description, "
     "t.amount::text, t.currency FROM bank.transactions t "
     "JOIN bank.accounts a ON a.id = t.account_id "
     "WHERE a.owner_subject = $1 AND EXISTS (SELECT 1 FROM "
     "jsonb_to_recordset($2::jsonb) AS g (iban text, \"from\" date, \"to\" date) "
     "WHERE g.iban = a.iban AND t.booked_at BETWEEN g.\"from\" AND g.\"to\") "
     "ORDER BY t.booked_at DESC, t.created_at DESC, t.id LIMIT 1000"},
    {"lock_account",
     "SELECT iban, currency, balance >= $3::numeric FROM bank.accounts "
     "WHERE id = $1::uuid AND owner_subject = $2 FOR UPDATE"},
    {"debit_account",
     "UPDATE bank.accounts SET balance = balance - $2::numeric WHERE id = $1::uuid "
     "RETURNING balance::text"},
    {"insert_payment",
     "INSERT INTO bank.payments (account_id, to_iban, amount, currency, reference, client_id, "
     "creditor_name) VALUES ($1::uuid, $2, $3::numeric, $4, $5, $6, $7) "
     "RETURNING id::text, to_char(created_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), amount::text"},
    {"insert_payment_transaction",
     "INSERT INTO bank.transactions (account_id, booked_at, description, amount, currency) "
     "VALUES ($1::uuid, CURRENT_DATE, $2, -($3::numeric), $4)"},
    // Empty when the consent was used already (the primary key).
    {"use_consent",
     "INSERT INTO bank.used_consents (grant_id, detail_digest, payment_id) "
     "VALUES ($1, $2, $3::uuid) ON CONFLICT DO NOTHING RETURNING 1"},
    // Held to the end of the transaction: a second request with the same key
    // does not wait for the first but is told it is still running.
    {"lock_idempotency_key", "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))"},
    // This key when expired, and a bounded batch of other expired keys.
    {"forget_idempotency_keys",
     "DELETE FROM bank.idempotency_keys WHERE expires_at <= now() AND "
     "((client_id = $1 AND owner_subject = $2 AND key = $3) OR ctid = ANY (ARRAY("
     "SELECT ctid FROM bank.idempotency_keys WHERE expires_at <= now() LIMIT 100)))"},
    {"find_idempotency_key",
     "SELECT request_digest, status, response FROM bank.idempotency_keys "
     "WHERE client_id = $1 AND owner_subject = $2 AND key = $3"},
    {"insert_idempotency_key",
     "INSERT INTO bank.idempotency_keys "
     "(client_id, owner_subject, key, request_digest, status, response, expires_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, now() + interval '24 hours')"},
};

}  // namespace

void ensure_schema(pqxx::connection& conn) {
  pqxx::work tx(conn);
  tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLock) + ")");
  tx.exec(kSchema);
  tx.commit();
}

std::vector<store::Statement> statements() {
  return {std::begin(kStatements), std::end(kStatements)};
}

store::PoolOptions pool_options() {
  store::PoolOptions o;
  o.session_setup = "SET statement_timeout = '10s'; SET lock_timeout = '5s'; SET TIME ZONE 'UTC'";
  o.prepare_at_open = true;  // a broken statement fails when the connection opens
  o.acquire_timeout = std::chrono::seconds(5);
  return o;
}

void prepare_connection(pqxx::connection& conn) {
  store::prepare_connection(conn, statements(), pool_options());
}

}  // namespace signet::bank
