// The audit trail and the logs against the real signet process: each security
// event of a browser flow, a token exchange, a refresh-token reuse and a
// connected-app revocation lands in audit_events with its client, subject and
// the caller's X-Request-Id; the log holds the same events as JSON lines and
// none of the secrets the test used. Also /readyz, with PostgreSQL stopped.
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
using Fields = std::vector<std::pair<std::string, std::string>>;

struct Row {
  std::string event, client_id, subject, request_id;
  nlohmann::json detail;
};

class AuditTest : public IntegrationTest {
 protected:
  // Rows whose request id starts with `prefix`, oldest first; waits up to 5 s
  // for `count` of them (the writer inserts in batches, every 100 ms).
  std::vector<Row> rows(const std::string& prefix, std::size_t count) {
    std::vector<Row> out;
    for (int i = 0; i < 100; ++i) {
      out.clear();
      for (const auto& r :
           w().db->query("SELECT event, coalesce(client_id, ''), coalesce(subject, ''), "
                         "coalesce(request_id, ''), detail::text FROM audit_events "
                         "WHERE starts_with(request_id, $1) ORDER BY id",
                         {prefix})) {
        out.push_back({r[0], r[1], r[2], r[3], nlohmann::json::parse(r[4])});
      }
      if (out.size() >= count) break;
      usleep(50000);
    }
    return out;
  }
  const Row* find(const std::vector<Row>& rs, const std::string& request_id,
                  const std::string& event) {
    for (const auto& r : rs) {
      if (r.request_id == request_id && r.event == event) return &r;
    }
    return nullptr;
  }
  // The JSON log lines of signet (other lines are skipped).
  std::vector<nlohmann::json> log_lines() {
    std::vector<nlohmann::json> out;
    std::istringstream in(w().signet.process->log());
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] != '{') continue;
      try {
        out.push_back(nlohmann::json::parse(line));
      } catch (const std::exception&) {
      }
    }
    return out;
  }
  static Headers rid(const std::string& id) { return {{"X-Request-Id", id}}; }
};

