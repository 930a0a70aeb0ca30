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
  EXPECT_EQ(o.error, "login_required");
  o = decide(p, kSession, true, kNow);
  EXPECT_EQ(o.decision, PromptDecision::kError);
  EXPECT_EQ(o.error, "consent_required");
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
  auto zero = parsed({{"max_age", "0"}, {kLoginAfterParam, std::to_string(kNow - 1)}});
  EXPECT_EQ(decide(zero, {true, kNow - 1}, false, kNow).decision, PromptDecision::kIssue);
  zero.login_after.reset();
  EXPECT_EQ(decide(zero, {true, kNow - 1}, false, kNow).decision, PromptDecision::kLogin);
  auto none = parsed({{"prompt", "none"}, {"max_age", "60"}});
  auto o = decide(none, {true, kNow - 61}, false, kNow);
  EXPECT_EQ(o.error, "login_required");
}

}  // namespace
}  // namespace signet::protocol
