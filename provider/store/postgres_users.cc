#include "store/postgres_users.h"

#include <string>
#include <utility>

#include "store/pg_values.h"
#include "store/store_call.h"

namespace signet::store {

using protocol::OAuthError;
using protocol::User;

namespace {

const char* const kUserColumns =
    "subject::text, username, name, email, password_hash, email_verified";

User user_from(const pqxx::row& r) {
  User u;
  u.subject = r[0].as<std::string>();
  u.username = r[1].as<std::string>();
  u.name = r[2].as<std::string>();
  u.email = r[3].as<std::string>();
  u.password_hash = r[4].as<std::string>();
  u.email_verified = r["email_verified"].as<bool>();
  return u;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

std::vector<Statement> PostgresUsers::statements() {
  const std::string cols = kUserColumns;
  return {
      {"find_user_by_username", "SELECT " + cols + " FROM users WHERE username = $1"},
      {"find_user_by_subject", "SELECT " + cols + " FROM users WHERE subject = $1::uuid"},
      {"create_user",
       "INSERT INTO users (username, password_hash, name, email) VALUES ($1, $2, $3, $4) "
       "RETURNING " +
           cols},
      {"set_email_verified", "UPDATE users SET email_verified = $2 WHERE subject = $1::uuid"},
  };
}

PostgresUsers::StoreResult<std::optional<User>> PostgresUsers::find_user_by_username(
    std::string_view username) {
  return run<std::optional<User>>(
      pool_, "find_user_by_username", kRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_user_by_username", str(username));
        if (r.empty()) return std::nullopt;
        return user_from(r[0]);
      });
}

PostgresUsers::StoreResult<std::optional<User>> PostgresUsers::find_user_by_subject(
    std::string_view subject) {
  if (!looks_like_uuid(subject)) return std::optional<User>{};  // no such subject can exist
  return run<std::optional<User>>(
      pool_, "find_user_by_subject", kRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_user_by_subject", str(subject));
        if (r.empty()) return std::nullopt;
        return user_from(r[0]);
      });
}

PostgresUsers::StoreResult<User> PostgresUsers::create_user(std::string_view username,
                                                            std::string_view password_hash,
                                                            std::string_view name,
                                                            std::string_view email) {
  if (username.empty() || password_hash.empty()) {
    return fail(OAuthError::invalid_request("username and password hash are required"));
  }
  auto r = run<std::optional<User>>(
      pool_, "create_user", kNoRetry, [&](pqxx::connection& c) -> std::optional<User> {
        pqxx::work t(c);
        pqxx::result res;
        try {
          res = t.exec_prepared("create_user", str(username), str(password_hash), str(name),
                                str(email));
        } catch (const pqxx::unique_violation&) {
          return std::nullopt;
        }
        t.commit();
        return user_from(res[0]);
      });
  if (!r.ok()) return fail(std::move(r.error()));
  if (!r.value())
    return fail(protocol::OAuthError::conflict("user already exists", "username " + str(username)));
  return std::move(*r.value());
}

PostgresUsers::StoreResult<Ok> PostgresUsers::set_email_verified(std::string_view subject,
                                                                 bool verified) {
  return run<Ok>(pool_, "set_email_verified", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec_prepared("set_email_verified", str(subject), verified);
    t.commit();
    return Ok{};
  });
}

}  // namespace signet::store
