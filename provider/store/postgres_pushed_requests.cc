#include "store/postgres_pushed_requests.h"

#include <string>

#include <nlohmann/json.hpp>

#include "store/store_call.h"

namespace signet::store {

using protocol::PushedRequest;

namespace {

std::string str(std::string_view s) { return std::string(s); }

// The parameters travel as a JSON object of strings (jsonb).
std::string params_json(const Params& params) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : params) j[name] = value;
  return j.dump();
}

// Written by params_json above; a row edited by hand into another shape is a
// server error (the exception reaches store_call's handler), never a wrong request.
Params params_from(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text);
  Params params;
  for (auto it = doc.begin(); it != doc.end(); ++it)
    params[it.key()] = it.value().get<std::string>();
  return params;
}

}  // namespace

std::vector<Statement> PostgresPushedRequests::statements() {
  return {
      {"save_pushed_request",
       "INSERT INTO pushed_authorization_requests (request_uri_digest, client_id, params, "
       "expires_at) VALUES ($1, $2, $3::jsonb, $4)"},
      {"find_pushed_request",
       "SELECT client_id, params::text, expires_at FROM pushed_authorization_requests "
       "WHERE request_uri_digest = $1 AND spent_at IS NULL AND expires_at > $2"},
      // Single use: only one transaction can flip spent_at from NULL (the row lock makes
      // a concurrent spender wait, then re-check the condition and find it false).
      {"spend_pushed_request",
       "UPDATE pushed_authorization_requests SET spent_at = $2 "
       "WHERE request_uri_digest = $1 AND spent_at IS NULL AND expires_at > $2 RETURNING 1"},
  };
}

PostgresPushedRequests::StoreResult<Ok> PostgresPushedRequests::save_pushed_request(
    const PushedRequest& request) {
  // Not retried: the digest is random, so a committed first attempt would make the
  // retry a duplicate key, reported as an error anyway.
  return run<Ok>(pool_, "save_pushed_request", kNoRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    t.exec_prepared("save_pushed_request", request.request_uri_digest, request.client_id,
                    params_json(request.params), request.expires_at);
    return Ok{};
  });
}

PostgresPushedRequests::StoreResult<std::optional<PushedRequest>>
PostgresPushedRequests::find_pushed_request(std::string_view digest, int64_t now) {
  return run<std::optional<PushedRequest>>(
      pool_, "find_pushed_request", kRetry,
      [&](pqxx::connection& c) -> std::optional<PushedRequest> {
        pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
        const pqxx::result r = t.exec_prepared("find_pushed_request", str(digest), now);
        if (r.empty()) return std::nullopt;
        PushedRequest p;
        p.request_uri_digest = str(digest);
        p.client_id = r[0][0].as<std::string>();
        p.params = params_from(r[0][1].as<std::string>());
        p.expires_at = r[0][2].as<int64_t>();
        return p;
      });
}

PostgresPushedRequests::StoreResult<Ok> PostgresPushedRequests::spend_pushed_request(
    std::string_view digest, int64_t now) {
  // Idempotent: spending a spent request changes nothing.
  return run<Ok>(pool_, "spend_pushed_request", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: atomic alone, one round trip
    t.exec_prepared("spend_pushed_request", str(digest), now);
    return Ok{};
  });
}

}  // namespace signet::store
