#include "store/postgres_scopes.h"

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::ScopeDescription;

std::vector<Statement> PostgresScopes::statements() {
  return {
      {"describe_scopes",
       "SELECT s.name, s.description FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord) "
       "JOIN scopes s ON s.name = q.name ORDER BY q.ord"},
      {"list_scopes", "SELECT name, description FROM scopes ORDER BY name"},
  };
}

PostgresScopes::StoreResult<std::vector<ScopeDescription>> PostgresScopes::describe_scopes(
    const std::vector<std::string>& names) {
  return run<std::vector<ScopeDescription>>(
      pool_, "describe_scopes", kRetry, [&](pqxx::connection& c) {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        std::vector<ScopeDescription> out;
        for (const auto& row : t.exec_prepared("describe_scopes", to_pg_text_array(names))) {
          out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
        }
        return out;
      });
}

PostgresScopes::StoreResult<std::vector<ScopeDescription>> PostgresScopes::list_scopes() {
  return run<std::vector<ScopeDescription>>(pool_, "list_scopes", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    std::vector<ScopeDescription> out;
    for (const auto& row : t.exec_prepared("list_scopes")) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    }
    return out;
  });
}

}  // namespace signet::store
