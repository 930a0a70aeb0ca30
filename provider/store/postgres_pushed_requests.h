// Pushed authorization requests (RFC 9126, sql/0013) in PostgreSQL, by the
// digest of their request_uri. Issuing a code spends its request in the code's
// own transaction (postgres_codes.cc); the reaper deletes expired ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/pushed_request.h"
#include "store/database.h"

namespace signet::store {

class PostgresPushedRequests : public protocol::PushedRequestStore {
 public:
  template <class T>
  using StoreResult = protocol::StoreResult<T>;

  explicit PostgresPushedRequests(ConnectionPool& pool) : pool_(pool) {}
  static std::vector<Statement> statements();

  StoreResult<Ok> save_pushed_request(const protocol::PushedRequest& request) override;
  StoreResult<std::optional<protocol::PushedRequest>> find_pushed_request(std::string_view digest,
                                                                          int64_t now) override;
  StoreResult<Ok> spend_pushed_request(std::string_view digest, int64_t now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace signet::store
