// bank-api's schema and SQL. The connection pool, its retry of idempotent work
// and the reading of database failures (SQLSTATE classes) are Signet's own
// (store/database.h, library signet_database), so both servers answer a
// database failure the same way.
#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "store/database.h"

namespace signet::bank {

using ConnectionPool = store::ConnectionPool;

// Creates schema `bank` and its tables if missing: one transaction, serialized
// across processes by an advisory lock. Throws on failure.
void ensure_schema(pqxx::connection& conn);

// Every statement bank-api runs. Each query names the token's subject, so a
// customer only ever reaches rows of accounts she owns.
std::vector<store::Statement> statements();

// The pool's settings: statement and lock timeouts, every statement prepared
// when a connection opens, and at most 5 s of waiting for a free connection.
store::PoolOptions pool_options();

// What the pool does to each new connection; at start-up, checks every statement once.
void prepare_connection(pqxx::connection& conn);

}  // namespace signet::bank
