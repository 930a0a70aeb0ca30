// The admin CLI commands against the real test database: output JSON, one-line
// errors naming the bad argument, and what ends up stored.
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_commands.h"
#include "common/crypto.h"
#include "interaction/password.h"
#include "store/migrations.h"
#include "store/pg_values.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::cli {
namespace {

using store::testing::test_conninfo;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun client_add(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliRun r;
  r.code = cmd_client_add(test_conninfo(), args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

CliRun user_add(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  CliRun r;
  r.code = cmd_user_add(test_conninfo(), args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Exactly one line on stderr, nothing on stdout, non-zero exit; the message names `what`.
void expect_error(const CliRun& r, const std::string& what) {
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

TEST(CliMigrate, ReportsNothingToApplyOnAMigratedDatabase) {
  std::ostringstream out, err;
  ASSERT_EQ(cmd_migrate(test_conninfo(), out, err), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_TRUE(j["applied"].empty());
  EXPECT_EQ(j["latest"], store::embedded_migrations().back().name);
}

TEST(CliMigrate, MissingDatabaseUrlIsAOneLineError) {
  std::ostringstream out, err;
  EXPECT_NE(cmd_migrate("", out, err), 0);
  EXPECT_NE(err.str().find("SIGNET_DATABASE_URL"), std::string::npos);
  std::ostringstream out2, err2;
  EXPECT_EQ(
      cmd_migrate("host=/nonexistent-signet-dir port=1 dbname=x connect_timeout=1", out2, err2), 1);
  EXPECT_EQ(err2.str().find('\n'), err2.str().size() - 1) << err2.str();
}

TEST(CliUserAdd, CreatesAUserWithAHashedPassword) {
  const std::string name = "bob-" + random_token(6);
  const CliRun r =
      user_add({name, "--password-stdin", "--name", "Bob B", "--email=bob@bank.test"}, "pw 1\n");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["username"], name);
  EXPECT_TRUE(store::looks_like_uuid(j["subject"].get<std::string>()));

  store::PostgresStore db(test_conninfo(), 1);
  auto u = db.find_user_by_username(name);
  ASSERT_TRUE(u.ok() && u->has_value());
  EXPECT_EQ((*u)->name, "Bob B");
  EXPECT_EQ((*u)->email, "bob@bank.test");
  EXPECT_EQ((*u)->subject, j["subject"]);
  EXPECT_NE((*u)->password_hash, "pw 1");
  EXPECT_TRUE(interaction::verify_password("pw 1", (*u)->password_hash));  // newline stripped

  expect_error(user_add({name, "--password-stdin"}, "other\n"), "user already exists");
}

TEST(CliUserAdd, BadArguments) {
  expect_error(user_add({"--password-stdin"}, "pw\n"), "USERNAME");
  expect_error(user_add({"carol"}, "pw\n"), "--password-stdin");
  expect_error(user_add({"carol", "--password-stdin"}, "\n"), "password");
  expect_error(user_add({"carol", "--password-stdin"}, ""), "password");
  expect_error(user_add({"carol", "--password-stdin", "--bogus"}, "pw\n"), "--bogus");
  expect_error(user_add({"carol", "--password-stdin", "--name"}, "pw\n"), "--name");
  expect_error(user_add({"carol", "--password-stdin", "--email", "nope"}, "pw\n"), "--email");
  expect_error(user_add({"carol", "dave", "--password-stdin"}, "pw\n"), "dave");
}

TEST(CliClientAdd, ConfidentialClientGetsASecretShownOnceAndStoredAsDigest) {
  const CliRun r = client_add({"--name", "Finance App", "--redirect-uri", "https://app.test/cb",
                               "--redirect-uri", "http://127.0.0.1:9000/cb", "--scope",
                               "read:accounts read:transactions"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::string id = j["client_id"];
  const std::string secret = j["client_secret"];
  EXPECT_GE(id.size(), 20u);
  EXPECT_GE(secret.size(), 43u);
  EXPECT_EQ(j["client_name"], "Finance App");
  EXPECT_EQ(j["scope"], "read:accounts read:transactions");
  EXPECT_EQ(j["grant_types"], nlohmann::json::array({"authorization_code"}));
  EXPECT_EQ(j["redirect_uris"],
            nlohmann::json::array({"https://app.test/cb", "http://127.0.0.1:9000/cb"}));
  EXPECT_EQ(j["token_endpoint_auth_method"], "client_secret_basic");

  store::PostgresStore db(test_conninfo(), 1);
  auto c = db.find_client(id);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->secret_digest, sha256_b64url(secret));
  EXPECT_FALSE((*c)->is_public);

  std::ostringstream out, err;
  ASSERT_EQ(cmd_client_list(test_conninfo(), out, err), 0) << err.str();
  EXPECT_EQ(out.str().find(secret), std::string::npos);
  EXPECT_EQ(out.str().find("\"client_secret\""), std::string::npos);
  const auto list = nlohmann::json::parse(out.str());
  ASSERT_TRUE(list.is_array());
  bool found = false;
  for (const auto& x : list) found = found || x["client_id"] == id;
  EXPECT_TRUE(found);
}

TEST(CliClientAdd, PublicAndClientCredentialsClients) {
  const CliRun pub = client_add({"--name", "SPA", "--public", "--redirect-uri",
                                 "http://localhost:3000/cb", "--scope", "read:accounts"});
  ASSERT_EQ(pub.code, 0) << pub.err;
  const auto j = nlohmann::json::parse(pub.out);
  EXPECT_FALSE(j.contains("client_secret"));
  EXPECT_EQ(j["token_endpoint_auth_method"], "none");

  const CliRun cc = client_add(
      {"--name", "Batch", "--grant", "client_credentials", "--scope", "read:transactions"});
  ASSERT_EQ(cc.code, 0) << cc.err;
  const auto k = nlohmann::json::parse(cc.out);
  EXPECT_TRUE(k.contains("client_secret"));
  EXPECT_EQ(k["grant_types"], nlohmann::json::array({"client_credentials"}));
  EXPECT_TRUE(k["redirect_uris"].empty());
}

TEST(CliClientAdd, AccessTokenTtlAndOneRenderingForAddListShowAndUpdate) {
  const CliRun r = client_add({"--name", "Ledger", "--grant", "client_credentials", "--scope",
                               "read:accounts", "--access-token-ttl", "300"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto added = nlohmann::json::parse(r.out);
  const std::string id = added["client_id"];
  EXPECT_EQ(added["access_token_ttl"], 300);
  store::PostgresStore db(test_conninfo(), 1);
  auto stored = db.find_client(id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->access_token_ttl, std::optional<int64_t>(300));

  // add (less its secret, shown once), list and show print the same object.
  ASSERT_TRUE(added.contains("client_secret"));
  added.erase("client_secret");
  std::ostringstream show_out, show_err;
  ASSERT_EQ(cmd_client_show(test_conninfo(), {id}, show_out, show_err), 0) << show_err.str();
  EXPECT_EQ(nlohmann::json::parse(show_out.str()), added);
  std::ostringstream list_out, list_err;
  ASSERT_EQ(cmd_client_list(test_conninfo(), list_out, list_err), 0) << list_err.str();
  nlohmann::json listed;
  for (const auto& x : nlohmann::json::parse(list_out.str())) {
    if (x["client_id"] == id) listed = x;
  }
  EXPECT_EQ(listed, added);

  // update takes the same flags with the same meaning, and prints the same object.
  std::ostringstream up_out, up_err;
  ASSERT_EQ(
      cmd_client_update(test_conninfo(), {id, "--access-token-ttl", "default", "--name", "L2"},
                        up_out, up_err),
      0)
      << up_err.str();
  auto updated = nlohmann::json::parse(up_out.str());
  EXPECT_EQ(updated["access_token_ttl"], nullptr);
  EXPECT_EQ(updated["client_name"], "L2");
  std::ostringstream again_out, again_err;
  ASSERT_EQ(cmd_client_show(test_conninfo(), {id}, again_out, again_err), 0);
  EXPECT_EQ(nlohmann::json::parse(again_out.str()), updated);

  for (const auto& bad : std::vector<std::string>{"0", "86401", "5m", ""}) {
    expect_error(client_add({"--name", "X", "--grant", "client_credentials", "--scope",
                             "read:accounts", "--access-token-ttl", bad}),
                 "--access-token-ttl");
    std::ostringstream o, e;
    CliRun u;
    u.code = cmd_client_update(test_conninfo(), {id, "--access-token-ttl", bad}, o, e);
    u.out = o.str();
    u.err = e.str();
    expect_error(u, "--access-token-ttl");
  }
}

// Client ids are base64url, so one in 64 begins with "-": every command that
// names a client takes it as the id, not as an option.
TEST(CliClient, AnIdBeginningWithADashIsAnIdNotAnOption) {
  protocol::Client c;
  c.client_id = "-dash-" + random_token(8);
  c.client_name = "Dash";
  c.scopes = {"read:accounts"};
  c.grant_types = {"client_credentials"};
  c.secret_digest = sha256_b64url("s");
  store::PostgresStore db(test_conninfo(), 1);
  ASSERT_TRUE(db.create_client(c).ok());
  std::ostringstream o1, e1, o2, e2, o3, e3, o4, e4;
  EXPECT_EQ(cmd_client_show(test_conninfo(), {c.client_id}, o1, e1), 0) << e1.str();
  EXPECT_EQ(cmd_client_update(test_conninfo(), {c.client_id, "--name", "Dash 2"}, o2, e2), 0)
      << e2.str();
  EXPECT_EQ(cmd_client_rotate_secret(test_conninfo(), {c.client_id}, o3, e3), 0) << e3.str();
  EXPECT_EQ(cmd_client_delete(test_conninfo(), {c.client_id}, o4, e4), 0) << e4.str();
  auto gone = db.find_client(c.client_id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

CliRun resource(const std::string& sub, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliRun r;
  r.code = sub == "add" ? cmd_resource_add(test_conninfo(), args, out, err)
                        : cmd_resource_update(test_conninfo(), args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(CliResource, ClientsActingForAResourceServer) {
  auto id_of = [](const CliRun& r) {
    return nlohmann::json::parse(r.out)["client_id"].get<std::string>();
  };
  const std::string rs1 = id_of(
      client_add({"--name", "RS1", "--grant", "client_credentials", "--scope", "read:accounts"}));
  const std::string rs2 = id_of(
      client_add({"--name", "RS2", "--grant", "client_credentials", "--scope", "read:accounts"}));
  const std::string spa =
      id_of(client_add({"--name", "SPA", "--public", "--redirect-uri", "http://localhost:3000/cb",
                        "--scope", "read:accounts"}));
  const std::string aud = "https://ledger-" + random_token(4) + ".example/api";
  const std::vector<std::string> base = {"--audience", aud,       "--name",
                                         "Ledger",     "--scope", "read:accounts"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  expect_error(resource("add", with({"--client", "no-such-client"})), "no-such-client");
  expect_error(resource("add", with({"--client", spa})), "public");
  // RFC 8707 §2: the audience is what clients name as `resource`: an absolute URI.
  expect_error(resource("add", {"--audience", "ledger", "--name", "L", "--scope", "read:accounts"}),
               "--audience");
  const CliRun added = resource("add", with({"--client", rs1}));
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_EQ(nlohmann::json::parse(added.out)["client_ids"], nlohmann::json::array({rs1}));

  auto clients_after = [&](std::vector<std::string> args) {
    args.insert(args.begin(), aud);
    const CliRun r = resource("update", args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out)["client_ids"] : nlohmann::json();
  };
  EXPECT_EQ(clients_after({"--add-client", rs2}), nlohmann::json::array({rs1, rs2}));
  EXPECT_EQ(clients_after({"--remove-client", rs1}), nlohmann::json::array({rs2}));
  EXPECT_EQ(clients_after({"--client", rs1}), nlohmann::json::array({rs1}));
  EXPECT_EQ(clients_after({"--no-clients", "--name", "Ledger 2"}), nlohmann::json::array());
  expect_error(resource("update", {aud, "--add-client", spa}), "public");
  expect_error(resource("update", {aud, "--remove-client", rs2}), "--remove-client");
  expect_error(resource("update", {"https://nowhere.example/", "--name", "X"}), "no such resource");
}

TEST(CliClientAdd, BadArguments) {
  const std::vector<std::string> ok_uri = {"--redirect-uri", "https://app.test/cb"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"--name", "X"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  expect_error(client_add({"--redirect-uri", "https://app.test/cb", "--scope", "read:accounts"}),
               "--name");
  expect_error(client_add(with({"--scope", "read:accounts"})), "--redirect-uri");
  expect_error(
      client_add(with({"--redirect-uri", "http://app.test/cb", "--scope", "read:accounts"})),
      "--redirect-uri");
  expect_error(
      client_add(with({"--redirect-uri", "https://app.test/cb#x", "--scope", "read:accounts"})),
      "--redirect-uri");
  expect_error(client_add(with({"--redirect-uri", "/cb", "--scope", "read:accounts"})),
               "--redirect-uri");
  expect_error(client_add(with({"--redirect-uri", "https://app.test/cb"})), "--scope");
  expect_error(
      client_add(with({"--redirect-uri", "https://app.test/cb", "--scope", "read:everything"})),
      "read:everything");
  expect_error(client_add(with({"--redirect-uri", "https://app.test/cb", "--scope", "read:accounts",
                                "--grant", "password"})),
               "--grant");
  expect_error(
      client_add(with({"--public", "--grant", "client_credentials", "--scope", "read:accounts"})),
      "--public");
  expect_error(client_add(with({"--redirect-uri", "https://app.test/cb", "--scope", "read:accounts",
                                "--secret", "x"})),
               "--secret");
  expect_error(client_add(with({"--redirect-uri"})), "--redirect-uri");
}

TEST(CliRedirectUri, Rules) {
  EXPECT_EQ(check_redirect_uri("https://app.example/cb?x=1"), "");
  EXPECT_EQ(check_redirect_uri("https://app.example:8443/cb"), "");
  EXPECT_EQ(check_redirect_uri("http://127.0.0.1:8000/cb"), "");
  EXPECT_EQ(check_redirect_uri("http://localhost/cb"), "");
  EXPECT_EQ(check_redirect_uri("http://[::1]:7000/cb"), "");
  EXPECT_NE(check_redirect_uri("http://app.example/cb"), "");
  EXPECT_NE(check_redirect_uri("http://127.0.0.1.evil.example/cb"), "");
  EXPECT_NE(check_redirect_uri("http://localhost@evil.example/cb"), "");
  EXPECT_NE(check_redirect_uri("https://app.example/cb#frag"), "");
  EXPECT_NE(check_redirect_uri("https:///cb"), "");
  EXPECT_NE(check_redirect_uri("https://user:pw@app.example/cb"), "");
  EXPECT_NE(check_redirect_uri("https://app.example:99999/cb"), "");
  EXPECT_NE(check_redirect_uri("https://app.example:/cb"), "");
  EXPECT_NE(check_redirect_uri("https://*.example/cb"), "");
  EXPECT_NE(check_redirect_uri("com.example.app:/cb"), "");
  EXPECT_NE(check_redirect_uri("javascript://x/%0aalert(1)"), "");
  EXPECT_NE(check_redirect_uri("https://app.example/c b"), "");
  EXPECT_NE(check_redirect_uri(""), "");
}

}  // namespace
}  // namespace signet::cli
