// signet client show|update|delete|rotate-secret and client add --metadata.
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_audit.h"
#include "app/cli/cli_commands.h"
#include "app/cli/cli_util.h"
#include "app/cli/client_cli.h"
#include "common/crypto.h"
#include "protocol/authorization_details.h"
#include "protocol/client_profile.h"
#include "protocol/token/client_assertion.h"
#include "store/postgres_store.h"

namespace signet::cli {

using namespace util;

namespace {

const std::vector<std::string> kGrants = {"authorization_code", "client_credentials",
                                          "refresh_token"};

// The rules every stored client keeps (the same as `client add`), checked
// before writing; "" when fine.
std::string check_client_rules(const protocol::Client& c) {
  if (c.client_name.empty() || c.client_name.size() > 200 ||
      std::any_of(c.client_name.begin(), c.client_name.end(),
                  [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; })) {
    return "invalid client_name: use 1-200 characters, no control characters";
  }
  if (c.grant_types.empty()) return "at least one grant type is needed";
  for (const auto& g : c.grant_types) {
    if (!has(kGrants, g)) {
      return "invalid grant " + g +
             ": must be authorization_code, client_credentials or "
             "refresh_token";
    }
  }
  if (c.is_public && has(c.grant_types, "client_credentials")) {
    return "a public client cannot use client_credentials (it needs a secret)";
  }
  if (has(c.grant_types, "refresh_token") && !has(c.grant_types, "authorization_code")) {
    return "refresh_token needs the authorization_code grant";
  }
  const bool code = has(c.grant_types, "authorization_code");
  if (code && c.redirect_uris.empty()) {
    return "a client with authorization_code needs at least one redirect URI";
  }
  if (!code && !c.redirect_uris.empty()) {
    return "redirect URIs are only used with authorization_code";
  }
  for (const auto& u : c.redirect_uris) {
    if (std::string why = check_redirect_uri(u); !why.empty()) {
      return "invalid redirect URI " + u + ": " + why;
    }
  }
  if (c.scopes.empty()) return "at least one scope is needed";
  for (const auto& s : c.scopes) {
    if (!valid_scope_token(s)) return "invalid scope value: " + s;
  }
  if (c.access_token_ttl && (*c.access_token_ttl < 1 || *c.access_token_ttl > 86400)) {
    return "invalid access token lifetime: use 1 to 86400 seconds";
  }
  // RFC 7523 §2.2 with the keys of RFC 7591 §2: exactly one place for them.
  if (c.uses_private_key_jwt() && c.jwks.empty() == c.jwks_uri.empty()) {
    return "a private_key_jwt client needs one of jwks or jwks_uri";
  }
  if (!c.uses_private_key_jwt() &&
      (!c.jwks.empty() || !c.jwks_uri.empty() || !c.token_endpoint_auth_signing_alg.empty())) {
    return "jwks, jwks_uri and token_endpoint_auth_signing_alg are used only with private_key_jwt";
  }
  // A client that follows the FAPI 2.0 profile keeps all of its rules.
  if (c.follows_fapi2()) return protocol::fapi2_violation(c);
  return {};
}

// --profile NAME: only "fapi2" exists.
std::string check_profile(const std::string& name) {
  if (name != protocol::kFapi2Profile)
    return "invalid --profile " + name + ": the one profile is fapi2";
  return {};
}

// The RFC 7591 fields present in `j` (checked by check_client_metadata) replace
// the client's.
void apply_client_metadata(const nlohmann::json& j, protocol::Client& c) {
  if (j.contains("client_name")) c.client_name = j["client_name"].get<std::string>();
  if (j.contains("redirect_uris")) c.redirect_uris = j["redirect_uris"];
  if (j.contains("scope")) c.scopes = split_spaces(j["scope"].get<std::string>());
  if (j.contains("grant_types")) c.grant_types = j["grant_types"];
  if (j.contains("access_token_ttl")) c.access_token_ttl = j["access_token_ttl"].get<int64_t>();
  if (j.contains("post_logout_redirect_uris")) {
    c.post_logout_redirect_uris = j["post_logout_redirect_uris"];
  }
  if (j.contains("id_token_signed_response_alg")) {
    c.id_token_signed_response_alg = j["id_token_signed_response_alg"].get<std::string>();
  }
  if (j.contains("require_pushed_authorization_requests")) {
    c.require_pushed_authorization_requests = j["require_pushed_authorization_requests"];
  }
  if (j.contains("dpop_bound_access_tokens")) {
    c.dpop_bound_access_tokens = j["dpop_bound_access_tokens"];
  }
  if (j.contains("authorization_details_types")) {
    c.authorization_details_types = j["authorization_details_types"];
  }
  if (j.contains("token_endpoint_auth_method")) {
    c.token_endpoint_auth_method = j["token_endpoint_auth_method"].get<std::string>();
    c.is_public = c.token_endpoint_auth_method == "none";
  }
  if (j.contains("jwks")) {
    c.jwks = j["jwks"].dump();
    c.jwks_uri.clear();
  }
  if (j.contains("jwks_uri")) {
    c.jwks_uri = j["jwks_uri"].get<std::string>();
    c.jwks.clear();
  }
  if (j.contains("token_endpoint_auth_signing_alg")) {
    c.token_endpoint_auth_signing_alg = j["token_endpoint_auth_signing_alg"].get<std::string>();
  }
  if (!c.uses_private_key_jwt()) {  // keys belong to private_key_jwt only
    c.jwks.clear();
    c.jwks_uri.clear();
    c.token_endpoint_auth_signing_alg.clear();
  }
}

// The fields the fapi2 profile sets may not say otherwise in the file.
std::string check_metadata_for_fapi2(const nlohmann::json& j) {
  if (j.contains("token_endpoint_auth_method") &&
      j["token_endpoint_auth_method"] != "private_key_jwt") {
    return "the fapi2 profile authenticates clients with private_key_jwt only (no client secret, "
           "no public client), not " +
           j["token_endpoint_auth_method"].dump();
  }
  for (const char* flag : {"require_pushed_authorization_requests", "dpop_bound_access_tokens"}) {
    if (j.contains(flag) && j[flag] == false) {
      return std::string("the fapi2 profile sets \"") + flag + "\" to true";
    }
  }
  return {};
}

// A --metadata file's text; "" with `problem` set when unreadable.
std::string read_metadata_file(const std::string& path, std::string& problem) {
  std::ifstream in(path);
  if (!in) {
    problem = "cannot read --metadata file " + path;
    return {};
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every scope must be in the registry.
int check_known_scopes(store::PostgresStore& store, const std::vector<std::string>& scopes,
                       std::ostream& err) {
  auto known = store.describe_scopes(scopes);
  if (!known) return store_error(err, known.error());
  for (const auto& s : scopes) {
    bool found = false;
    for (const auto& d : *known) found = found || d.name == s;
    if (!found) return error(err, kUsage, "invalid scope: unknown scope " + s);
  }
  return 0;
}

// CLIENT_ID as the first word; loads the client.
int load_client(store::PostgresStore& store, const std::string& id, protocol::Client& client,
                std::ostream& err) {
  auto found = store.find_client(id);
  if (!found) return store_error(err, found.error());
  if (!found->has_value()) return error(err, kFailure, "no such client: " + id);
  client = std::move(**found);
  return 0;
}

}  // namespace

// --- what client add and client update share ---------------------------------------------

nlohmann::json client_json(const protocol::Client& c) {
  nlohmann::json j;
  j["client_id"] = c.client_id;
  j["client_name"] = c.client_name;
  j["redirect_uris"] = c.redirect_uris;
  j["scope"] = join(c.scopes, " ");
  j["grant_types"] = c.grant_types;
  j["token_endpoint_auth_method"] = c.is_public ? "none" : c.token_endpoint_auth_method;
  if (!c.jwks.empty()) j["jwks"] = nlohmann::json::parse(c.jwks, nullptr, false);
  if (!c.jwks_uri.empty()) j["jwks_uri"] = c.jwks_uri;
  if (!c.token_endpoint_auth_signing_alg.empty()) {
    j["token_endpoint_auth_signing_alg"] = c.token_endpoint_auth_signing_alg;
  }
  j["access_token_ttl"] =
      c.access_token_ttl ? nlohmann::json(*c.access_token_ttl) : nlohmann::json(nullptr);
  j["id_token_signed_response_alg"] = c.id_token_signed_response_alg;
  j["post_logout_redirect_uris"] = c.post_logout_redirect_uris;
  j["require_pushed_authorization_requests"] = c.require_pushed_authorization_requests;
  j["dpop_bound_access_tokens"] = c.dpop_bound_access_tokens;
  j["authorization_details_types"] = c.authorization_details_types;
  return j;
}

namespace {

bool parse_ttl(const std::string& text, std::optional<int64_t>& ttl) {
  if (text == "default" || text == "none") {
    ttl.reset();
    return true;
  }
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  const int64_t n = std::stoll(text);
  if (n < 1 || n > 86400) return false;
  ttl = n;
  return true;
}

}  // namespace

bool parse_client_flag(Args& args, ClientFlags& flags, std::string& problem) {
  std::string value;
  if (args.option("--name", value, problem)) {
    if (problem.empty() && flags.name) problem = "--name given twice";
    flags.name = value;
  } else if (args.option("--scope", value, problem)) {
    if (!flags.scopes) flags.scopes.emplace();
    for (const auto& s : split_spaces(value)) {
      if (!has(*flags.scopes, s)) flags.scopes->push_back(s);
    }
  } else if (args.option("--grant", value, problem)) {
    if (problem.empty() && !has(kGrants, value)) {
      problem = "invalid --grant " + value +
                ": must be authorization_code, client_credentials or refresh_token";
    }
    if (!has(flags.grants, value)) flags.grants.push_back(value);
  } else if (args.option("--authorization-details-types", value, problem)) {
    // RFC 9396 §10: the types the client may ask for ("" = none).
    flags.detail_types.emplace();
    for (const auto& t : split_spaces(value)) {
      if (problem.empty() && !protocol::AuthorizationDetailsTypes::builtin().knows(t)) {
        problem = "invalid --authorization-details-types " + t + ": unknown type (known: " +
                  join(protocol::AuthorizationDetailsTypes::builtin().names(), ", ") + ")";
      }
      if (!has(*flags.detail_types, t)) flags.detail_types->push_back(t);
    }
  } else if (args.option("--access-token-ttl", value, problem)) {
    if (problem.empty() && !parse_ttl(value, flags.access_token_ttl)) {
      problem = "invalid --access-token-ttl " + value +
                ": use whole seconds from 1 to 86400, or \"default\"";
    }
    flags.ttl_given = true;
  } else {
    return false;
  }
  return true;
}

void apply_client_flags(const ClientFlags& flags, protocol::Client& c) {
  if (flags.name) c.client_name = *flags.name;
  if (flags.scopes) c.scopes = *flags.scopes;
  if (!flags.grants.empty()) c.grant_types = flags.grants;
  if (flags.ttl_given) c.access_token_ttl = flags.access_token_ttl;
  if (flags.detail_types) c.authorization_details_types = *flags.detail_types;
}

int cmd_client_show(const std::string& db_url, const std::vector<std::string>& args,
                    std::ostream& out, std::ostream& err) {
  if (args.size() != 1 || args[0].empty()) {
    return error(err, kUsage, "usage: signet client show CLIENT_ID");
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  protocol::Client c;
  if (int rc = load_client(store, args[0], c, err)) return rc;
  out << client_json(c).dump(2) << '\n';
  return 0;
}

int cmd_client_update(const std::string& db_url, const std::vector<std::string>& argv,
                      std::ostream& out, std::ostream& err) {
  const char* usage =
      " (usage: signet client update CLIENT_ID [--name NAME] [--add-redirect-uri URI]... "
      "[--remove-redirect-uri URI]... [--scope \"a b\"] [--grant TYPE]... "
      "[--access-token-ttl SECONDS|default] [--metadata FILE.json] [--profile fapi2])";
  // The first word is the id, whatever it looks like: a client id is base64url
  // and may begin with "-" (one in 64 does).
  if (argv.empty() || argv[0].empty()) {
    return error(err, kUsage, std::string("missing CLIENT_ID") + usage);
  }
  const std::string id = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  ClientFlags flags;
  std::vector<std::string> add_uris, remove_uris;
  std::optional<nlohmann::json> metadata;  // RFC 7591 fields to replace
  bool fapi2 = false;
  Args args(rest);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (parse_client_flag(args, flags, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
    } else if (args.option("--add-redirect-uri", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      if (std::string why = check_redirect_uri(value); !why.empty()) {
        return error(err, kUsage, "invalid --add-redirect-uri " + value + ": " + why);
      }
      add_uris.push_back(value);
    } else if (args.option("--remove-redirect-uri", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      remove_uris.push_back(value);
    } else if (args.option("--metadata", value, problem)) {
      if (problem.empty() && metadata) problem = "--metadata given twice";
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      const std::string text = read_metadata_file(value, problem);
      if (!problem.empty()) return error(err, kUsage, problem);
      if (std::string why = check_client_metadata(text, true); !why.empty()) {
        return error(err, kUsage, "invalid client metadata in " + value + ": " + why);
      }
      metadata = nlohmann::json::parse(text);
    } else if (args.option("--profile", value, problem)) {
      if (problem.empty()) problem = check_profile(value);
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      fapi2 = true;
    } else {
      return error(err, kUsage, "unknown argument: " + word + usage);
    }
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  protocol::Client c;
  if (int rc = load_client(store, id, c, err)) return rc;
  const protocol::Client before = c;
  if (metadata) {
    if (fapi2) {
      if (std::string why = check_metadata_for_fapi2(*metadata); !why.empty()) {
        return error(err, kUsage, why);
      }
    }
    apply_client_metadata(*metadata, c);
  }
  if (fapi2) protocol::apply_fapi2_profile(c);
  apply_client_flags(flags, c);
  // Public or confidential is what a client is: another kind is a new registration.
  if (c.is_public != before.is_public) {
    return error(err, kUsage,
                 std::string("client ") + id + " is " +
                     (before.is_public ? "public" : "confidential") +
                     ": token_endpoint_auth_method cannot make it " +
                     (c.is_public ? "public" : "confidential") + " (register a new client)");
  }
  // Moving between a secret and keys: a secret method gets a new secret (shown
  // once below), private_key_jwt keeps none.
  std::string new_secret;
  if (!c.is_public && c.uses_private_key_jwt() != before.uses_private_key_jwt()) {
    if (c.uses_private_key_jwt()) {
      c.secret_digest.clear();
    } else {
      new_secret = random_token(32);
      c.secret_digest = sha256_b64url(new_secret);
    }
  }
  for (const auto& u : remove_uris) {
    auto it = std::find(c.redirect_uris.begin(), c.redirect_uris.end(), u);
    if (it == c.redirect_uris.end()) {
      return error(err, kUsage, "--remove-redirect-uri " + u + ": not registered for the client");
    }
    c.redirect_uris.erase(it);
  }
  for (const auto& u : add_uris) {
    if (!has(c.redirect_uris, u)) c.redirect_uris.push_back(u);
  }
  if (std::string why = check_client_rules(c); !why.empty()) return error(err, kUsage, why);
  if (int rc = check_known_scopes(store, c.scopes, err)) return rc;
  auto updated = store.update_client(c);
  if (!updated) return store_error(err, updated.error());
  if (!*updated) return error(err, kFailure, "no such client: " + id);
  audit_change(store, err, "client.changed", c.client_id,
               {{"action", "update"}, {"client", client_json(c)}});
  nlohmann::json result = client_json(c);
  if (!new_secret.empty()) result["client_secret"] = new_secret;  // shown once
  out << result.dump(2) << '\n';
  return 0;
}

int cmd_client_delete(const std::string& db_url, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err) {
  if (args.size() != 1 || args[0].empty()) {
    return error(err, kUsage, "usage: signet client delete CLIENT_ID");
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  auto removed = store.delete_client(args[0]);
  if (!removed) return store_error(err, removed.error());
  if (!*removed) return error(err, kFailure, "no such client: " + args[0]);
  audit_change(store, err, "client.changed", args[0], {{"action", "delete"}});
  out << nlohmann::json{{"client_id", args[0]}, {"deleted", true}}.dump(2) << '\n';
  return 0;
}

int cmd_client_rotate_secret(const std::string& db_url, const std::vector<std::string>& args,
                             std::ostream& out, std::ostream& err) {
  if (args.size() != 1 || args[0].empty()) {
    return error(err, kUsage, "usage: signet client rotate-secret CLIENT_ID");
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  protocol::Client c;
  if (int rc = load_client(store, args[0], c, err)) return rc;
  if (c.is_public || c.uses_private_key_jwt()) {
    return error(err, kUsage,
                 "client " + args[0] + " is " + (c.is_public ? "public" : "private_key_jwt") +
                     ": it has no secret to rotate");
  }
  const std::string secret = random_token(32);
  auto set = store.set_client_secret_digest(c.client_id, sha256_b64url(secret));
  if (!set) return store_error(err, set.error());
  if (!*set) return error(err, kFailure, "no such client: " + args[0]);
  audit_change(store, err, "client.changed", c.client_id, {{"action", "rotate_secret"}});
  // Shown once; only its digest is stored. The old secret stops working at once.
  out << nlohmann::json{{"client_id", c.client_id}, {"client_secret", secret}}.dump(2) << '\n';
  return 0;
}

// --- client add --metadata ---------------------------------------------------------------

std::string check_client_metadata(const std::string& json_text, bool partial) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const std::exception&) {
    return "the metadata is not valid JSON";
  }
  if (!j.is_object()) return "the metadata must be a JSON object";
  static const std::set<std::string> kKnown = {"client_name",
                                               "redirect_uris",
                                               "grant_types",
                                               "response_types",
                                               "scope",
                                               "token_endpoint_auth_method",
                                               "access_token_ttl",
                                               "post_logout_redirect_uris",
                                               "id_token_signed_response_alg",
                                               "require_pushed_authorization_requests",
                                               "jwks",
                                               "jwks_uri",
                                               "token_endpoint_auth_signing_alg",
                                               "dpop_bound_access_tokens",
                                               "authorization_details_types"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.count(key)) {
      return "unknown field \"" + key +
             "\" (supported: client_name, redirect_uris, grant_types, response_types, scope, "
             "token_endpoint_auth_method, access_token_ttl, post_logout_redirect_uris, "
             "id_token_signed_response_alg, require_pushed_authorization_requests, jwks, "
             "jwks_uri, token_endpoint_auth_signing_alg, dpop_bound_access_tokens, "
             "authorization_details_types)";
    }
  }
  auto string_array = [&](const char* key) -> std::string {
    if (!j.contains(key)) return {};
    const auto& v = j[key];
    if (!v.is_array()) return std::string("\"") + key + "\" must be an array of strings";
    for (const auto& x : v) {
      if (!x.is_string()) return std::string("\"") + key + "\" must be an array of strings";
    }
    return {};
  };
  if (j.contains("client_name") ? !j["client_name"].is_string() : !partial) {
    return "\"client_name\" is required and must be a string";
  }
  for (const char* key : {"redirect_uris", "grant_types", "response_types",
                          "post_logout_redirect_uris", "authorization_details_types"}) {
    if (std::string why = string_array(key); !why.empty()) return why;
  }
  if (j.contains("authorization_details_types")) {  // RFC 9396 §10
    for (const auto& t : j["authorization_details_types"]) {
      if (!protocol::AuthorizationDetailsTypes::builtin().knows(t.get<std::string>())) {
        return "\"authorization_details_types\": unknown type " + t.get<std::string>() +
               " (known: " + join(protocol::AuthorizationDetailsTypes::builtin().names(), ", ") +
               ")";
      }
    }
  }
  if (j.contains("grant_types")) {
    for (const auto& g : j["grant_types"]) {
      if (!has(kGrants, g.get<std::string>())) {
        return "\"grant_types\": unsupported grant " + g.get<std::string>();
      }
    }
  }
  if (j.contains("response_types")) {
    for (const auto& r : j["response_types"]) {
      if (r != "code") return "\"response_types\": only \"code\" is supported";
    }
  }
  if (j.contains("scope") ? !j["scope"].is_string() : !partial) {
    return "\"scope\" is required and must be a space-separated string";
  }
  if (j.contains("token_endpoint_auth_method")) {
    const auto& m = j["token_endpoint_auth_method"];
    if (!m.is_string() || (m != "client_secret_basic" && m != "client_secret_post" && m != "none" &&
                           m != "private_key_jwt")) {
      return "\"token_endpoint_auth_method\" must be client_secret_basic, client_secret_post, "
             "private_key_jwt or none";
    }
  }
  // RFC 7523 §2.2 with inline keys (RFC 7591 §2 jwks).
  // An update may give keys to a client that already is private_key_jwt: the
  // rule is then checked on the updated client (check_client_rules).
  const bool key_jwt = j.value("token_endpoint_auth_method", "") == "private_key_jwt" ||
                       (partial && !j.contains("token_endpoint_auth_method"));
  const int key_fields = int{j.contains("jwks")} + int{j.contains("jwks_uri")};
  const bool keys_fit =
      partial ? key_fields <= 1 && (key_jwt || key_fields == 0) : key_fields == (key_jwt ? 1 : 0);
  if (!keys_fit) {
    return "one of \"jwks\" or \"jwks_uri\" is required with private_key_jwt, and used only "
           "with it";
  }
  if (j.contains("jwks_uri")) {
    const auto& u = j["jwks_uri"];
    if (!u.is_string() || !(u.get<std::string>().rfind("https://", 0) == 0 ||
                            u.get<std::string>().rfind("http://", 0) == 0)) {
      return "\"jwks_uri\" must be an https URL (http only for development)";
    }
  }
  if (key_jwt && j.contains("jwks")) {
    if (!j["jwks"].is_object()) return "\"jwks\" must be a JWKS object ({\"keys\": [...]})";
    if (std::string why = protocol::check_client_jwks(j["jwks"].dump()); !why.empty()) {
      return "\"jwks\": " + why;
    }
  }
  if (j.contains("token_endpoint_auth_signing_alg")) {
    const auto& a = j["token_endpoint_auth_signing_alg"];
    if (!key_jwt || !a.is_string() || (a != "ES256" && a != "PS256" && a != "EdDSA")) {
      return "\"token_endpoint_auth_signing_alg\" must be ES256, PS256 or EdDSA, with "
             "private_key_jwt";
    }
  }
  if (j.contains("access_token_ttl")) {
    const auto& t = j["access_token_ttl"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > 86400) {
      return "\"access_token_ttl\" must be an integer from 1 to 86400 (seconds)";
    }
  }
  for (const char* flag : {"require_pushed_authorization_requests", "dpop_bound_access_tokens"}) {
    if (j.contains(flag) && !j[flag].is_boolean()) {
      return std::string("\"") + flag + "\" must be true or false";
    }
  }
  if (j.contains("id_token_signed_response_alg")) {
    const auto& a = j["id_token_signed_response_alg"];
    if (!a.is_string() || (a != "RS256" && a != "ES256")) {
      return "\"id_token_signed_response_alg\" must be RS256 or ES256";
    }
  }
  return {};
}

int cmd_client_add_metadata(const std::string& db_url, const std::vector<std::string>& argv,
                            std::ostream& out, std::ostream& err) {
  const char* usage = " (usage: signet client add --metadata FILE.json [--profile fapi2])";
  std::optional<std::string> path;
  std::optional<std::string> profile;
  Args args(argv);
  while (!args.done()) {
    std::string value;
    std::string problem;
    const std::string word = args.peek();
    if (args.option("--metadata", value, problem)) {
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      path = value;
    } else if (args.option("--profile", value, problem)) {
      if (problem.empty()) problem = check_profile(value);
      if (!problem.empty()) return error(err, kUsage, problem + usage);
      profile = value;
    } else {
      return error(
          err, kUsage,
          "unexpected argument with --metadata: " + word + " (the file holds every field)" + usage);
    }
  }
  if (!path) return error(err, kUsage, std::string("missing --metadata") + usage);
  std::string problem;
  const std::string text = read_metadata_file(*path, problem);
  if (!problem.empty()) return error(err, kUsage, problem);
  auto j = nlohmann::json::parse(text, nullptr, false);
  // The profile fills in what it implies, so that the file needs only the keys.
  if (profile && j.is_object()) {
    if (std::string why = check_metadata_for_fapi2(j); !why.empty()) {
      return error(err, kUsage, "invalid client metadata in " + *path + ": " + why);
    }
    j["token_endpoint_auth_method"] = "private_key_jwt";
  }
  if (std::string why = check_client_metadata(j.is_discarded() ? text : j.dump(), false);
      !why.empty()) {
    return error(err, kUsage, "invalid client metadata in " + *path + ": " + why);
  }
  protocol::Client c;
  c.client_id = random_token(16);
  c.grant_types = {"authorization_code"};
  apply_client_metadata(j, c);
  if (profile) protocol::apply_fapi2_profile(c);
  if (std::string why = check_client_rules(c); !why.empty()) {
    return error(err, kUsage, "invalid client metadata in " + *path + ": " + why);
  }
  for (const auto& u : c.post_logout_redirect_uris) {
    if (std::string why = check_redirect_uri(u); !why.empty()) {
      return error(err, kUsage, "invalid post_logout_redirect_uris entry " + u + ": " + why);
    }
  }
  if (missing_db(db_url, err)) return kUsage;
  store::PostgresStore store(db_url, 1);
  if (int rc = check_known_scopes(store, c.scopes, err)) return rc;
  std::string secret;
  const bool has_secret = !c.is_public && !c.uses_private_key_jwt();
  if (has_secret) {
    secret = random_token(32);
    c.secret_digest = sha256_b64url(secret);
  }
  auto created = store.create_client(c);
  if (!created) return store_error(err, created.error());
  audit_change(store, err, "client.changed", c.client_id,
               {{"action", "register"}, {"client", client_json(c)}});
  nlohmann::json result = client_json(c);
  if (has_secret) result["client_secret"] = secret;  // shown once
  out << result.dump(2) << '\n';
  return 0;
}

}  // namespace signet::cli
