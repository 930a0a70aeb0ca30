// `signet client add --metadata` with `--profile fapi2`, and `client update
// --metadata`/`--profile`, against the real test database: what the profile
// sets and refuses (FAPI 2.0 Security Profile §5.3.2), how a client moves
// between a secret and keys, and that an update never brings back a rotated
// secret.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "common/crypto.h"
#include "jose/key.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::cli {
namespace {

using store::testing::test_conninfo;

struct CliResult {
  int code = -1;
  nlohmann::json out;
  std::string err;
};

// Writes `metadata` to a file of its own and returns the path.
std::string metadata_file(const nlohmann::json& metadata) {
  static int n = 0;
  const std::string path =
      ::testing::TempDir() + "client-metadata-" + std::to_string(++n) + ".json";
  std::ofstream(path) << metadata.dump();
  return path;
}

CliResult run(int (*command)(const std::string&, const std::vector<std::string>&, std::ostream&,
                             std::ostream&),
              const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliResult r;
  r.code = command(test_conninfo(), args, out, err);
  r.err = err.str();
  if (r.code == 0) r.out = nlohmann::json::parse(out.str());
  return r;
}

CliResult add(const nlohmann::json& metadata, bool fapi2 = true) {
  std::vector<std::string> args = {"--metadata", metadata_file(metadata)};
  if (fapi2) args.insert(args.end(), {"--profile", "fapi2"});
  return run(cmd_client_add_metadata, args);
}

CliResult update(const std::string& id, std::vector<std::string> args) {
  args.insert(args.begin(), id);
  return run(cmd_client_update, args);
}

nlohmann::json jwks() {
  static const jose::PrivateKey key = *jose::PrivateKey::generate(jose::Alg::ES256);
  return {{"keys", nlohmann::json::array({key.public_jwk()})}};
}

// What a bank's partner sends: its name, where to return, what it asks, its keys.
nlohmann::json partner() {
  return {{"client_name", "Partner"},
          {"redirect_uris", {"https://partner.example/cb"}},
          {"grant_types", {"authorization_code", "refresh_token"}},
          {"scope", "read:accounts"},
          {"jwks", jwks()}};
}

void expect_refused(const CliResult& r, const std::string& what) {
  EXPECT_NE(r.code, 0) << what;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

std::optional<protocol::Client> stored(const std::string& id) {
  store::PostgresStore db(test_conninfo(), 1);
  auto c = db.find_client(id);
  if (!c.ok() || !c->has_value()) return std::nullopt;
  return **c;
}

TEST(CliFapi2Profile, KeysAloneMakeAFapi2Client) {
  const CliResult r = add(partner());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out["token_endpoint_auth_method"], "private_key_jwt");
  EXPECT_EQ(r.out["require_pushed_authorization_requests"], true);
  EXPECT_EQ(r.out["dpop_bound_access_tokens"], true);
  EXPECT_FALSE(r.out.contains("client_secret")) << "no secret under the profile";
  auto c = stored(r.out["client_id"]);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->follows_fapi2());
  EXPECT_TRUE(c->secret_digest.empty());
  // Control: the same file without the profile is an ordinary secret client.
  nlohmann::json plain = partner();
  plain.erase("jwks");
  const CliResult secret = add(plain, false);
  ASSERT_EQ(secret.code, 0) << secret.err;
  EXPECT_TRUE(secret.out.contains("client_secret"));
  EXPECT_FALSE(stored(secret.out["client_id"])->follows_fapi2());
}

