// The audit trail's writer against the real test database: events arrive as
// rows, in batches (one transaction each), survive a database outage, and a
// full queue drops (and reports) events instead of making record() wait.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_commands.h"
#include "common/crypto.h"
#include "store/database_probe.h"
#include "store/postgres_audit.h"
#include "test_database.h"

namespace signet::store {
namespace {

using namespace std::chrono_literals;
using testing::test_conninfo;

pqxx::result query(const std::string& sql, const std::string& param) {
  pqxx::connection c(test_conninfo());
  pqxx::nontransaction t(c);
  return t.exec_params(sql, param);
}

protocol::AuditEvent event(const std::string& request_id,
                           const std::string& name = "token.issued") {
  return {name,
          "client-" + request_id,
          "subject-" + request_id,
          request_id,
          "127.0.0.1",
          {{"grant_type", "client_credentials"}}};
}

TEST(AuditWriter, EventsArriveAsRowsWithEveryField) {
  const std::string p = "w-" + random_token(6) + "-";
  PostgresAuditSink sink(test_conninfo());
  sink.record(event(p + "1", "login.failed"));
  protocol::AuditEvent bare{"key.changed", "", "", "", "", {{"kid", "k1"}}};
  bare.request_id = p + "2";
  sink.record(bare);
  ASSERT_TRUE(sink.flush(5s));

  auto r = query(
      "SELECT event, client_id, subject, request_id, client_address, detail::text, "
      "at > now() - interval '1 minute' FROM audit_events WHERE starts_with(request_id, $1) "
      "ORDER BY id",
      p);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][0].as<std::string>(), "login.failed");
  EXPECT_EQ(r[0][1].as<std::string>(), "client-" + p + "1");
  EXPECT_EQ(r[0][2].as<std::string>(), "subject-" + p + "1");
  EXPECT_EQ(r[0][4].as<std::string>(), "127.0.0.1");
  EXPECT_EQ(nlohmann::json::parse(r[0][5].as<std::string>())["grant_type"], "client_credentials");
  EXPECT_TRUE(r[0][6].as<bool>());
  // Empty identifiers are NULL, so "WHERE subject = ..." never matches them.
  EXPECT_TRUE(r[1][1].is_null());
  EXPECT_TRUE(r[1][2].is_null());
  EXPECT_EQ(sink.written(), 2u);
  EXPECT_EQ(sink.dropped(), 0u);
}

// Values from requests reach the table as they were, or with U+FFFD where
// they were not text: COPY's separators, escapes and invalid bytes never cost a batch.
TEST(AuditWriter, HostileTextIsStoredAndNeverBreaksTheBatch) {
  const std::string p = "h-" + random_token(6) + "-";
  PostgresAuditSink sink(test_conninfo());
  const std::string tricky = "a\tb\\N\nc\\d\"e";
  protocol::AuditEvent e = event(p + "1", "login.failed");
  e.client_id = tricky;
  e.subject = std::string("bad\xff\xfeutf8") + '\0' + "nul";
  e.detail = {{"username", "x\ty\nz\\"}, {"raw", std::string("\xc3\x28")}};
  sink.record(e);
  sink.record(event(p + "2"));  // the same batch
  ASSERT_TRUE(sink.flush(5s));
  auto r = query(
      "SELECT client_id, subject, detail->>'username', detail->>'raw' FROM audit_events "
      "WHERE starts_with(request_id, $1) ORDER BY id",
      p);
  ASSERT_EQ(r.size(), 2u) << "the batch was lost";
  EXPECT_EQ(r[0][0].as<std::string>(), tricky);
  EXPECT_EQ(r[0][1].as<std::string>(), "bad\xef\xbf\xbd\xef\xbf\xbdutf8?nul");
  EXPECT_EQ(r[0][2].as<std::string>(), "x\ty\nz\\");
  EXPECT_EQ(r[0][3].as<std::string>(), "\xef\xbf\xbd(");
  EXPECT_EQ(sink.dropped(), 0u);
}

