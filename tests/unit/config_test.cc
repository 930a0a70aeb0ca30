#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <string>

#include "common/cpus.h"
#include "config/config.h"

namespace signet::config {
namespace {

Result<Config> load(std::map<std::string, std::string> env) {
  return load_config([env = std::move(env)](const char* name) -> const char* {
    static thread_local std::string value;
    auto it = env.find(name);
    if (it == env.end()) return nullptr;
    value = it->second;
    return value.c_str();
  });
}

const std::string kDb = "host=/tmp dbname=signet";

// Each value of `name` is refused with one line that starts with the name.
void expect_refused_by_name(const std::string& name, std::initializer_list<const char*> bad) {
  for (const char* value : bad) {
    auto r = load({{"SIGNET_DATABASE_URL", kDb}, {name, value}});
    ASSERT_FALSE(r.ok()) << name << "=" << value;
    EXPECT_EQ(r.error().message.rfind(name + ": ", 0), 0u) << r.error().message;
  }
}

TEST(Config, DefaultsNeedOnlyADatabase) {
  auto c = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->issuer, "http://127.0.0.1:8080");
  EXPECT_EQ(c->access_token_ttl, 600);
  EXPECT_EQ(c->code_ttl, 60);
  // RFC 8707 §2: the default audience is the demo bank-api's URL, an absolute
  // URI that a client can name as `resource` (sql/0011 registers it).
  EXPECT_EQ(c->audience, "http://127.0.0.1:8081");
}

TEST(Config, MetricsListenerIsOffUnlessAnAddressIsGiven) {
  auto off = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(off->metrics_port, 0);
  auto on = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_METRICS_LISTEN", "0.0.0.0:9464"}});
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(on->metrics_host, "0.0.0.0");
  EXPECT_EQ(on->metrics_port, 9464);
  expect_refused_by_name("SIGNET_METRICS_LISTEN",
                         {"9464", ":9464", "host:", "host:0", "host:65536"});
}

TEST(Config, MissingDatabaseIsNamed) {
  auto c = load({});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("SIGNET_DATABASE_URL"), std::string::npos);
}

TEST(Config, PlainHttpIssuerOnlyOnLoopback) {
  auto c = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "http://bank.example"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("SIGNET_ISSUER"), std::string::npos);
  EXPECT_TRUE(load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "https://bank.example"}}).ok());
  EXPECT_TRUE(load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "http://localhost:9"}}).ok());
  // A host that merely starts with a loopback address is not loopback.
  EXPECT_FALSE(
      load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "http://127.0.0.1.evil.com"}}).ok());
}

TEST(Config, IssuerWithUserinfoOrQueryIsRefused) {
  EXPECT_FALSE(
      load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "http://127.0.0.1@evil.com"}}).ok());
  EXPECT_FALSE(
      load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ISSUER", "https://bank.example?x=1"}}).ok());
}

TEST(Config, CodeLifetimeCannotExceedSixtySeconds) {
  auto c = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_CODE_TTL", "600"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("SIGNET_CODE_TTL"), std::string::npos);
}

TEST(Config, NonNumericLifetimeIsNamed) {
  auto c = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_ACCESS_TOKEN_TTL", "10m"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("SIGNET_ACCESS_TOKEN_TTL"), std::string::npos);
}

TEST(Config, ShutdownGraceDefaultsTo20SecondsAndABadValueIsNamed) {
  auto c = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->shutdown_grace_seconds, 20);
  auto set = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_SHUTDOWN_GRACE_SECONDS", "0"}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->shutdown_grace_seconds, 0);
  expect_refused_by_name("SIGNET_SHUTDOWN_GRACE_SECONDS", {"20s", "-1", "3601", ""});
}

TEST(Config, IntrospectionCacheSizeIsASettingWithANamedError) {
  auto d = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->introspection_cache_entries, 100000);
  auto off = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_INTROSPECTION_CACHE_ENTRIES", "0"}});
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_EQ(off->introspection_cache_entries, 0);
  expect_refused_by_name("SIGNET_INTROSPECTION_CACHE_ENTRIES", {"lots", "-1", "10000001"});
}

TEST(Config, HttpThreadsDefaultToOnePerUsableCpuAndABadValueIsNamed) {
  auto d = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->http_threads, 0);  // resolved by serve() with usable_cpus()
  auto three = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_HTTP_THREADS", "3"}});
  ASSERT_TRUE(three.ok()) << three.error().message;
  EXPECT_EQ(three->http_threads, 3);
  expect_refused_by_name("SIGNET_HTTP_THREADS", {"many", "-1", "65"});
}