TEST(CliFapi2Profile, RefusesWhatTheProfileForbids) {
  for (const char* method : {"client_secret_basic", "client_secret_post", "none"}) {
    nlohmann::json m = partner();
    m["token_endpoint_auth_method"] = method;
    expect_refused(add(m), "private_key_jwt only");
  }
  for (const char* flag : {"require_pushed_authorization_requests", "dpop_bound_access_tokens"}) {
    nlohmann::json m = partner();
    m[flag] = false;
    expect_refused(add(m), flag);
  }
  // http redirect URIs: only on a loopback IP literal (localhost may resolve elsewhere).
  nlohmann::json localhost = partner();
  localhost["redirect_uris"] = {"http://localhost:8000/cb"};
  expect_refused(add(localhost), "https redirect URIs only");
  nlohmann::json loopback = partner();
  loopback["redirect_uris"] = {"http://127.0.0.1:8000/cb"};
  EXPECT_EQ(add(loopback).code, 0) << "control: a native app's loopback redirect";
  nlohmann::json http_keys = partner();
  http_keys.erase("jwks");
  http_keys["jwks_uri"] = "http://keys.partner.example/jwks";
  expect_refused(add(http_keys), "over https only");
  nlohmann::json no_keys = partner();
  no_keys.erase("jwks");
  expect_refused(add(no_keys), "jwks");
  expect_refused(
      run(cmd_client_add_metadata, {"--metadata", metadata_file(partner()), "--profile", "fapi1"}),
      "--profile");
}

TEST(CliClientUpdate, MovesAClientFromASecretToKeysAndBack) {
  nlohmann::json m = partner();
  m.erase("jwks");
  const CliResult created = add(m, false);
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string id = created.out["client_id"];

  // To keys: the secret is gone.
  const CliResult keys = update(
      id, {"--metadata",
           metadata_file({{"token_endpoint_auth_method", "private_key_jwt"}, {"jwks", jwks()}})});
  ASSERT_EQ(keys.code, 0) << keys.err;
  EXPECT_FALSE(keys.out.contains("client_secret"));
  EXPECT_TRUE(stored(id)->secret_digest.empty());
  EXPECT_EQ(stored(id)->token_endpoint_auth_method, "private_key_jwt");

  // The profile on top, and then its rules hold on every update.
  const CliResult fapi = update(id, {"--profile", "fapi2"});
  ASSERT_EQ(fapi.code, 0) << fapi.err;
  EXPECT_TRUE(stored(id)->follows_fapi2());
  expect_refused(update(id, {"--add-redirect-uri", "http://localhost:9/cb"}),
                 "https redirect URIs only");
  EXPECT_TRUE(stored(id)->follows_fapi2()) << "a refused update changes nothing";

  // Back to a secret: a new one, shown once, and its digest stored.
  const CliResult back = update(
      id, {"--metadata", metadata_file({{"token_endpoint_auth_method", "client_secret_basic"},
                                        {"require_pushed_authorization_"
                                         "requests",
                                         false}})});
  ASSERT_EQ(back.code, 0) << back.err;
  ASSERT_TRUE(back.out.contains("client_secret"));
  auto c = stored(id);
  EXPECT_EQ(c->secret_digest, sha256_b64url(back.out["client_secret"].get<std::string>()));
  EXPECT_TRUE(c->jwks.empty()) << "keys belong to private_key_jwt only";
  EXPECT_FALSE(c->require_pushed_authorization_requests);

  // Public or confidential is fixed.
  expect_refused(
      update(id, {"--metadata", metadata_file({{"token_endpoint_auth_method", "none"}})}),
      "register a new client");
  expect_refused(update(id, {"--metadata", metadata_file({{"scope", 42}})}), "scope");
}

TEST(CliClientUpdate, NeverBringsBackARotatedSecret) {
  nlohmann::json m = partner();
  m.erase("jwks");
  const CliResult created = add(m, false);
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string id = created.out["client_id"];
  // An update that read the client before the rotation writes after it.
  auto before = stored(id);
  ASSERT_TRUE(before);
  const CliResult rotated = run(cmd_client_rotate_secret, {id});
  ASSERT_EQ(rotated.code, 0) << rotated.err;
  const std::string digest = sha256_b64url(rotated.out["client_secret"].get<std::string>());
  before->client_name = "Renamed";
  store::PostgresStore db(test_conninfo(), 1);
  ASSERT_TRUE(db.update_client(*before).ok());
  EXPECT_EQ(stored(id)->client_name, "Renamed");
  EXPECT_EQ(stored(id)->secret_digest, digest) << "the rotated secret stays";
}

}  // namespace
}  // namespace signet::cli
