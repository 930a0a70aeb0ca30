// Metrics (README, "Metrics and alerts") against a real signet with SIGNET_METRICS_LISTEN:
// the admin listener serves the Prometheus text format and the public listener
// does not; requests, token results, refusals and security events are counted
// as they happen, labelled by route template and never by request bytes; the
// state of the pool, LISTEN connections (also across a reconnect) and keys is
// read at scrape time; and every series the alert rules in deploy/monitoring
// use is one Signet exports, so that no alert waits for a name that never comes.
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness.h"

#ifndef SIGNET_SOURCE_DIR
#error "SIGNET_SOURCE_DIR must name the source tree (deploy/monitoring)"
#endif

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
using Fields = std::vector<std::pair<std::string, std::string>>;
using Labels = std::map<std::string, std::string>;

// One scrape: series by name, each with its labels and value; and the TYPE lines.
struct Scrape {
  std::multimap<std::string, std::pair<Labels, double>> series;
  std::map<std::string, std::string> types;
  std::string text;

  // The value of the series with exactly these labels; NaN when absent.
  double value(const std::string& name, const Labels& labels = {}) const {
    auto [from, to] = series.equal_range(name);
    for (auto it = from; it != to; ++it) {
      if (it->second.first == labels) return it->second.second;
    }
    return std::nan("");
  }
  // 0 when absent (a counter not incremented yet has no series).
  double count(const std::string& name, const Labels& labels = {}) const {
    double v = value(name, labels);
    return std::isnan(v) ? 0 : v;
  }
};

Scrape parse_scrape(const std::string& text) {
  Scrape s;
  s.text = text;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      s.types[name] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    std::string name = line.substr(0, std::min(brace, line.find(' ')));
    Labels labels;
    if (brace != std::string::npos) {
      static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
      const std::string inside = line.substr(brace + 1, line.rfind('}') - brace - 1);
      for (std::sregex_iterator it(inside.begin(), inside.end(), kLabel), end; it != end; ++it) {
        labels[(*it)[1]] = (*it)[2];
      }
    }
    s.series.emplace(name, std::make_pair(labels, std::strtod(line.c_str() + space + 1, nullptr)));
  }
  return s;
}

class MetricsTest : public IntegrationTest {
 protected:
  static inline Server signet;
  static inline std::string admin;  // http://127.0.0.1:PORT of the admin listener

  void SetUp() override {
    IntegrationTest::SetUp();
    if (signet.process) return;
    const int port = free_port();
    admin = "http://127.0.0.1:" + std::to_string(port);
    std::string error;
    signet = w().start_signet(
        {{"SIGNET_METRICS_LISTEN", "127.0.0.1:" + std::to_string(port)}, {"SIGNET_WORKERS", "6"}},
        &error);
    ASSERT_TRUE(signet.process) << error;
  }