TEST_F(AuditTest, FlowEventsReachTheTrailWithRequestIdsAndTheLogHoldsNoSecret) {
  const std::string password = "pw-" + random_hex(12);
  const std::string wrong_password = "wrong-pw-" + random_hex(12);
  // Typed as a username: it may be a password in the wrong field, so it is not logged.
  const std::string unknown_username = "typed-" + random_hex(12);
  User u = w().add_user(w().unique("audit-user"), password);
  Client c = w().add_client(w().unique("AuditApp"), {kRedirect}, "read:accounts", false,
                            {"authorization_code", "refresh_token"});
  Client machine = w().add_client(w().unique("AuditMachine"), {}, "read:accounts", false,
                                  {"client_credentials"});
  ASSERT_FALSE(u.subject.empty());
  ASSERT_FALSE(c.client_secret.empty());
  const std::string p = "audit-" + random_hex(6) + "-";

  HttpClient browser;
  const std::string verifier = random_hex(32);
  AuthorizeRequest req{c.client_id, kRedirect, "read:accounts", random_hex(8), verifier, {}};
  HttpResponse page = browser.get(w().authorize_url(req), rid(p + "authorize"));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("x-request-id"), p + "authorize");

  auto login = [&](const std::string& body, const std::string& username, const std::string& pw,
                   const std::string& id) {
    Fields f = form_fields(body, "/login");
    for (auto& [k, v] : f) {
      if (k == "username") v = username;
      if (k == "password") v = pw;
    }
    return browser.post_form(w().signet.base_url + "/login", f, rid(id));
  };
  HttpResponse unknown = login(page.body, unknown_username, password, p + "login-unknown");
  ASSERT_EQ(unknown.status, 401) << unknown.body;
  HttpResponse bad = login(unknown.body, u.username, wrong_password, p + "login-bad");
  ASSERT_EQ(bad.status, 401) << bad.body;
  HttpResponse good = login(bad.body, u.username, password, p + "login-ok");
  ASSERT_EQ(good.status, 303) << good.body;
  HttpResponse consent_page = browser.get(good.location(), rid(p + "authorize-2"));
  ASSERT_EQ(consent_page.status, 200) << consent_page.body;
  Fields cf = form_fields(consent_page.body, "/consent");
  cf.emplace_back("decision", "allow");
  HttpResponse consent =
      browser.post_form(w().signet.base_url + "/consent", cf, rid(p + "consent"));
  ASSERT_EQ(consent.status, 303) << consent.body;
  const std::string code = query_params(consent.location())["code"];
  ASSERT_FALSE(code.empty()) << consent.location();

  HttpClient api;
  const Headers basic{{"Authorization", basic_auth(c.client_id, c.client_secret)},
                      {"X-Request-Id", p + "token"}};
  HttpResponse token = api.post_form(w().signet.base_url + "/token",
                                     {{"grant_type", "authorization_code"},
                                      {"code", code},
                                      {"redirect_uri", kRedirect},
                                      {"code_verifier", verifier}},
                                     basic);
  ASSERT_EQ(token.status, 200) << token.body;
  const std::string at1 = token.json()["access_token"];
  const std::string rt1 = token.json()["refresh_token"];
  auto refresh = [&](const std::string& rt, const std::string& id) {
    return api.post_form(
        w().signet.base_url + "/token", {{"grant_type", "refresh_token"}, {"refresh_token", rt}},
        {{"Authorization", basic_auth(c.client_id, c.client_secret)}, {"X-Request-Id", id}});
  };
  HttpResponse rotated = refresh(rt1, p + "refresh");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string at2 = rotated.json()["access_token"];
  const std::string rt2 = rotated.json()["refresh_token"];
  HttpResponse reuse = refresh(rt1, p + "reuse");
  ASSERT_EQ(reuse.status, 400) << reuse.body;

  // Client credentials: answered on the I/O thread, audited all the same.
  HttpResponse cc =
      api.post_form(w().signet.base_url + "/token", {{"grant_type", "client_credentials"}},
                    {{"Authorization", basic_auth(machine.client_id, machine.client_secret)},
                     {"X-Request-Id", p + "cc"}});
  ASSERT_EQ(cc.status, 200) << cc.body;
  const std::string at3 = cc.json()["access_token"];

  HttpResponse apps = browser.get(w().signet.base_url + "/account/apps", rid(p + "apps"));
  ASSERT_EQ(apps.status, 200) << apps.body;
  Fields rf = form_fields(apps.body, "/account/apps/revoke");
  HttpResponse revoked =
      browser.post_form(w().signet.base_url + "/account/apps/revoke", rf, rid(p + "revoke"));
  ASSERT_EQ(revoked.status, 303) << revoked.body;

  // --- the trail ---
  auto rs = rows(p, 9);
  auto expect = [&](const std::string& id, const std::string& event, const std::string& client,
                    const std::string& subject) -> const Row* {
    const Row* r = find(rs, p + id, event);
    EXPECT_NE(r, nullptr) << "no " << event << " row for request " << p + id;
    if (!r) return nullptr;
    EXPECT_EQ(r->client_id, client) << event;
    EXPECT_EQ(r->subject, subject) << event;
    return r;
  };
  if (auto r = expect("login-unknown", "login.failed", c.client_id, "")) {
    EXPECT_EQ(r->detail["reason"], "unknown_user");
    EXPECT_FALSE(r->detail.contains("username"));
  }
  if (auto r = expect("login-bad", "login.failed", c.client_id, u.subject)) {
    EXPECT_EQ(r->detail["reason"], "wrong_password");
  }
  expect("login-ok", "login.succeeded", c.client_id, u.subject);
  if (auto r = expect("consent", "consent.granted", c.client_id, u.subject)) {
    EXPECT_EQ(r->detail["scopes"], nlohmann::json::array({"read:accounts"}));
  }
  if (auto r = expect("token", "token.issued", c.client_id, u.subject)) {
    EXPECT_EQ(r->detail["grant_type"], "authorization_code");
    EXPECT_EQ(r->detail["scope"], "read:accounts");
    EXPECT_EQ(r->detail["jti"], jwt_claims(at1)["jti"]);
    EXPECT_EQ(r->detail["refresh_token_issued"], true);
  }
  if (auto r = expect("refresh", "token.issued", c.client_id, u.subject)) {
    EXPECT_EQ(r->detail["grant_type"], "refresh_token");
    EXPECT_EQ(r->detail["jti"], jwt_claims(at2)["jti"]);
  }
  expect("reuse", "refresh.reuse_detected", c.client_id, u.subject);
  if (auto r = expect("cc", "token.issued", machine.client_id, "")) {
    EXPECT_EQ(r->detail["grant_type"], "client_credentials");
  }
  expect("revoke", "consent.revoked", c.client_id, u.subject);
  // Nothing else: failed token requests and page views are not security events.
  EXPECT_EQ(rs.size(), 9u);
  for (const auto& r : rs) EXPECT_NE(r.request_id, p + "authorize") << r.event;

  // --- the log: the same events as JSON lines with time and request id ---
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  auto lines = log_lines();
  for (const auto& [id, event] :
       std::vector<std::pair<std::string, std::string>>{{"login-bad", "login.failed"},
                                                        {"login-ok", "login.succeeded"},
                                                        {"consent", "consent.granted"},
                                                        {"token", "token.issued"},
                                                        {"reuse", "refresh.reuse_detected"},
                                                        {"cc", "token.issued"},
                                                        {"revoke", "consent.revoked"}}) {
    bool found = false;
    for (const auto& l : lines) {
      if (l.value("request_id", "") != p + id || l.value("event", "") != event) continue;
      found = true;
      EXPECT_TRUE(std::regex_match(l.value("time", ""), rfc3339)) << l.dump();
      EXPECT_FALSE(l.value("level", "").empty()) << l.dump();
      EXPECT_TRUE(l.contains("client_id") && l.contains("subject") && l.contains("detail") &&
                  l.contains("client_address"))
          << l.dump();
    }
    EXPECT_TRUE(found) << "no log line for " << event << " of " << p + id;
  }
  // Every JSON line carries its time.
  for (const auto& l : lines) EXPECT_TRUE(l.contains("time")) << l.dump();

  const std::string log = w().signet.process->log();
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"password", password},
      {"wrong password", wrong_password},
      {"unknown username", unknown_username},
      {"code", code},
      {"code_verifier", verifier},
      {"access token", at1},
      {"access token (refreshed)", at2},
      {"access token (client credentials)", at3},
      {"refresh token", rt1},
      {"refresh token (rotated)", rt2},
      {"client secret", c.client_secret},
      {"machine client secret", machine.client_secret},
      {"Authorization header", basic_auth(c.client_id, c.client_secret)},
      {"session cookie", browser.cookie("signet_session")},
      {"login CSRF cookie", form_value(page.body, "csrf_token")},
  };
  for (const auto& [what, value] : secrets) {
    ASSERT_FALSE(value.empty()) << what;
    EXPECT_EQ(log.find(value), std::string::npos) << what << " is in the signet log";
  }
  // Nor in the trail itself.
  auto all = w().db->query(
      "SELECT string_agg(detail::text || coalesce(subject, ''), ' ') "
      "FROM audit_events");
  ASSERT_EQ(all.size(), 1u);
  for (const auto& [what, value] : secrets) {
    EXPECT_EQ(all[0][0].find(value), std::string::npos) << what << " is in audit_events";
  }
}

