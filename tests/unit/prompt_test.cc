// prompt, max_age and login_hint (provider/protocol/prompt.h): parsing and the
// decision between login page, consent page, code, or error.
#include <gtest/gtest.h>

#include "protocol/prompt.h"

namespace signet::protocol {
namespace {

constexpr int64_t kNow = 1'700'000'000;

PromptParams parsed(const Params& q) {
  auto p = parse_prompt_params(q);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : PromptParams{};
}

const SessionFacts kNoSession{};
const SessionFacts kSession{true, kNow - 100};

TEST(PromptParse, KnownValuesAndMaxAgeAndHint) {
  auto p = parsed({{"prompt", "login consent"}, {"max_age", "300"}, {"login_hint", "alice"}});
  EXPECT_TRUE(p.login);
  EXPECT_TRUE(p.consent);
  EXPECT_FALSE(p.none);
  EXPECT_EQ(p.max_age, 300);
  EXPECT_EQ(p.login_hint, "alice");
}

TEST(PromptParse, RefusesNoneWithOthersUnknownValuesAndBadMaxAge) {
  for (const Params& q :
       {Params{{"prompt", "none login"}}, Params{{"prompt", "select_account"}},
        Params{{"max_age", "-1"}}, Params{{"max_age", "abc"}}, Params{{"max_age", ""}}}) {
    auto p = parse_prompt_params(q);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, "invalid_request");
    EXPECT_TRUE(p.error().redirectable);
  }
}

TEST(PromptDecide, WithoutPromptTheExistingRulesHold) {
  EXPECT_EQ(decide({}, kNoSession, true, kNow).decision, PromptDecision::kLogin);
  EXPECT_EQ(decide({}, kSession, true, kNow).decision, PromptDecision::kConsent);
  EXPECT_EQ(decide({}, kSession, false, kNow).decision, PromptDecision::kIssue);
}

TEST(PromptDecide, NoneNeverShowsAPage) {
  auto p = parsed({{"prompt", "none"}});
  auto o = decide(p, kNoSession, true, kNow);
  EXPECT_EQ(o.decision, PromptDecision::kError);
  EXPECT_EQ(o.error.code, "login_required");
  o = decide(p, kSession, true, kNow);
  EXPECT_EQ(o.decision, PromptDecision::kError);
  EXPECT_EQ(o.error.code, "consent_required");
  EXPECT_EQ(decide(p, kSession, false, kNow).decision, PromptDecision::kIssue);
}

TEST(PromptDecide, LoginForcesReauthenticationUntilAFreshLogin) {
  auto p = parsed({{"prompt", "login"}});
  EXPECT_EQ(decide(p, kSession, false, kNow).decision, PromptDecision::kLogin);
  // Back from Signet's login page: a login at or after the mark satisfies it.
  p.login_after = kNow - 10;
  EXPECT_EQ(decide(p, {true, kNow - 5}, false, kNow).decision, PromptDecision::kIssue);
  EXPECT_EQ(decide(p, {true, kNow - 50}, false, kNow).decision, PromptDecision::kLogin);
}

TEST(PromptDecide, ConsentAlwaysShowsTheConsentPage) {
  auto p = parsed({{"prompt", "consent"}});
  EXPECT_EQ(decide(p, kSession, false, kNow).decision, PromptDecision::kConsent);
  EXPECT_EQ(decide(p, kNoSession, false, kNow).decision, PromptDecision::kLogin);
}

TEST(PromptDecide, MaxAgeAsksForLoginWhenTheSessionIsOlder) {
  auto p = parsed({{"max_age", "60"}});
  EXPECT_EQ(decide(p, {true, kNow - 61}, false, kNow).decision, PromptDecision::kLogin);
  EXPECT_EQ(decide(p, {true, kNow - 60}, false, kNow).decision, PromptDecision::kIssue);
  auto zero = parsed({{"max_age", "0"}});
  zero.login_after = kNow - 1;
  EXPECT_EQ(decide(zero, {true, kNow - 1}, false, kNow).decision, PromptDecision::kIssue);
  zero.login_after.reset();
  EXPECT_EQ(decide(zero, {true, kNow - 1}, false, kNow).decision, PromptDecision::kLogin);
  auto none = parsed({{"prompt", "none"}, {"max_age", "60"}});
  auto o = decide(none, {true, kNow - 61}, false, kNow);
  EXPECT_EQ(o.error.code, "login_required");
}

// Signet's own parameters are never read from the request: a login time in the
// query counts only with a mark that verifies for this session and client.
TEST(LoginMark, ATimeFromTheQueryAloneCountsForNothing) {
  auto p = parsed({{"prompt", "login"}, {"signet_login_after", "0"}, {kLoginTimeParam, "0"}});
  EXPECT_FALSE(p.login_after.has_value());
  EXPECT_EQ(decide(p, kSession, false, kNow).decision, PromptDecision::kLogin);
}

TEST(LoginMark, VerifiesOnlyForItsSessionClientAndTime) {
  const std::string key(32, 'k');
  const int64_t t = kNow - 5;
  const std::string mark = login_mark(key, "digest-a", t, "client-1");
  const Params q{{kLoginTimeParam, std::to_string(t)}, {kLoginMarkParam, mark}};
  EXPECT_EQ(verified_login_time(q, key, "digest-a", "client-1", kNow), t);
  EXPECT_FALSE(verified_login_time(q, key, "digest-b", "client-1", kNow)) << "another session";
  EXPECT_FALSE(verified_login_time(q, key, "digest-a", "client-2", kNow)) << "another client";
  EXPECT_FALSE(verified_login_time(q, std::string(32, 'x'), "digest-a", "client-1", kNow));
  const Params earlier{{kLoginTimeParam, "0"}, {kLoginMarkParam, mark}};
  EXPECT_FALSE(verified_login_time(earlier, key, "digest-a", "client-1", kNow)) << "other time";
  EXPECT_FALSE(verified_login_time({{kLoginTimeParam, std::to_string(t)}}, key, "digest-a",
                                   "client-1", kNow))
      << "no mark";
  EXPECT_FALSE(verified_login_time(q, key, "digest-a", "client-1", t + kLoginMarkLifetime + 1))
      << "a mark is followed at once; an old one is void";
}

TEST(LoginMark, InternalParametersAreRecognised) {
  EXPECT_TRUE(is_internal_param(kLoginTimeParam));
  EXPECT_TRUE(is_internal_param(kLoginMarkParam));
  EXPECT_TRUE(is_internal_param("signet_anything"));
  EXPECT_FALSE(is_internal_param("prompt"));
}

}  // namespace
}  // namespace signet::protocol
