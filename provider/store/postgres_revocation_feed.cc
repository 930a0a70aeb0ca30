#include "store/postgres_revocation_feed.h"

#include <algorithm>
#include <string>

#include "store/store_call.h"

namespace signet::store {

using protocol::OAuthError;
using protocol::RevocationPage;

std::vector<Statement> PostgresRevocationFeed::statements() {
  return {
      // One statement, so the rows and the xmin come from one snapshot. A row
      // whose xid is below xmin belongs to a transaction that has ended: no row
      // can appear later below the returned cursor. Rows of one transaction
      // share an xid, hence the jti as a second key. The last column is the
      // snapshot's xmin, on every row and on the one extra row when none match.
      {"feed_revocations",
       "WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin), "
       "r AS (SELECT t.xid, t.jti, t.expires_at FROM revoked_tokens t, s "
       "WHERE t.xid < s.xmin AND (t.xid > $1::xid8 OR (t.xid = $1::xid8 AND t.jti > $2)) "
       "AND t.expires_at > $3 ORDER BY t.xid, t.jti LIMIT $4) "
       "SELECT r.xid::text, r.jti, r.expires_at, s.xmin::text FROM s LEFT JOIN r ON true "
       "ORDER BY r.xid, r.jti"},
  };
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

protocol::StoreResult<RevocationPage> PostgresRevocationFeed::revocations_after(
    std::string_view cursor, int64_t now, int64_t limit) {
  std::string xid = "0";
  std::string jti;  // "" sorts before every jti: the whole transaction comes
  if (!cursor.empty()) {
    const size_t colon = cursor.find(':');
    xid = std::string(cursor.substr(0, colon));
    if (colon != std::string_view::npos) jti = std::string(cursor.substr(colon + 1));
    if (!all_digits(xid) || (colon != std::string_view::npos && jti.empty())) {
      return fail(OAuthError::invalid_request("The after parameter is not a cursor of this feed."));
    }
  }
  return run<RevocationPage>(pool_, "revocations_after", kRetry, [&](pqxx::connection& c) {
    pqxx::nontransaction t(c);  // one statement: one snapshot
    const pqxx::result rows = t.exec_prepared("feed_revocations", xid, jti, now, limit);
    RevocationPage page;
    std::string xmin;
    for (const auto& r : rows) {
      xmin = r[3].as<std::string>();
      if (r[0].is_null()) continue;  // no row matched
      page.entries.push_back({r[1].as<std::string>(), r[2].as<int64_t>()});
      page.cursor = r[0].as<std::string>() + ":" + r[1].as<std::string>();
    }
    page.complete = static_cast<int64_t>(page.entries.size()) < limit;
    // Complete: everything below xmin was handed out, so the next read starts
    // there (and never again scans what is behind it).
    if (page.complete) page.cursor = xmin;
    return page;
  });
}

}  // namespace signet::store
