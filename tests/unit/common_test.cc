#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>

#include "common/base64url.h"
#include "common/crypto.h"
#include "common/form.h"
#include "common/log.h"
#include "common/worker_pool.h"

namespace signet {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
}

TEST(Base64Url, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsPaddingForeignAlphabetAndImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("Zg==").has_value());
  EXPECT_FALSE(base64url_decode("+/8").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());         // len % 4 == 1
  EXPECT_FALSE(base64url_decode("Zh").has_value());            // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9").has_value());  // non-ASCII
}

TEST(Base64, DecodesBasicCredentials) {
  auto d = base64_decode("YWxhZGRpbjpvcGVuc2VzYW1l");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, "aladdin:opensesame");
  EXPECT_FALSE(base64_decode("YWxhZGRpbjpvcGVuc2VzYW1").has_value());
}

TEST(Crypto, Sha256MatchesKnownDigest) {
  // RFC 7636 Appendix B: the S256 challenge of the example verifier.
  EXPECT_EQ(sha256_b64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Crypto, RandomTokensAre256BitsAndDistinct) {
  auto a = random_token();
  auto b = random_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
}

TEST(Crypto, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

// The time of a comparison must not depend on where the first differing byte
// is (RFC 6819 §5.1.4.2.2 timing attacks on secrets and digests). With 1 MiB
// inputs a short-circuiting compare (==, memcmp) that stops at byte 0 is about a
// thousand times faster than one that reads to the end; a constant-time compare
// reads every byte either way. The fastest of many runs is compared, so noise
// from the rest of the machine cannot create the gap, only hide it.
TEST(Crypto, ConstantTimeEqualTakesAsLongWhicheverByteDiffers) {
  const std::string base(1 << 20, 'a');
  std::string first = base;
  first.front() = 'b';
  std::string last = base;
  last.back() = 'b';
  auto fastest_ns = [&](const std::string& other) {
    int64_t best = INT64_MAX;
    for (int i = 0; i < 30; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const bool equal = constant_time_equal(base, other);
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      EXPECT_FALSE(equal);
      best = std::min<int64_t>(best, ns);
    }
    return best;
  };
  const int64_t at_first = fastest_ns(first);
  const int64_t at_last = fastest_ns(last);
  EXPECT_GT(at_first * 4, at_last)
      << "differs at byte 0: " << at_first << " ns, at the last byte: " << at_last << " ns";
}

TEST(Form, DecodesPercentAndPlus) {
  auto p = parse_form("a=1+2&b=%2Fx%3D&c=&d");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("a"), "1 2");
  EXPECT_EQ(p->at("b"), "/x=");
  EXPECT_EQ(p->at("c"), "");
  EXPECT_EQ(p->at("d"), "");
}

TEST(Form, RejectsDuplicatedParameter) {
  // RFC 6749 §3.1: parameters must not be included more than once.
  auto p = parse_form("scope=a&scope=b");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().fault, FormFault::kRepeated);
  EXPECT_EQ(p.error().name, "scope");
}

TEST(Form, NamesTheRepeatedParameter) {
  // So that a rule with its own error for a repeat (RFC 8707 §2: invalid_target
  // for a repeated resource) can apply it; the name is compared decoded.
  auto repeated = [](const char* body) -> std::optional<std::string> {
    auto p = parse_form(body);
    if (p || p.error().fault != FormFault::kRepeated) return std::nullopt;
    return p.error().name;
  };
  EXPECT_EQ(repeated("grant_type=x&resource=a&%72esource=b"), "resource");
  EXPECT_EQ(repeated("scope=a&resource=b&scope=c&resource=d"), "scope");
  EXPECT_EQ(repeated("scope=a&resource=b"), std::nullopt);
  EXPECT_EQ(repeated("a=%zz&resource=1&resource=2"), std::nullopt);  // malformed first
  EXPECT_EQ(parse_form("a=%zz").error().fault, FormFault::kMalformedEncoding);
  EXPECT_EQ(parse_form("=1").error().fault, FormFault::kEmptyName);
}

TEST(Form, RejectsMalformedEscapes) {
  EXPECT_FALSE(parse_form("a=%2").ok());
  EXPECT_FALSE(parse_form("a=%zz").ok());
  EXPECT_FALSE(parse_form("a=%").ok());
}

TEST(Form, RejectsValuesThatAreNotUtf8OrHoldNul) {
  // Such a value would otherwise reach PostgreSQL (an encoding error) or libpq,
  // which cuts a parameter at its first NUL.
  for (const char* bad : {"a=%FF", "a=%C3%28", "a=%00", "a=x%00y", "%FF=1", "a=%C0%AF",
                          "a=%ED%A0%80", "a=%F4%90%80%80", "a=%E2%82"}) {
    EXPECT_FALSE(parse_form(bad).ok()) << bad;
  }
  EXPECT_FALSE(percent_decode(std::string("a\xff", 2)).has_value());
  auto ok = parse_form("a=%C3%A9t%C3%A9&b=%E2%82%AC&c=%F0%9F%94%91");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("a"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(ok->at("c"), "\xf0\x9f\x94\x91");
}

TEST(Form, EncodesReservedCharacters) {
  EXPECT_EQ(url_encode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(append_query("https://x/cb?k=1", {{"code", "a+b"}}), "https://x/cb?k=1&code=a%2Bb");
  EXPECT_EQ(append_query("https://x/cb", {{"state", "s"}}), "https://x/cb?state=s");
}

TEST(Log, TimeIsRfc3339Utc) {
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc(1764416096789), "2025-11-29T11:34:56.789Z");
}

TEST(Log, LinesCarryTimeAndTheRequestIdOfTheirThread) {
  ::testing::internal::CaptureStderr();
  log_json_line({{"event", "outside"}});
  {
    const std::string id = "req-42";
    RequestLogScope scope(id);
    EXPECT_EQ(current_request_id(), "req-42");
    log_json_line({{"event", "inside"}});
    log_json_line({{"event", "own"}, {"request_id", "other"}});
  }
  EXPECT_EQ(current_request_id(), "");
  const std::string out = ::testing::internal::GetCapturedStderr();
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_FALSE(lines[0].contains("request_id"));
  EXPECT_EQ(lines[1]["request_id"], "req-42");
  EXPECT_EQ(lines[2]["request_id"], "other");
  for (const auto& l : lines) EXPECT_EQ(l["time"].get<std::string>().size(), 24u) << l.dump();
}

TEST(Log, InvalidUtf8NeverThrows) {
  ::testing::internal::CaptureStderr();
  log_json_line({{"detail", std::string("bad \xff byte")}});
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("bad"), std::string::npos);
}

}  // namespace
TEST(WorkerPool, DropQueuedForgetsOnlyTheJobsNotStarted) {
  WorkerPool pool(1, 16);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  std::atomic<bool> started{false};
  ASSERT_TRUE(pool.submit([&] {
    started = true;
    released.wait();
    ++ran;
  }));
  while (!started) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_EQ(pool.drop_queued(), 3u);
  release.set_value();
  pool.shutdown();
  EXPECT_EQ(ran, 1) << "the running job finishes; the dropped ones never run";
}

}  // namespace signet
