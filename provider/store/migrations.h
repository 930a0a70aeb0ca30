// Schema migrations: the sql/NNNN_name.sql files, embedded into the binary at build
// time and applied in order by `signet migrate`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace signet::store {

struct Migration {
  int version = 0;       // NNNN
  std::string name;      // "NNNN_name", the file name without ".sql"
  std::string_view sql;  // the file's text
};

// The embedded migrations, sorted by version (generated from sql/*.sql).
const std::vector<Migration>& embedded_migrations();

// Applies every embedded migration not yet recorded in schema_migrations, each in
// its own transaction under a transaction-level advisory lock, so that running it
// twice, or from two processes at once, applies each migration exactly once.
// Returns the names of the migrations applied by this call (empty: up to date).
// Fails if an applied migration's text has changed since it was applied.
Result<std::vector<std::string>> migrate(const std::string& conninfo);

}  // namespace signet::store
