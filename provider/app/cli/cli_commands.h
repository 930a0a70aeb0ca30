// Admin commands of the `signet` binary: migrate, user add, client add, client list.
// Each prints JSON on stdout when it succeeds; on failure it prints ONE line on stderr
// ("error: ...", naming the bad argument when there is one) and returns non-zero:
// 2 for bad arguments, 1 for anything else.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace signet::cli {

// `args` are the words after the subcommand (e.g. after "user add").
int cmd_migrate(const std::string& db_url);
int cmd_user_add(const std::string& db_url, const std::vector<std::string>& args);
int cmd_client_add(const std::string& db_url, const std::vector<std::string>& args);
int cmd_client_list(const std::string& db_url);

// The same, with explicit streams (tests).
int cmd_migrate(const std::string& db_url, std::ostream& out, std::ostream& err);
int cmd_user_add(const std::string& db_url, const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err);
int cmd_client_add(const std::string& db_url, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);
int cmd_client_list(const std::string& db_url, std::ostream& out, std::ostream& err);

// Redirect URI rules for registration: absolute http(s) URI without fragment or
// userinfo; https unless the host is 127.0.0.1, localhost or [::1]. Returns an
// empty string when valid, else the reason.
std::string check_redirect_uri(const std::string& uri);

}  // namespace signet::cli
