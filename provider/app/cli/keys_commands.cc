// signet keys list|rotate|revoke and signet resource add|update|list, and the dispatcher of
// every command in admin_commands.h.
#include <algorithm>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_audit.h"
#include "app/cli/cli_util.h"
#include "common/clock.h"
#include "jose/key.h"
#include "jose/seal.h"
#include "store/postgres_resources.h"
#include "store/postgres_store.h"

namespace signet::cli {

using namespace util;

namespace {

nlohmann::json key_json(const store::StoredSigningKey& k) {
  nlohmann::json j;
  j["kid"] = k.kid;
  j["alg"] = k.alg;
  j["state"] = k.state;
  j["created_at"] = k.created_at;
  j["activated_at"] = k.activated_at ? nlohmann::json(*k.activated_at) : nlohmann::json(nullptr);
  j["retired_at"] = k.retired_at ? nlohmann::json(*k.retired_at) : nlohmann::json(nullptr);
  return j;
}

bool missing_master_key(const std::string& master_key, std::ostream& err) {
  if (!master_key.empty()) return false;
  error(err, kUsage,
        "no master key: set SIGNET_MASTER_KEY or SIGNET_MASTER_KEY_FILE (it seals the new "
        "private key)");
  return true;
}

// A new key of `alg_name`, sealed under `master_key`, which must be the one the
// `existing` keys were sealed with. On failure the error is written (exit code 1).
std::optional<store::StoredSigningKey> new_sealed_key(
    const std::vector<store::StoredSigningKey>& existing, const std::string& master_key,
    const std::string& alg_name, const std::string& state, int64_t now, std::ostream& err) {
  if (!existing.empty() &&
      !jose::unseal(master_key, existing.front().sealed_private, existing.front().kid)) {
    error(err, kFailure,
          "SIGNET_MASTER_KEY differs from the one the existing keys were sealed with");
    return std::nullopt;
  }
  auto alg = jose::alg_from_name(alg_name);
  if (!alg) {
    error(err, kFailure, "unknown signing algorithm " + alg_name);
    return std::nullopt;
  }
  auto key = jose::PrivateKey::generate(*alg);
  if (!key) {
    error(err, kFailure, "cannot generate a key: " + key.error().message);
    return std::nullopt;
  }
  auto sealed = jose::seal(master_key, key->to_pem(), key->kid());
  if (!sealed) {
    error(err, kFailure, "cannot seal the key: " + sealed.error().message);
    return std::nullopt;
  }
  store::StoredSigningKey row;
  row.kid = key->kid();
  row.alg = alg_name;
  row.state = state;
  row.public_jwk = key->public_jwk().dump();
  row.sealed_private = *sealed;
  row.created_at = now;
  return row;
}

nlohmann::json resource_json(const protocol::ResourceServer& r) {
  return {{"audience", r.audience},
          {"name", r.name},
          {"scope", join(r.scopes, " ")},
          {"client_ids", r.client_ids}};
}

}  // namespace

int cmd_keys_list(const std::string& db_url, std::ostream& out, std::ostream& err) {
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  auto keys = store.list_signing_keys();
  if (!keys) return store_error(err, keys.error());
  nlohmann::json j = nlohmann::json::array();
  for (const auto& k : *keys) j.push_back(key_json(k));
  out << j.dump(2) << '\n';
  return 0;
}

int cmd_keys_rotate(const std::string& db_url, const std::string& master_key,
                    const std::string& default_alg, const std::vector<std::string>& argv,
                    std::ostream& out, std::ostream& err) {
  const char* usage = " (usage: signet keys rotate [--alg ES256|RS256] [--now])";
  std::string alg_name = default_alg.empty() ? "ES256" : default_alg;
  bool now_flag = false;
  Args args(argv);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (args.flag("--now")) {
      now_flag = true;
    } else if (args.option("--alg", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (value != "ES256" && value != "RS256") {
        return error(err, kUsage, "invalid --alg " + value + ": must be ES256 or RS256");
      }
      alg_name = value;
    } else {
      return error(err, kUsage, "unknown argument: " + word + usage);
    }
  }
  if (!jose::alg_from_name(alg_name)) {
    return error(err, kUsage, "invalid SIGNET_SIGNING_ALG " + alg_name);
  }
  if (missing_db(db_url, err)) return kUsage;
  if (missing_master_key(master_key, err)) return kUsage;

  store::PostgresStore store(db_url, 1);
  auto existing = store.list_signing_keys();
  if (!existing) return store_error(err, existing.error());
  SystemClock clock;
  auto fresh = new_sealed_key(*existing, master_key, alg_name, "next", clock.now(), err);
  if (!fresh) return kFailure;
  const store::StoredSigningKey& row = *fresh;
  auto inserted = store.insert_next_key(row);
  if (!inserted) return store_error(err, inserted.error());

  nlohmann::json j;
  j["kid"] = row.kid;
  j["alg"] = row.alg;
  j["state"] = "next";
  if (now_flag) {
    // Emergency / tests: active at once. Resource servers that cached the old
    // JWKS meet an unknown kid and refetch it.
    auto promoted = store.promote_due_keys(clock.now(), 0, row.kid);
    if (!promoted) return store_error(err, promoted.error());
    j["state"] = "active";
    nlohmann::json retired = nlohmann::json::array();
    for (const auto& p : *promoted) {
      for (const auto& k : p.retired_kids) retired.push_back(k);
    }
    j["retired"] = retired;
  }
  audit_change(store, err, "key.changed", "", {{"action", "rotate"}, {"key", j}});
  out << j.dump(2) << '\n';
  return 0;
}

int cmd_keys_revoke(const std::string& db_url, const std::string& master_key,
                    const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const char* usage = " (usage: signet keys revoke KID; see signet keys list)";
  // Any one word: a kid (an RFC 7638 thumbprint, base64url) may begin with "-".
  if (argv.size() != 1 || argv[0].empty()) {
    return error(err, kUsage, std::string("expected one KID") + usage);
  }
  const std::string& kid = argv[0];
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  auto existing = store.list_signing_keys();
  if (!existing) return store_error(err, existing.error());
  auto row = std::find_if(existing->begin(), existing->end(),
                          [&](const store::StoredSigningKey& k) { return k.kid == kid; });
  if (row == existing->end()) return error(err, kFailure, "no signing key " + kid + usage);

  // The active key is replaced before it goes: by a published "next" key of its
  // algorithm if there is one (the store prefers it), else by this new key.
  SystemClock clock;
  std::optional<store::StoredSigningKey> replacement;
  if (row->state == "active") {
    if (missing_master_key(master_key, err)) return kUsage;
    replacement = new_sealed_key(*existing, master_key, row->alg, "active", clock.now(), err);
    if (!replacement) return kFailure;
  }
  auto revoked = store.revoke_key(kid, clock.now(), replacement);
  if (!revoked) return store_error(err, revoked.error());
  if (!*revoked) return error(err, kFailure, "no signing key " + kid + usage);

  nlohmann::json j;
  j["kid"] = kid;
  j["alg"] = (*revoked)->alg;
  j["state"] = "revoked";
  j["previous_state"] = (*revoked)->state;
  j["activated"] = (*revoked)->activated_kid.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json((*revoked)->activated_kid);
  audit_change(store, err, "key.changed", "", {{"action", "revoke"}, {"key", j}});
  out << j.dump(2) << '\n';
  return 0;
}

namespace {

// Every client that acts for a resource server must exist and be confidential:
// only an authenticated client may introspect (RFC 7662 §2.1).
int check_resource_clients(store::PostgresStore& store, const std::vector<std::string>& ids,
                           std::ostream& err) {
  for (const auto& id : ids) {
    auto found = store.find_client(id);
    if (!found) return store_error(err, found.error());
    if (!found->has_value()) return error(err, kUsage, "invalid --client: no such client " + id);
    if ((*found)->is_public) {
      return error(err, kUsage,
                   "invalid --client " + id + ": a public client cannot act for a resource server");
    }
  }
  return 0;
}

// The scopes of a registration: valid tokens, each in the scope registry.
int check_resource_scopes(store::PostgresStore& store, const std::vector<std::string>& scopes,
                          std::ostream& err) {
  for (const auto& s : scopes) {
    if (!valid_scope_token(s)) return error(err, kUsage, "invalid --scope value: " + s);
  }
  auto known = store.describe_scopes(scopes);
  if (!known) return store_error(err, known.error());
  for (const auto& s : scopes) {
    bool found = false;
    for (const auto& d : *known) found = found || d.name == s;
    if (!found) return error(err, kUsage, "invalid --scope: unknown scope " + s);
  }
  return 0;
}

bool valid_resource_name(const std::string& name) { return !name.empty() && name.size() <= 200; }

}  // namespace

int cmd_resource_add(const std::string& db_url, const std::vector<std::string>& argv,
                     std::ostream& out, std::ostream& err) {
  const char* usage =
      " (usage: signet resource add --audience URI --name NAME --scope \"a b\" "
      "[--client CLIENT_ID]...)";
  std::optional<std::string> audience;
  std::optional<std::string> name;
  std::vector<std::string> scopes;
  std::vector<std::string> clients;
  Args args(argv);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (args.option("--audience", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      audience = value;
    } else if (args.option("--name", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      name = value;
    } else if (args.option("--scope", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      scopes = split_spaces(value);
    } else if (args.option("--client", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (!has(clients, value)) clients.push_back(value);
    } else {
      return error(err, kUsage, "unknown argument: " + word + usage);
    }
  }
  if (!audience) return error(err, kUsage, std::string("missing --audience") + usage);
  // RFC 8707 §2: clients name it as `resource`, which must be an absolute URI.
  if (!protocol::is_well_formed_resource(*audience)) {
    return error(err, kUsage,
                 "invalid --audience " + *audience +
                     ": use an absolute URI (e.g. https://api.example.com) of at most 2000 "
                     "printable characters, without spaces or a fragment (#)");
  }
  if (!name || !valid_resource_name(*name)) {
    return error(err, kUsage, std::string("missing or invalid --name") + usage);
  }
  if (scopes.empty()) return error(err, kUsage, std::string("missing --scope") + usage);
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  if (int rc = check_resource_scopes(store, scopes, err)) return rc;
  if (int rc = check_resource_clients(store, clients, err)) return rc;
  protocol::ResourceServer r{*audience, *name, scopes, clients};
  store::PostgresResourceStore resources(store);
  auto added = resources.add(r);
  if (!added) {
    if (added.error().status == 409) {
      return error(err, kFailure, "resource already exists: " + *audience);
    }
    return store_error(err, added.error());
  }
  out << resource_json(r).dump(2) << '\n';
  return 0;
}

int cmd_resource_update(const std::string& db_url, const std::vector<std::string>& argv,
                        std::ostream& out, std::ostream& err) {
  const char* usage =
      " (usage: signet resource update AUDIENCE [--name NAME] [--scope \"a b\"] "
      "[--client CLIENT_ID]... [--add-client CLIENT_ID]... [--remove-client CLIENT_ID]... "
      "[--no-clients])";
  if (argv.empty() || argv[0].rfind("-", 0) == 0) {
    return error(err, kUsage, std::string("missing AUDIENCE") + usage);
  }
  const std::string audience = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<std::string>> clients;  // --client / --no-clients: the whole set
  std::vector<std::string> add_clients, remove_clients;
  Args args(rest);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (args.option("--name", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (!valid_resource_name(value))
        return error(err, kUsage, std::string("invalid --name") + usage);
      name = value;
    } else if (args.option("--scope", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      scopes = split_spaces(value);
      if (scopes->empty()) return error(err, kUsage, std::string("empty --scope") + usage);
    } else if (args.flag("--no-clients")) {
      clients.emplace();
    } else if (args.option("--client", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (!clients) clients.emplace();
      if (!has(*clients, value)) clients->push_back(value);
    } else if (args.option("--add-client", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      add_clients.push_back(value);
    } else if (args.option("--remove-client", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      remove_clients.push_back(value);
    } else {
      return error(err, kUsage, "unknown argument: " + word + usage);
    }
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  store::PostgresResourceStore resources(store);
  auto found = resources.find_resource(audience);
  if (!found) return store_error(err, found.error());
  if (!found->has_value()) return error(err, kFailure, "no such resource: " + audience);
  protocol::ResourceServer r = std::move(**found);
  if (name) r.name = *name;
  if (scopes) {
    if (int rc = check_resource_scopes(store, *scopes, err)) return rc;
    r.scopes = *scopes;
  }
  if (clients) r.client_ids = *clients;
  for (const auto& id : remove_clients) {
    auto it = std::find(r.client_ids.begin(), r.client_ids.end(), id);
    if (it == r.client_ids.end()) {
      return error(err, kUsage, "--remove-client " + id + ": not registered for the resource");
    }
    r.client_ids.erase(it);
  }
  for (const auto& id : add_clients) {
    if (!has(r.client_ids, id)) r.client_ids.push_back(id);
  }
  if (int rc = check_resource_clients(store, r.client_ids, err)) return rc;
  auto updated = resources.update(r);
  if (!updated) return store_error(err, updated.error());
  if (!*updated) return error(err, kFailure, "no such resource: " + audience);
  out << resource_json(r).dump(2) << '\n';
  return 0;
}

int cmd_resource_list(const std::string& db_url, std::ostream& out, std::ostream& err) {
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  auto list = store::PostgresResourceStore(store).list();
  if (!list) return store_error(err, list.error());
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : *list) j.push_back(resource_json(r));
  out << j.dump(2) << '\n';
  return 0;
}

int dispatch_admin_command(const std::vector<std::string>& words, const std::string& db_url,
                           const std::string& master_key, const std::string& default_alg) {
  if (words.size() < 2) return -1;
  const std::string& group = words[0];
  const std::string& sub = words[1];
  const std::vector<std::string> rest(words.begin() + 2, words.end());
  auto& out = std::cout;
  auto& err = std::cerr;
  if (group == "keys") {
    if (sub == "list" && rest.empty()) return cmd_keys_list(db_url, out, err);
    if (sub == "rotate") return cmd_keys_rotate(db_url, master_key, default_alg, rest, out, err);
    if (sub == "revoke") return cmd_keys_revoke(db_url, master_key, rest, out, err);
  } else if (group == "resource") {
    if (sub == "add") return cmd_resource_add(db_url, rest, out, err);
    if (sub == "update") return cmd_resource_update(db_url, rest, out, err);
    if (sub == "list" && rest.empty()) return cmd_resource_list(db_url, out, err);
  } else if (group == "client") {
    if (sub == "show") return cmd_client_show(db_url, rest, out, err);
    if (sub == "update") return cmd_client_update(db_url, rest, out, err);
    if (sub == "delete") return cmd_client_delete(db_url, rest, out, err);
    if (sub == "rotate-secret") return cmd_client_rotate_secret(db_url, rest, out, err);
    if (sub == "add") {
      for (const auto& w : rest) {
        if (w == "--metadata" || w.rfind("--metadata=", 0) == 0 || w == "--profile" ||
            w.rfind("--profile=", 0) == 0) {
          return cmd_client_add_metadata(db_url, rest, out, err);
        }
      }
    }
  }
  return -1;
}

}  // namespace signet::cli
