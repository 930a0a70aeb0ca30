#include "app/cli/cli_commands.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/cli_audit.h"
#include "app/cli/cli_util.h"
#include "app/cli/client_cli.h"
#include "common/crypto.h"
#include "interaction/password.h"
#include "store/migrations.h"
#include "store/postgres_store.h"

namespace signet::cli {
namespace {

// Shared with the other admin command files: error lines, the option parser.
using namespace util;

template <class T>
void push_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

bool printable_no_space(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c != 0x7f; });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string check_redirect_uri(const std::string& uri) {
  if (uri.empty()) return "is empty";
  if (uri.size() > 2000) return "is too long";
  for (unsigned char c : uri) {
    if (c <= 0x20 || c >= 0x7f) return "contains a space, control or non-ASCII character";
  }
  if (uri.find('#') != std::string::npos) return "must not contain a fragment (#)";
  const size_t sep = uri.find("://");
  if (sep == std::string::npos) return "must be an absolute URI (scheme://host/path)";
  const std::string scheme = lower(uri.substr(0, sep));
  if (scheme != "https" && scheme != "http") return "must use https (or http on loopback)";
  const size_t auth_begin = sep + 3;
  const size_t auth_end = uri.find_first_of("/?", auth_begin);
  const std::string authority = uri.substr(
      auth_begin, auth_end == std::string::npos ? std::string::npos : auth_end - auth_begin);
  if (authority.empty()) return "has no host";
  if (authority.find('@') != std::string::npos) return "must not contain userinfo (@)";
  std::string host;
  std::string port;
  if (authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return "has an invalid IPv6 host";
    host = authority.substr(0, close + 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return "has an invalid port";
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return "has no host";
  if (authority.find(':') != std::string::npos && authority.back() == ':') {
    return "has an empty port";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoi(port) > 65535 || std::stoi(port) == 0) {
      return "has an invalid port";
    }
  }
  if (host.find('*') != std::string::npos) return "must not contain wildcards";
  const std::string h = lower(host);
  const bool loopback = h == "127.0.0.1" || h == "localhost" || h == "[::1]";
  if (scheme == "http" && !loopback) {
    return "must use https (http is allowed only for 127.0.0.1, localhost and [::1])";
  }
  return {};
}

// --- migrate --------------------------------------------------------------------

int cmd_migrate(const std::string& db_url, std::ostream& out, std::ostream& err) {
  if (missing_db(db_url, err)) return kUsage;
  auto applied = store::migrate(db_url);
  if (!applied.ok()) return error(err, kFailure, applied.error().message);
  nlohmann::json j;
  j["applied"] = applied.value();
  j["latest"] = store::embedded_migrations().back().name;
  out << j.dump(2) << '\n';
  return 0;
}

// --- user add ------------------------------------------------------------------

int cmd_user_add(const std::string& db_url, const std::vector<std::string>& argv, std::istream& in,
                 std::ostream& out, std::ostream& err) {
  const char* usage =
      " (usage: signet user add USERNAME --password-stdin [--name N] [--email E] "
      "[--email-verified])";
  std::optional<std::string> username;
  std::optional<std::string> name;
  std::optional<std::string> email;
  bool password_stdin = false;
  bool email_verified = false;
  Args args(argv);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (args.flag("--password-stdin")) {
      password_stdin = true;
    } else if (args.flag("--email-verified")) {
      email_verified = true;
    } else if (args.option("--name", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (name) return error(err, kUsage, "--name given twice");
      name = value;
    } else if (args.option("--email", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (email) return error(err, kUsage, "--email given twice");
      email = value;
    } else if (word.rfind("-", 0) == 0) {
      return error(err, kUsage, "unknown argument: " + word + usage);
    } else {
      if (username) return error(err, kUsage, "unexpected argument: " + word + usage);
      username = args.next();
    }
  }
  if (!username) return error(err, kUsage, std::string("missing USERNAME") + usage);
  if (username->size() > 128 || !printable_no_space(*username)) {
    return error(err, kUsage, "invalid USERNAME: use 1-128 printable characters without spaces");
  }
  if (!password_stdin) {
    return error(err, kUsage, std::string("missing --password-stdin") + usage);
  }
  if (name && name->size() > 200) return error(err, kUsage, "invalid --name: too long");
  if (email &&
      (email->size() > 254 || !printable_no_space(*email) ||
       email->find('@') == std::string::npos || email->front() == '@' || email->back() == '@')) {
    return error(err, kUsage, "invalid --email: " + *email);
  }
  if (missing_db(db_url, err)) return kUsage;

  std::string password((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!password.empty() && password.back() == '\n') password.pop_back();
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return error(err, kUsage, "empty password on stdin (--password-stdin)");
  if (password.find('\n') != std::string::npos) {
    return error(err, kUsage, "the password on stdin must be a single line (--password-stdin)");
  }
  if (password.size() > 1024) return error(err, kUsage, "password too long (--password-stdin)");

  store::PostgresStore store(db_url, 1);
  // Fail fast (before the slow hash) when the user exists or the database is down.
  auto existing = store.find_user_by_username(*username);
  if (!existing.ok()) return store_error(err, existing.error());
  if (existing.value()) return error(err, kFailure, "user already exists: " + *username);

  const std::string hash = interaction::hash_password(password);
  std::fill(password.begin(), password.end(), '\0');
  auto user = store.create_user(*username, hash, name.value_or(""), email.value_or(""));
  if (!user.ok()) {
    if (user.error().status == 409)
      return error(err, kFailure, "user already exists: " + *username);
    return store_error(err, user.error());
  }
  if (email_verified) {
    auto verified = store.set_email_verified(user->subject, true);
    if (!verified.ok()) return store_error(err, verified.error());
  }
  nlohmann::json j;
  j["subject"] = user->subject;
  j["username"] = user->username;
  out << j.dump(2) << '\n';
  return 0;
}

// --- client add ----------------------------------------------------------------

int cmd_client_add(const std::string& db_url, const std::vector<std::string>& argv,
                   std::ostream& out, std::ostream& err) {
  const char* usage =
      " (usage: signet client add --name NAME --redirect-uri URI... --scope \"a b\" [--public] "
      "[--grant authorization_code|client_credentials|refresh_token]... "
      "[--access-token-ttl SECONDS] [--id-token-alg RS256|ES256] "
      "[--post-logout-redirect-uri URI]...)";
  ClientFlags flags;  // --name, --scope, --grant, --access-token-ttl: as in client update
  std::vector<std::string> redirect_uris;
  bool is_public = false;
  std::string id_token_alg = "RS256";
  std::vector<std::string> post_logout_uris;
  Args args(argv);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (parse_client_flag(args, flags, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
    } else if (args.flag("--public")) {
      is_public = true;
    } else if (args.option("--redirect-uri", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (std::string why = check_redirect_uri(value); !why.empty()) {
        return error(err, kUsage, "invalid --redirect-uri " + value + ": " + why);
      }
      push_unique(redirect_uris, value);
    } else if (args.option("--post-logout-redirect-uri", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (std::string why = check_redirect_uri(value); !why.empty()) {
        return error(err, kUsage, "invalid --post-logout-redirect-uri " + value + ": " + why);
      }
      push_unique(post_logout_uris, value);
    } else if (args.option("--id-token-alg", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (value != "RS256" && value != "ES256") {
        return error(err, kUsage, "invalid --id-token-alg " + value + ": must be RS256 or ES256");
      }
      id_token_alg = value;
    } else {
      return error(err, kUsage, "unknown argument: " + word + usage);
    }
  }
  if (!flags.name) return error(err, kUsage, std::string("missing --name") + usage);
  const std::string& name = *flags.name;
  if (name.empty() || name.size() > 200 ||
      std::any_of(name.begin(), name.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return error(err, kUsage, "invalid --name: use 1-200 characters, no control characters");
  }
  std::vector<std::string> grants = flags.grants;
  if (grants.empty()) grants.push_back("authorization_code");
  // Refresh tokens come with the code grant: refresh_token implies authorization_code.
  if (std::find(grants.begin(), grants.end(), "refresh_token") != grants.end()) {
    push_unique(grants, std::string("authorization_code"));
  }
  const bool code_grant =
      std::find(grants.begin(), grants.end(), "authorization_code") != grants.end();
  const bool cc_grant =
      std::find(grants.begin(), grants.end(), "client_credentials") != grants.end();
  if (is_public && cc_grant) {
    return error(err, kUsage,
                 "--public cannot be used with --grant client_credentials (it needs a secret)");
  }
  if (code_grant && redirect_uris.empty()) {
    return error(err, kUsage, "missing --redirect-uri (required for authorization_code)");
  }
  if (!code_grant && !redirect_uris.empty()) {
    return error(err, kUsage, "--redirect-uri is only used with --grant authorization_code");
  }
  if (!flags.scopes || flags.scopes->empty()) {
    return error(err, kUsage, std::string("missing --scope") + usage);
  }
  const std::vector<std::string>& scopes = *flags.scopes;
  for (const auto& s : scopes) {
    if (!printable_no_space(s) || s.find('"') != std::string::npos ||
        s.find('\\') != std::string::npos) {
      return error(err, kUsage, "invalid --scope value: " + s);
    }
  }
  if (missing_db(db_url, err)) return kUsage;

  store::PostgresStore store(db_url, 1);
  auto known = store.describe_scopes(scopes);
  if (!known.ok()) return store_error(err, known.error());
  for (const auto& s : scopes) {
    const bool found =
        std::any_of(known->begin(), known->end(),
                    [&](const protocol::ScopeDescription& d) { return d.name == s; });
    if (!found) return error(err, kUsage, "invalid --scope: unknown scope " + s);
  }

  protocol::Client client;
  client.client_id = random_token(16);
  client.is_public = is_public;
  std::string secret;
  if (!is_public) {
    secret = random_token(32);
    client.secret_digest = sha256_b64url(secret);
  }
  apply_client_flags(flags, client);
  client.redirect_uris = redirect_uris;
  client.grant_types = grants;
  client.id_token_signed_response_alg = id_token_alg;
  client.post_logout_redirect_uris = post_logout_uris;
  auto created = store.create_client(client);
  if (!created.ok()) return store_error(err, created.error());
  audit_change(store, err, "client.changed", client.client_id,
               {{"action", "register"}, {"client", client_json(client)}});

  nlohmann::json j = client_json(client);
  if (!is_public) j["client_secret"] = secret;  // shown once; only its digest is stored
  out << j.dump(2) << '\n';
  return 0;
}

// --- client list ----------------------------------------------------------------

int cmd_client_list(const std::string& db_url, std::ostream& out, std::ostream& err) {
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  auto clients = store.list_clients();
  if (!clients.ok()) return store_error(err, clients.error());
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : clients.value()) j.push_back(client_json(c));
  out << j.dump(2) << '\n';
  return 0;
}

// --- default streams ----------------------------------------------------------------

int cmd_migrate(const std::string& db_url) { return cmd_migrate(db_url, std::cout, std::cerr); }
int cmd_user_add(const std::string& db_url, const std::vector<std::string>& args) {
  return cmd_user_add(db_url, args, std::cin, std::cout, std::cerr);
}
int cmd_client_add(const std::string& db_url, const std::vector<std::string>& args) {
  return cmd_client_add(db_url, args, std::cout, std::cerr);
}
int cmd_client_list(const std::string& db_url) {
  return cmd_client_list(db_url, std::cout, std::cerr);
}

}  // namespace signet::cli