TEST(AuditWriter, WritesInBatchesOfOneTransactionEach) {
  const std::string p = "b-" + random_token(6) + "-";
  AuditWriterSettings settings;
  settings.batch = 10;
  settings.interval = 200ms;
  PostgresAuditSink sink(test_conninfo(), settings);
  for (int i = 0; i < 50; ++i) sink.record(event(p + std::to_string(i)));
  ASSERT_TRUE(sink.flush(5s));
  // Rows written by one transaction share its xmin.
  auto r = query(
      "SELECT xmin::text, count(*) FROM audit_events WHERE starts_with(request_id, $1) "
      "GROUP BY 1",
      p);
  size_t total = 0;
  for (const auto& row : r) {
    EXPECT_LE(row[1].as<size_t>(), 10u) << "a batch larger than the setting";
    total += row[1].as<size_t>();
  }
  EXPECT_EQ(total, 50u);
  EXPECT_LE(r.size(), 10u) << "50 events took " << r.size() << " transactions: not batched";
  EXPECT_GE(r.size(), 5u);
}

TEST(AuditWriter, SurvivesADatabaseOutageAndWritesEachEventOnce) {
  const std::string p = "o-" + random_token(6) + "-";
  AuditWriterSettings settings;
  settings.interval = 20ms;
  settings.max_backoff = 200ms;
  PostgresAuditSink sink(test_conninfo(), settings);
  sink.record(event(p + "before"));
  ASSERT_TRUE(sink.flush(5s));  // the writer holds a live connection now

  // The outage: no new connections to this database, existing ones cut.
  std::string dbname;
  {
    pqxx::connection c(test_conninfo());
    dbname = c.dbname();
  }
  const char* admin_url = std::getenv("SIGNET_TEST_DATABASE_URL");
  ASSERT_NE(admin_url, nullptr);
  pqxx::connection admin(admin_url);
  auto allow_connections = [&](bool allow) {
    pqxx::nontransaction t(admin);
    t.exec("ALTER DATABASE " + t.quote_name(dbname) + " ALLOW_CONNECTIONS " +
           (allow ? "true" : "false"));
    if (!allow) {
      t.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " +
             t.quote(dbname) + " AND pid <> pg_backend_pid()");
    }
  };
  allow_connections(false);
  // Whatever happens below, the database is opened again for the other tests.
  struct Reopen {
    std::function<void()> f;
    ~Reopen() { f(); }
  } reopen{[&] {
    try {
      allow_connections(true);
    } catch (const std::exception&) {
    }
  }};

  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) sink.record(event(p + "during-" + std::to_string(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms) << "record() waited on the database";
  EXPECT_FALSE(sink.flush(600ms)) << "stored while the database refused connections?";
  EXPECT_EQ(sink.written(), 1u);

  allow_connections(true);
  ASSERT_TRUE(sink.flush(10s)) << "the writer did not recover";
  EXPECT_EQ(sink.written(), 21u);
  EXPECT_EQ(sink.dropped(), 0u);
  auto r = query(
      "SELECT count(*), count(DISTINCT request_id) FROM audit_events "
      "WHERE starts_with(request_id, $1)",
      p);
  EXPECT_EQ(r[0][0].as<int>(), 21);
  EXPECT_EQ(r[0][1].as<int>(), 21);
}

TEST(AuditWriter, AFullQueueDropsCountsAndLogsInsteadOfWaiting) {
  AuditWriterSettings settings;
  settings.max_queue = 5;
  settings.interval = 10ms;
  settings.max_backoff = 50ms;
  // A database that is not there: every insert fails.
  PostgresAuditSink sink("host=/nonexistent-signet-socket-dir dbname=nothing", settings);
  ::testing::internal::CaptureStderr();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) sink.record(event("drop-" + std::to_string(i)));
  const auto took = std::chrono::steady_clock::now() - t0;
  std::this_thread::sleep_for(300ms);  // the writer reports the drops while retrying
  sink.close(100ms);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_LT(took, 500ms);
  EXPECT_EQ(sink.written(), 0u);
  EXPECT_EQ(sink.dropped(), 40u) << "after close, everything unwritten counts as dropped";
  // Every event still got its log line, and the drops were reported.
  EXPECT_NE(err.find("\"request_id\":\"drop-39\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"event\":\"audit_events_dropped\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"event\":\"audit_write_failed\""), std::string::npos) << err;
}