  Scrape scrape() {
    HttpClient http;
    HttpResponse r = http.get(admin + "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    return parse_scrape(r.body);
  }
  HttpResponse token(const Client& c, const std::string& secret, const Fields& f) {
    HttpClient http;
    return http.post_form(signet.base_url + "/token", f,
                          {{"Authorization", basic_auth(c.client_id, secret)}});
  }
};

TEST_F(MetricsTest, AdminListenerServesPrometheusTextAndThePublicListenerDoesNot) {
  HttpClient http;
  HttpResponse r = http.get(admin + "/metrics");
  ASSERT_EQ(r.status, 200);
  // The Prometheus text exposition format, version 0.0.4.
  EXPECT_NE(r.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE signet_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_EQ(http.get(signet.base_url + "/metrics").status, 404);
  EXPECT_EQ(http.get(admin + "/token").status, 404);  // the admin listener serves only /metrics
}

TEST_F(MetricsTest, TokensRefusalsAndRequestsAreCountedByGrantReasonAndRoute) {
  Client cc = w().add_client(w().unique("Reconciler"), {}, "read:transactions", false,
                             {"client_credentials"});
  const Scrape before = scrape();
  ASSERT_EQ(token(cc, cc.client_secret, {{"grant_type", "client_credentials"}}).status, 200);
  ASSERT_EQ(token(cc, "wrong-secret", {{"grant_type", "client_credentials"}}).status, 401);
  ASSERT_EQ(token(cc, cc.client_secret, {{"grant_type", "urn:example:made-up"}}).status, 400);
  const Scrape after = scrape();

  auto delta = [&](const std::string& name, const Labels& l) {
    return after.count(name, l) - before.count(name, l);
  };
  EXPECT_EQ(delta("signet_token_requests_total",
                  {{"grant_type", "client_credentials"}, {"result", "issued"}}),
            1);
  EXPECT_EQ(delta("signet_token_requests_total",
                  {{"grant_type", "client_credentials"}, {"result", "invalid_client"}}),
            1);
  // An unknown grant type is "other": the client's text never names a series.
  EXPECT_EQ(delta("signet_token_requests_total",
                  {{"grant_type", "other"}, {"result", "unsupported_grant_type"}}),
            1);
  EXPECT_EQ(after.text.find("made-up"), std::string::npos);
  EXPECT_EQ(delta("signet_refusals_total", {{"route", "/token"}, {"reason", "invalid_client"}}), 1);
  EXPECT_EQ(delta("signet_http_request_duration_seconds_count",
                  {{"method", "POST"}, {"route", "/token"}, {"status", "200"}}),
            1);
  EXPECT_EQ(delta("signet_http_request_duration_seconds_count",
                  {{"method", "POST"}, {"route", "/token"}, {"status", "401"}}),
            1);
  EXPECT_EQ(delta("signet_security_events_total", {{"event", "token.issued"}}), 1);
  // The latency histogram has its buckets, the last one counting every request.
  EXPECT_EQ(
      after.count("signet_http_request_duration_seconds_bucket",
                  {{"method", "POST"}, {"route", "/token"}, {"status", "200"}, {"le", "+Inf"}}),
      after.count("signet_http_request_duration_seconds_count",
                  {{"method", "POST"}, {"route", "/token"}, {"status", "200"}}));
}

TEST_F(MetricsTest, PathsAreLabelledByRouteTemplateNeverByTheRequestedPath) {
  const std::string grant = "grant-" + random_hex(8);
  const std::string scan = "/scan-" + random_hex(8);
  HttpClient http;
  EXPECT_EQ(http.get(signet.base_url + "/grants/" + grant).status, 401);
  EXPECT_EQ(http.get(signet.base_url + scan).status, 404);
  EXPECT_EQ(http.request("PUT", signet.base_url + "/token", "").status, 405);
  const Scrape s = scrape();
  EXPECT_GE(s.count("signet_http_request_duration_seconds_count",
                    {{"method", "GET"}, {"route", "/grants/:grant_id"}, {"status", "401"}}),
            1);
  EXPECT_GE(s.count("signet_http_request_duration_seconds_count",
                    {{"method", "other"}, {"route", "unmatched"}, {"status", "404"}}),
            1);
  EXPECT_GE(s.count("signet_http_request_duration_seconds_count",
                    {{"method", "other"}, {"route", "/token"}, {"status", "405"}}),
            1);
  // A scan of random paths cannot grow the number of series.
  EXPECT_EQ(s.text.find(grant), std::string::npos);
  EXPECT_EQ(s.text.find(scan), std::string::npos);
}

TEST_F(MetricsTest, RefreshTokenReuseIsCountedAsASecurityEvent) {
  User u = w().add_user(w().unique("alice"), kPassword);
  Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts", false,
                            {"authorization_code", "refresh_token"});
  AuthorizeRequest req{c.client_id, kRedirect, "read:accounts", random_hex(12), random_hex(32), {}};
  const std::string url = w().authorize_url(req);
  HttpClient browser;
  AuthorizationResult a =
      w().authorize_at(browser, signet.base_url + url.substr(url.find("/authorize")), u);
  ASSERT_FALSE(a.code().empty()) << a.last.body;
  HttpResponse first = token(c, c.client_secret,
                             {{"grant_type", "authorization_code"},
                              {"code", a.code()},
                              {"redirect_uri", kRedirect},
                              {"code_verifier", req.code_verifier}});
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string rt1 = first.json()["refresh_token"];
  ASSERT_EQ(
      token(c, c.client_secret, {{"grant_type", "refresh_token"}, {"refresh_token", rt1}}).status,
      200);
  const Scrape before = scrape();
  HttpResponse reuse =
      token(c, c.client_secret, {{"grant_type", "refresh_token"}, {"refresh_token", rt1}});
  ASSERT_EQ(reuse.status, 400) << reuse.body;
  const Scrape after = scrape();
  EXPECT_EQ(after.count("signet_security_events_total", {{"event", "refresh.reuse_detected"}}) -
                before.count("signet_security_events_total", {{"event", "refresh.reuse_detected"}}),
            1);
  EXPECT_EQ(after.count("signet_token_requests_total",
                        {{"grant_type", "refresh_token"}, {"result", "invalid_grant"}}) -
                before.count("signet_token_requests_total",
                             {{"grant_type", "refresh_token"}, {"result", "invalid_grant"}}),
            1);
}

TEST_F(MetricsTest, PoolKeysQueuesAndProcessAreReadAtScrapeTime) {
  const Scrape s = scrape();
  EXPECT_EQ(s.value("signet_database_pool_connections", {{"state", "size"}}), 6);  // SIGNET_WORKERS
  EXPECT_GE(s.value("signet_database_pool_connections", {{"state", "idle"}}), 1);
  EXPECT_EQ(s.value("signet_database_errors_total", {{"kind", "internal"}}), 0);
  for (const char* channel :
       {"signet_clients", "signet_resources", "signet_revocations", "signet_keys"}) {
    EXPECT_EQ(s.value("signet_listen_connected", {{"channel", channel}}), 1) << channel;
  }
  // Both algorithms have an active key, younger than this test run.
  int active = 0;
  auto [from, to] = s.series.equal_range("signet_signing_key_age_seconds");
  for (auto it = from; it != to; ++it) {
    if (it->second.first.at("state") != "active") continue;
    ++active;
    EXPECT_GE(it->second.second, 0);
    EXPECT_LT(it->second.second, 3600);
  }
  EXPECT_EQ(active, 2);
  EXPECT_EQ(s.value("signet_audit_dropped_total"), 0);
  EXPECT_FALSE(std::isnan(s.value("signet_audit_queue_depth")));
  EXPECT_EQ(s.value("signet_worker_queue_refused_total"), 0);
  EXPECT_GT(s.value("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(s.value("process_start_time_seconds"), static_cast<double>(now_seconds() - 3600));
}

TEST_F(MetricsTest, ALostListenConnectionIsSeenAndCountedWhenItComesBack) {
  const Scrape before = scrape();
  // End every LISTEN connection of this database's servers, as a failover would.
  w().db->query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'");
  double reconnects = 0;
  double connected = 0;
  for (int i = 0; i < 100; ++i) {
    const Scrape s = scrape();
    reconnects = s.count("signet_listen_reconnects_total", {{"channel", "signet_clients"}}) -
                 before.count("signet_listen_reconnects_total", {{"channel", "signet_clients"}});
    connected = s.value("signet_listen_connected", {{"channel", "signet_clients"}});
    if (reconnects >= 1 && connected == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(reconnects, 1);
  EXPECT_EQ(connected, 1);
}

TEST_F(MetricsTest, EverySeriesTheAlertRulesUseIsExported) {
  // Make the counters that exist only after their first event exist.
  Client cc = w().add_client(w().unique("Reconciler"), {}, "read:transactions", false,
                             {"client_credentials"});
  token(cc, "wrong-secret", {{"grant_type", "client_credentials"}});
  token(cc, cc.client_secret, {{"grant_type", "client_credentials"}});
  const Scrape s = scrape();
  std::ifstream rules(std::string(SIGNET_SOURCE_DIR) + "/deploy/monitoring/signet-alerts.yml");
  ASSERT_TRUE(rules) << "deploy/monitoring/signet-alerts.yml is missing";
  const std::string text((std::istreambuf_iterator<char>(rules)), std::istreambuf_iterator<char>());
  static const std::regex kName(R"(\b(signet_[a-z_]+|process_[a-z_]+))");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), kName), end; it != end; ++it) {
    std::string n = (*it)[1];
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      const std::string sfx = suffix;
      if (n.size() > sfx.size() && n.compare(n.size() - sfx.size(), sfx.size(), sfx) == 0 &&
          s.types.count(n.substr(0, n.size() - sfx.size())) &&
          s.types.at(n.substr(0, n.size() - sfx.size())) == "histogram") {
        n = n.substr(0, n.size() - sfx.size());
      }
    }
    names.insert(n);
  }
  ASSERT_GE(names.size(), 6u) << "the rules name fewer series than expected";
  for (const auto& n : names)
    EXPECT_TRUE(s.types.count(n)) << n << " is used by an alert rule but not exported";
}

TEST_F(MetricsTest, ABadAdminAddressStopsSignetWithOneLineNamingTheSetting) {
  for (const std::string& bad : {std::string("no-port"), std::string("127.0.0.1:99999")}) {
    CommandResult r = w().cli({"serve"}, {}, {{"SIGNET_METRICS_LISTEN", bad}});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("SIGNET_METRICS_LISTEN"), std::string::npos) << bad << ": " << r.err;
  }
  // An address already taken (this test's own admin listener) is named too.
  std::string error;
  Server clash = w().start_signet(
      {{"SIGNET_METRICS_LISTEN", admin.substr(std::string("http://").size())}}, &error);
  EXPECT_FALSE(clash.process);
  EXPECT_NE(error.find("SIGNET_METRICS_LISTEN: cannot listen on"), std::string::npos) << error;
}

}  // namespace
}  // namespace signet::it
