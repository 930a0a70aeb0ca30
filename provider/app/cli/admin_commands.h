// Admin commands for key rotation, client management and the resource registry.
// Same conventions as cli_commands.h: JSON on stdout on success; one line
// "error: ..." on stderr and exit 2 (bad arguments) or 1 (anything else).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace signet::cli {

// signet keys list
int cmd_keys_list(const std::string& db_url, std::ostream& out, std::ostream& err);
// signet keys rotate [--alg ES256|RS256] [--now]; `master_key` seals the new key,
// `default_alg` is SIGNET_SIGNING_ALG.
int cmd_keys_rotate(const std::string& db_url, const std::string& master_key,
                    const std::string& default_alg, const std::vector<std::string>& args,
                    std::ostream& out, std::ostream& err);
// signet keys revoke KID: the key leaves /jwks and every replica's ring at once;
// an active key is first replaced (a "next" key of its algorithm, else a new one
// sealed under `master_key`). An unknown KID is an error (exit 1).
int cmd_keys_revoke(const std::string& db_url, const std::string& master_key,
                    const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// signet client show|update|delete|rotate-secret CLIENT_ID ...
int cmd_client_show(const std::string& db_url, const std::vector<std::string>& args,
                    std::ostream& out, std::ostream& err);
int cmd_client_update(const std::string& db_url, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err);
int cmd_client_delete(const std::string& db_url, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err);
int cmd_client_rotate_secret(const std::string& db_url, const std::vector<std::string>& args,
                             std::ostream& out, std::ostream& err);
// signet client add --metadata FILE.json (RFC 7591 names, schemas/client-metadata.schema.json)
int cmd_client_add_metadata(const std::string& db_url, const std::vector<std::string>& args,
                            std::ostream& out, std::ostream& err);
// Checks client metadata; returns "" when valid, else the reason (names the field).
// `partial`: for `client update --metadata`, where every field is optional.
std::string check_client_metadata(const std::string& json_text, bool partial = false);

// signet resource add --audience URI --name NAME --scope "a b" [--client CLIENT_ID]...
// signet resource update AUDIENCE [--name N] [--scope "a b"] [--client CLIENT_ID]...
//                        [--add-client ID]... [--remove-client ID]... [--no-clients]
// signet resource list
// The clients act for the resource server: they may introspect its tokens.
int cmd_resource_add(const std::string& db_url, const std::vector<std::string>& args,
                     std::ostream& out, std::ostream& err);
int cmd_resource_update(const std::string& db_url, const std::vector<std::string>& args,
                        std::ostream& out, std::ostream& err);
int cmd_resource_list(const std::string& db_url, std::ostream& out, std::ostream& err);

// Dispatches "keys ...", "resource ..." and the client subcommands above;
// returns -1 when `words` is none of them.
int dispatch_admin_command(const std::vector<std::string>& words, const std::string& db_url,
                           const std::string& master_key, const std::string& default_alg);

}  // namespace signet::cli
