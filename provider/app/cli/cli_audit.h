// The audit trail of the admin CLI: client and signing-key changes are written
// to audit_events at once (the command runs once; there is no writer thread),
// plus the JSON log line on stderr.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "store/postgres_store.h"

namespace signet::cli {

// Records `event` ("client.changed", "key.changed") with `detail` (identifiers
// only, never a secret) and who ran the command. The change is already made, so
// a failure to store the event is reported on `err` but does not fail the command.
void audit_change(store::PostgresStore& store, std::ostream& err, const std::string& event,
                  const std::string& client_id, nlohmann::json detail);

}  // namespace signet::cli
