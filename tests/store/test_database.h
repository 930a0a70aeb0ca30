// The per-run test database: created from SIGNET_TEST_DATABASE_URL, migrated, dropped.
#pragma once

#include <string>
#include <vector>

namespace signet::store::testing {

// Connection string of this run's migrated database.
const std::string& test_conninfo();
// Migrations applied when the database was created.
const std::vector<std::string>& initially_applied();
// Creates another empty database (dropped at exit); returns its connection string.
std::string create_extra_database();
// Runs SQL as the admin on this run's database (fixtures that bypass the store).
void admin_exec(const std::string& sql);

}  // namespace signet::store::testing