// The count follows the affinity mask (taskset, a cpuset), not the machine.
TEST(UsableCpus, FollowTheAffinityMask) {
  cpu_set_t saved;
  CPU_ZERO(&saved);
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  const int all = CPU_COUNT(&saved);
  EXPECT_EQ(usable_cpus(), std::min(all, 64));
  EXPECT_EQ(usable_cpus(1), 1);
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const int pinned = usable_cpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(pinned, 1);
}

TEST(Config, SlowClientTimeoutsAreSettingsWithNamedErrors) {
  auto d = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->header_timeout_seconds, 10);
  EXPECT_EQ(d->body_timeout_seconds, 20);
  auto c = load({{"SIGNET_DATABASE_URL", kDb},
                 {"SIGNET_HEADER_TIMEOUT_SECONDS", "2"},
                 {"SIGNET_BODY_TIMEOUT_SECONDS", "3"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->header_timeout_seconds, 2);
  EXPECT_EQ(c->body_timeout_seconds, 3);
  for (const char* name : {"SIGNET_HEADER_TIMEOUT_SECONDS", "SIGNET_BODY_TIMEOUT_SECONDS"}) {
    for (const char* value : {"0", "-1", "10s", "100000"}) {
      auto bad = load({{"SIGNET_DATABASE_URL", kDb}, {name, value}});
      ASSERT_FALSE(bad.ok()) << name << "=" << value;
      EXPECT_NE(bad.error().message.find(name), std::string::npos) << bad.error().message;
    }
  }
}

TEST(Config, KeyPublishDelayIsASettingWithANamedError) {
  auto d = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->key_publish_delay, 300);
  auto c = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_KEY_PUBLISH_DELAY", "0"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->key_publish_delay, 0);
  expect_refused_by_name("SIGNET_KEY_PUBLISH_DELAY", {"-1", "86401", "5m", ""});
}

TEST(Config, MasterKeyMustBe32HexBytes) {
  auto bad = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_MASTER_KEY", "abcd"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("SIGNET_MASTER_KEY"), std::string::npos);
  auto good = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_MASTER_KEY", std::string(64, 'a')}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->master_key, std::string(32, '\xaa'));
  EXPECT_TRUE(require_serving_settings(*good).ok());
  auto none = load({{"SIGNET_DATABASE_URL", kDb}});
  EXPECT_FALSE(require_serving_settings(*none).ok());
}

TEST(Config, FileSettingsAreOverriddenByEnvironmentAndUnknownKeysNamed) {
  char path[] = "/tmp/signet-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string body = R"({"issuer": "https://file.example", "access_token_ttl": 300})";
  ASSERT_EQ(write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  close(fd);
  auto c = load(
      {{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_CONFIG", path}, {"SIGNET_ACCESS_TOKEN_TTL", "120"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->issuer, "https://file.example");
  EXPECT_EQ(c->access_token_ttl, 120);

  FILE* f = fopen(path, "w");
  fputs(R"({"isuer": "https://typo.example"})", f);
  fclose(f);
  auto typo = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_CONFIG", path}});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("isuer"), std::string::npos);
  unlink(path);
}

TEST(Config, TrustedProxiesAreAListOfRangesWithANamedError) {
  auto none = load({{"SIGNET_DATABASE_URL", kDb}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->trusted_proxies.empty());  // by default X-Forwarded-For is ignored

  auto c = load(
      {{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 fd00::/8"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->trusted_proxies.contains("10.1.2.3"));
  EXPECT_TRUE(c->trusted_proxies.contains("192.0.2.7"));
  EXPECT_TRUE(c->trusted_proxies.contains("fd00::1"));
  EXPECT_FALSE(c->trusted_proxies.contains("192.0.2.8"));

  expect_refused_by_name("SIGNET_TRUSTED_PROXIES", {"10.0.0.0/33", "10.0.0.1/8", "example.com",
                                                    "10.0.0.0/", "::1/129", "1.2.3"});
  auto named =
      load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"}});
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().message.find("\"proxy.local\""), std::string::npos)
      << named.error().message;
}

TEST(Config, TrustedProxiesMayBeAJsonListInTheFile) {
  char path[] = "/tmp/signet-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string body = R"({"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]})";
  ASSERT_EQ(write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  close(fd);
  auto c = load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_CONFIG", path}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->trusted_proxies.contains("127.0.0.1"));
  EXPECT_TRUE(c->trusted_proxies.contains("10.9.9.9"));

  // Only a list setting takes a list.
  FILE* f = fopen(path, "w");
  fputs(R"({"issuer": ["https://a.example"]})", f);
  fclose(f);
  EXPECT_FALSE(load({{"SIGNET_DATABASE_URL", kDb}, {"SIGNET_CONFIG", path}}).ok());
  unlink(path);
}

}  // namespace
}  // namespace signet::config
