// The per-run test database: created from SIGNET_TEST_DATABASE_URL, migrated, dropped.
#pragma once

#include <chrono>
#include <string>
#include <thread>
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

// Polls until `check` holds or 5 s pass (a NOTIFY arrives asynchronously).
template <class F>
bool eventually(F check) {
  for (int i = 0; i < 100; ++i) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace signet::store::testing
