// When PostgreSQL goes away, Signet answers 503 temporarily_unavailable (not a
// crash, not a hang, not a 500 with internals), and serves again once it is back,
// without a restart. Uses a private cluster of its own so that stopping it
// disturbs no other test.
#include <chrono>

#include "harness.h"

namespace signet::it {
namespace {

class PostgresOutageTest : public IntegrationTest {};

TEST_F(PostgresOutageTest, PostgresDownGives503ThenRecovers) {
  std::string cluster_error;
  auto cluster = start_private_cluster(cluster_error);
  ASSERT_TRUE(cluster) << cluster_error;
  {
    Database admin_check(cluster->conninfo("postgres"), "signet_outage");
    std::string conninfo = admin_check.conninfo();
    Env env{{"SIGNET_DATABASE_URL", conninfo}};
    auto m = w().cli({"migrate"}, "", env);
    ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
    Client machine = w().add_client(w().unique("Reporter"), {}, "read:accounts", false,
                                    {"client_credentials"}, env);
    ASSERT_FALSE(machine.client_id.empty());

    std::string why;
    Server s = w().start_signet({}, &why, conninfo);
    ASSERT_TRUE(s.process) << why;
    auto token = [&] {
      HttpClient http;
      http.timeout_ms = 15000;
      return http.post_form(
          s.base_url + "/token", {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}},
          {{"Authorization", basic_auth(machine.client_id, machine.client_secret)}});
    };
    HttpResponse before = token();
    ASSERT_EQ(before.status, 200) << before.body << "\n" << s.process->log_tail();

    ASSERT_TRUE(cluster->stop()) << cluster->log_tail();
    auto started = std::chrono::steady_clock::now();
    HttpResponse down = token();
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(down.status, 503) << down.body << "\n" << s.process->log_tail();
    if (down.status == 503) {
      EXPECT_EQ(down.json().value("error", ""), "temporarily_unavailable") << down.body;
      EXPECT_EQ(down.body.find("connect"), std::string::npos)
          << "internal detail leaked: " << down.body;
    }
    EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 10)
        << "a request must not hang while the database is down";
    EXPECT_TRUE(s.process->alive()) << s.process->log_tail();
    // Pages that need the database say so too, without a redirect.
    HttpClient browser;
    HttpResponse page =
        browser.get(s.base_url + "/authorize?response_type=code&client_id=" + machine.client_id +
                    "&redirect_uri=https%3A%2F%2Fx.example%2Fcb");
    EXPECT_TRUE(page.status == 503 || page.status == 500) << page.status;
    EXPECT_FALSE(page.has_header("location"));

    ASSERT_TRUE(cluster->start()) << cluster->log_tail();
    HttpResponse after;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
      after = token();
      if (after.status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(after.status, 200) << "no recovery after PostgreSQL came back: " << after.body << "\n"
                                 << s.process->log_tail();
    // Several requests in a row: every pooled connection was replaced, not just one.
    for (int i = 0; i < 10; ++i) {
      HttpResponse again = token();
      EXPECT_EQ(again.status, 200) << i << ": " << again.body;
    }
    std::erase(w().processes, s.process.get());
    s.process->stop();
  }
}

}  // namespace
}  // namespace signet::it