TEST(AuditWriter, CloseWritesWhatIsQueued) {
  const std::string p = "c-" + random_token(6) + "-";
  {
    AuditWriterSettings settings;
    settings.interval = 5s;  // nothing would be written before close() without the flush
    PostgresAuditSink sink(test_conninfo(), settings);
    for (int i = 0; i < 3; ++i) sink.record(event(p + std::to_string(i)));
  }  // destructor: close(5 s)
  auto r = query("SELECT count(*) FROM audit_events WHERE starts_with(request_id, $1)", p);
  EXPECT_EQ(r[0][0].as<int>(), 3);
}

TEST(AuditLogLine, HasTheDocumentedFieldsAndRfc3339Time) {
  auto line = audit_log_line(event("r1", "refresh.reuse_detected"), 1764416096789);
  EXPECT_EQ(line["time"], "2025-11-29T11:34:56.789Z");
  EXPECT_EQ(line["level"], "warning");
  EXPECT_EQ(line["event"], "refresh.reuse_detected");
  EXPECT_EQ(line["request_id"], "r1");
  for (const char* f : {"client_id", "subject", "client_address", "detail"}) {
    EXPECT_TRUE(line.contains(f)) << f;
  }
}

TEST(CliAudit, RotateSecretIsRecordedWithoutTheSecret) {
  std::ostringstream out, err;
  ASSERT_EQ(cli::cmd_client_add(test_conninfo(),
                                {"--name", "AuditedCli", "--grant", "client_credentials", "--scope",
                                 "read:accounts"},
                                out, err),
            0)
      << err.str();
  const std::string id = nlohmann::json::parse(out.str())["client_id"];
  std::ostringstream out2, err2;
  ASSERT_EQ(cli::cmd_client_rotate_secret(test_conninfo(), {id}, out2, err2), 0) << err2.str();
  const std::string secret = nlohmann::json::parse(out2.str())["client_secret"];
  auto r = query(
      "SELECT detail->>'action', detail::text FROM audit_events WHERE event = 'client.changed' "
      "AND client_id = $1 ORDER BY id",
      id);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][0].as<std::string>(), "register");
  EXPECT_EQ(r[1][0].as<std::string>(), "rotate_secret");
  EXPECT_EQ(r[1][1].as<std::string>().find(secret), std::string::npos);
  EXPECT_EQ(err2.str().find(secret), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("\"event\":\"client.changed\""), std::string::npos) << err2.str();
}

TEST(DatabaseProbe, AnswersWithinItsBound) {
  DatabaseProbe up(test_conninfo(), 2s);
  EXPECT_EQ(up.check(), "");
  EXPECT_EQ(up.check(), "");
  DatabaseProbe down("host=/nonexistent-signet-socket-dir dbname=nothing", 2s);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(down.check(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
}

TEST(DatabaseProbe, StopsAtOnceWhenIdle) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    DatabaseProbe up(test_conninfo(), 2s);
    EXPECT_EQ(up.check(), "");
  }  // joins its thread
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
}

TEST(DatabaseProbe, LeavesAHungPingBehindAfterTwiceItsBound) {
  // A "server" whose kernel completes the TCP handshake and which never answers:
  // the ping hangs, and libpq cannot be interrupted.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) + " dbname=nothing";

  const auto t0 = std::chrono::steady_clock::now();
  {
    DatabaseProbe hung(conninfo, 300ms);
    EXPECT_EQ(hung.check(), "no answer within 300 ms");
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 850ms);  // the check's 300 ms, then twice that for the ping
  EXPECT_LT(took, 3s);     // but not for ever
  // The refused connection ends the abandoned ping; its thread then finishes on
  // the state it shares (ASan in CI would see a use after free).
  close(listener);
  std::this_thread::sleep_for(200ms);
}

}  // namespace
}  // namespace signet::store
