#include "app/cli/cli_audit.h"

#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include "protocol/audit.h"
#include "store/postgres_audit.h"

namespace signet::cli {
namespace {

// The operating-system account that ran the command, for "who changed it".
std::string operator_name() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (const char* login = getlogin(); login && *login) return login;
  return "uid:" + std::to_string(getuid());
}

}  // namespace

void audit_change(store::PostgresStore& store, std::ostream& err, const std::string& event,
                  const std::string& client_id, nlohmann::json detail) {
  detail["operator"] = operator_name();
  detail["via"] = "cli";
  protocol::AuditEvent e{event, client_id, "", "", "", std::move(detail)};
  std::string failure = store::write_audit_event_now(store.pool(), e, err);
  if (!failure.empty()) {
    err << nlohmann::json{{"level", "error"},
                          {"event", "audit_write_failed"},
                          {"audit_event", event},
                          {"detail", failure}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  }
}

}  // namespace signet::cli