// The throttled event follows login.failed's rule: the subject (and username)
// only when the typed text names a user; text that names nobody may be a
// password typed in the wrong field and lands nowhere.
TEST_F(AuditTest, ThrottledLoginNamesOnlyAKnownUser) {
  User u = w().add_user(w().unique("audit-locked"), "pw-" + random_hex(12));
  Client c = w().add_client(w().unique("AuditThrottle"), {kRedirect}, "read:accounts");
  const std::string typed = "typed-" + random_hex(12);
  const std::string p = "audit-thr-" + random_hex(6) + "-";
  // Failed sign-ins until the account's lockout (SIGNET_LOGIN_MAX_FAILURES, 5).
  auto lock_out = [&](const std::string& username, const std::string& id) {
    HttpClient browser;
    HttpResponse page = browser.get(
        w().authorize_url({c.client_id, kRedirect, "read:accounts", "s", random_hex(32), {}}));
    ASSERT_EQ(page.status, 200) << page.body;
    for (int i = 0; i < 5 && page.status != 429; ++i) {
      Fields f = form_fields(page.body, "/login");
      for (auto& [k, v] : f) {
        if (k == "username") v = username;
        if (k == "password") v = "wrong-" + random_hex(6);
      }
      page = browser.post_form(w().signet.base_url + "/login", f, rid(p + id));
    }
    EXPECT_EQ(page.status, 429) << page.body;
  };
  lock_out(typed, "unknown");
  lock_out(u.username, "known");

  auto rs = rows(p, 12);
  const Row* unknown = find(rs, p + "unknown", "throttled");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->subject, "");
  EXPECT_EQ(unknown->client_id, c.client_id);
  EXPECT_EQ(unknown->detail, nlohmann::json({{"limit", "account"}}));
  const Row* known = find(rs, p + "known", "throttled");
  ASSERT_NE(known, nullptr);
  EXPECT_EQ(known->subject, u.subject);
  EXPECT_EQ(known->detail["username"], u.username);
  for (const auto& r : rs) {
    EXPECT_EQ(r.subject.find(typed), std::string::npos) << r.event;
    EXPECT_EQ(r.detail.dump().find(typed), std::string::npos) << r.event;
  }
  EXPECT_EQ(w().signet.process->log().find(typed), std::string::npos);
}

