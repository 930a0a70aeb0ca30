#include "test_database.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/crypto.h"
#include "store/migrations.h"

namespace signet::store::testing {
namespace {

std::string g_admin;
std::string g_conninfo;
std::vector<std::string> g_applied;
std::vector<std::string> g_databases;

// The admin connection string, pointed at database `db` (keyword or URI form).
std::string with_dbname(const std::string& admin, const std::string& db) {
  if (admin.rfind("postgres://", 0) == 0 || admin.rfind("postgresql://", 0) == 0) {
    const size_t auth = admin.find("://") + 3;
    const size_t path = admin.find_first_of("/?", auth);
    if (path == std::string::npos) return admin + "/" + db;
    if (admin[path] == '?') return admin.substr(0, path) + "/" + db + admin.substr(path);
    const size_t query = admin.find('?', path);
    return admin.substr(0, path) + "/" + db +
           (query == std::string::npos ? "" : admin.substr(query));
  }
  return admin + " dbname=" + db;  // a later keyword overrides an earlier one
}

std::string new_database() {
  std::string name = "signet_test_";
  for (unsigned char c : random_bytes(8)) {
    const char* hex = "0123456789abcdef";
    name += hex[c >> 4];
    name += hex[c & 15];
  }
  pqxx::connection admin(g_admin);
  pqxx::nontransaction t(admin);
  t.exec("CREATE DATABASE " + t.quote_name(name));
  g_databases.push_back(name);
  return with_dbname(g_admin, name);
}

class Environment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_conninfo = new_database();
    auto applied = migrate(g_conninfo);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    g_applied = applied.value();
  }
  void TearDown() override {
    try {
      pqxx::connection admin(g_admin);
      pqxx::nontransaction t(admin);
      for (const auto& db : g_databases) {
        t.exec("DROP DATABASE IF EXISTS " + t.quote_name(db) + " WITH (FORCE)");
      }
    } catch (const std::exception& e) {
      std::cerr << "could not drop the test databases: " << e.what() << '\n';
    }
  }
};

}  // namespace

const std::string& test_conninfo() { return g_conninfo; }
const std::vector<std::string>& initially_applied() { return g_applied; }
std::string create_extra_database() { return new_database(); }

void admin_exec(const std::string& sql) {
  pqxx::connection c(g_conninfo);
  pqxx::nontransaction t(c);
  t.exec(sql);
}

}  // namespace signet::store::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const char* url = std::getenv("SIGNET_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::cerr << "FAIL: SIGNET_TEST_DATABASE_URL is not set. These tests need a real "
                 "PostgreSQL: set it to an admin connection string, e.g. "
                 "\"host=/tmp/pg port=5432 dbname=postgres user=postgres\" (deploy/ scripts "
                 "start a private cluster).\n";
    return 1;
  }
  signet::store::testing::g_admin = url;
  try {
    pqxx::connection probe(url);
  } catch (const std::exception& e) {
    std::cerr << "FAIL: cannot connect with SIGNET_TEST_DATABASE_URL: " << e.what() << '\n';
    return 1;
  }
  ::testing::AddGlobalTestEnvironment(new signet::store::testing::Environment);
  return RUN_ALL_TESTS();
}
