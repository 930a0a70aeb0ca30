// signet: the authorization server and its admin CLI.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_commands.h"
#include "app/serve.h"
#include "config/config.h"

namespace {

const char* const kUsage =
    "usage: signet COMMAND\n"
    "  serve                                 run the authorization server\n"
    "  migrate                               apply database migrations (safe to repeat)\n"
    "  user add USERNAME --password-stdin [--name N] [--email E] [--email-verified]\n"
    "  client add --name NAME --redirect-uri URI... --scope \"a b\" [--public] [--grant TYPE]...\n"
    "             [--access-token-ttl SECONDS] [--id-token-alg RS256|ES256]\n"
    "             [--post-logout-redirect-uri URI]... [--authorization-details-types \"T ...\"]\n"
    "  client list\n"
    "  client add --metadata FILE.json        RFC 7591 metadata "
    "(schemas/client-metadata.schema.json)\n"
    "  client show|delete|rotate-secret CLIENT_ID\n"
    "  client update CLIENT_ID [--name N] [--add-redirect-uri URI]... [--remove-redirect-uri "
    "URI]...\n"
    "                [--scope \"a b\"] [--grant TYPE]... [--access-token-ttl SECONDS|default]\n"
    "                [--authorization-details-types \"T ...\"]\n"
    "  keys list                             signing keys (kid, alg, state, times)\n"
    "  keys rotate [--alg ES256|RS256] [--now]  new key: next, active after "
    "SIGNET_KEY_PUBLISH_DELAY\n"
    "  keys revoke KID                       withdraw a key at once (a leaked key)\n"
    "  resource add --audience URI --name NAME --scope \"a b\" [--client CLIENT_ID]...\n"
    "  resource update AUDIENCE [--name N] [--scope \"a b\"] [--client CLIENT_ID]... "
    "[--add-client ID]...\n"
    "                  [--remove-client ID]... [--no-clients]\n"
    "  resource list\n"
    "Settings come from SIGNET_* environment variables (see README).\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  if (command == "serve") return signet::app::serve();

  auto config = signet::config::load_config(std::getenv);
  if (!config) {
    std::cerr << "signet: " << config.error().message << "\n";
    return 2;
  }
  const std::string& db = config->database_url;
  if (int rc =
          signet::cli::dispatch_admin_command(args, db, config->master_key, config->signing_alg);
      rc >= 0) {
    return rc;
  }
  if (command == "migrate") return signet::cli::cmd_migrate(db);
  if ((command == "user" || command == "client") && args.size() >= 2) {
    std::vector<std::string> rest(args.begin() + 2, args.end());
    if (command == "user" && args[1] == "add") return signet::cli::cmd_user_add(db, rest);
    if (command == "client" && args[1] == "add") return signet::cli::cmd_client_add(db, rest);
    if (command == "client" && args[1] == "list") return signet::cli::cmd_client_list(db);
  }
  std::cerr << "signet: unknown command \"" << command << (args.size() >= 2 ? " " + args[1] : "")
            << "\"; see signet --help\n";
  return 2;
}