TEST_F(AuditTest, RequestErrorLinesCarryTimeAndRequestId) {
  const std::string id = "audit-err-" + random_hex(6);
  HttpClient api;
  // An unknown client at /token: an invalid_client answer, logged with its detail.
  HttpResponse r =
      api.post_form(w().signet.base_url + "/token", {{"grant_type", "client_credentials"}},
                    {{"Authorization", basic_auth("no-such-client", "x")}, {"X-Request-Id", id}});
  ASSERT_EQ(r.status, 401) << r.body;
  bool found = false;
  for (int i = 0; i < 40 && !found; ++i) {
    for (const auto& l : log_lines()) {
      if (l.value("event", "") == "request_error" && l.value("request_id", "") == id) {
        found = true;
        EXPECT_TRUE(l.contains("time")) << l.dump();
      }
    }
    if (!found) usleep(50000);
  }
  EXPECT_TRUE(found) << "no request_error line with request_id " << id << "\n"
                     << w().signet.process->log_tail();
}

TEST_F(AuditTest, CliClientAndKeyChangesAreAuditedWithoutTheSecret) {
  Client c = w().add_client(w().unique("AuditCli"), {kRedirect}, "read:accounts");
  auto registered = w().db->query(
      "SELECT detail->>'action' FROM audit_events WHERE event = 'client.changed' AND client_id = "
      "$1 ORDER BY id",
      {c.client_id});
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0][0], "register");

  auto rotated = w().cli({"client", "rotate-secret", c.client_id});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  const std::string secret = nlohmann::json::parse(rotated.out)["client_secret"];
  ASSERT_FALSE(secret.empty());
  EXPECT_EQ(rotated.err.find(secret), std::string::npos) << rotated.err;
  EXPECT_NE(rotated.err.find("\"event\":\"client.changed\""), std::string::npos) << rotated.err;

  auto keys = w().cli({"keys", "rotate"});
  ASSERT_EQ(keys.exit_code, 0) << keys.out << keys.err;
  const std::string kid = nlohmann::json::parse(keys.out)["kid"];

  auto trail = w().db->query(
      "SELECT event, coalesce(client_id, ''), detail::text FROM audit_events "
      "WHERE (event = 'client.changed' AND client_id = $1) OR (event = 'key.changed' AND "
      "detail->'key'->>'kid' = $2) ORDER BY id",
      {c.client_id, kid});
  ASSERT_EQ(trail.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(trail[1][2])["action"], "rotate_secret");
  EXPECT_EQ(trail[2][0], "key.changed");
  EXPECT_EQ(nlohmann::json::parse(trail[2][2])["action"], "rotate");
  for (const auto& row : trail) EXPECT_EQ(row[2].find(secret), std::string::npos);
  EXPECT_EQ(trail[2][2].find("PRIVATE"), std::string::npos);
}

TEST_F(AuditTest, ReadyzFollowsTheDatabaseWhileHealthzOnlySaysAlive) {
  HttpClient http;
  HttpResponse ready = http.get(w().signet.base_url + "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json(), nlohmann::json({{"status", "ready"}}));
  EXPECT_EQ(ready.header("cache-control"), "no-store");

  std::string cluster_error;
  auto cluster = start_private_cluster(cluster_error);
  ASSERT_TRUE(cluster) << cluster_error;
  Database db(cluster->conninfo("postgres"), "signet_readyz");
  Env env{{"SIGNET_DATABASE_URL", db.conninfo()}};
  auto m = w().cli({"migrate"}, "", env);
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  std::string why;
  Server s = w().start_signet({}, &why, db.conninfo());
  ASSERT_TRUE(s.process) << why;

  auto get = [&](const std::string& path) {
    HttpClient h;
    h.timeout_ms = 15000;
    return h.get(s.base_url + path);
  };
  HttpResponse before = get("/readyz");
  EXPECT_EQ(before.status, 200) << before.body;

  ASSERT_TRUE(cluster->stop()) << cluster->log_tail();
  const auto started = std::chrono::steady_clock::now();
  HttpResponse down = get("/readyz");
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(down.status, 503) << down.body << "\n" << s.process->log_tail();
  if (down.status == 503) {
    EXPECT_EQ(down.json()["status"], "not_ready") << down.body;
    EXPECT_EQ(down.json()["reasons"], nlohmann::json::array({"database"})) << down.body;
  }
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 5)
      << "/readyz must answer within its bound while the database is down";
  EXPECT_EQ(get("/healthz").status, 200) << "the process is alive all the same";

  ASSERT_TRUE(cluster->start()) << cluster->log_tail();
  HttpResponse after;
  for (int i = 0; i < 100; ++i) {
    after = get("/readyz");
    if (after.status == 200) break;
    usleep(200000);
  }
  EXPECT_EQ(after.status, 200) << "not ready again after PostgreSQL came back: " << after.body
                               << "\n"
                               << s.process->log_tail();
  std::erase(w().processes, s.process.get());
  s.process->stop();
}

}  // namespace
}  // namespace signet::it
