// The provider's check of its own access tokens: jose's rules with its key ring,
// its issuer and its clocks, and the revocation list.
#include "protocol/own_access_token.h"

#include <gtest/gtest.h>

#include <string>

#include "jose/jws.h"
#include "memory_lifecycle_store.h"

namespace signet::protocol {
namespace {

using jose::AccessTokenProblem;
using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://signet.example";
constexpr const char* kAudience = "https://bank.example/api";

jose::PrivateKey generate() { return jose::PrivateKey::generate(jose::Alg::ES256).value(); }

class OwnAccessTokenTest : public ::testing::Test {
 protected:
  OwnAccessTokenTest() {
    ring_.add(active_, jose::KeyState::kActive);
    ring_.add(retired_, jose::KeyState::kRetired);
  }

  static json claims() {
    return {
        {"iss", kIssuer},    {"sub", "alice"}, {"aud", kAudience},  {"client_id", "finance-app"},
        {"scope", "openid"}, {"iat", kNow},    {"exp", kNow + 600}, {"jti", "jti-1"}};
  }
  template <class F>
  std::string sign_with(F&& edit, const json& header = {{"typ", "at+jwt"}}) const {
    json c = claims();
    edit(c);
    return jose::sign_compact(active_, header, c);
  }
  std::string token() const {
    return sign_with([](json&) {});
  }

  Result<jose::AccessTokenClaims, jose::AccessTokenRejection> verify(
      const std::string& t, std::optional<std::string_view> audience = std::nullopt,
      int64_t now = kNow) const {
    return verify_own_access_token(t, ring_, kIssuer, audience, now);
  }
  std::optional<AccessTokenProblem> problem(const std::string& t,
                                            std::optional<std::string_view> audience = std::nullopt,
                                            int64_t now = kNow) const {
    auto r = verify(t, audience, now);
    if (r) return std::nullopt;
    return r.error().problem;
  }

  jose::PrivateKey active_ = generate();
  jose::PrivateKey retired_ = generate();
  jose::KeyRing ring_;
};

TEST_F(OwnAccessTokenTest, TokenOfAnyKeyOfTheRingIsAccepted) {
  auto r = verify(token());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->client_id, "finance-app");
  EXPECT_EQ(r->jti, "jti-1");
  // A retired key's tokens live out their lifetime.
  EXPECT_TRUE(verify(jose::sign_compact(retired_, {{"typ", "at+jwt"}}, claims())).ok());
  EXPECT_EQ(problem(jose::sign_compact(generate(), {{"typ", "at+jwt"}}, claims())),
            AccessTokenProblem::kUnknownKey);
}

TEST_F(OwnAccessTokenTest, AnotherIssuersTokenIsRefused) {
  EXPECT_EQ(problem(sign_with([](json& c) { c["iss"] = "https://other.example"; })),
            AccessTokenProblem::kWrongIssuer);
}

// Introspection answers for every audience; /userinfo only for its own.
TEST_F(OwnAccessTokenTest, AudienceCheckedOnlyWhereOneIsExpected) {
  const std::string for_ledger = sign_with([](json& c) { c["aud"] = "https://ledger.example"; });
  EXPECT_EQ(problem(for_ledger), std::nullopt);
  EXPECT_EQ(problem(for_ledger, kAudience), AccessTokenProblem::kWrongAudience);
  EXPECT_EQ(problem(token(), kAudience), std::nullopt);
}

// RFC 9068 §2.1: application/at+jwt and any case are the same type. Introspection
// and revocation took only "at+jwt" before the check was shared.
TEST_F(OwnAccessTokenTest, EitherSpellingOfTheTypeIsAccepted) {
  for (const char* typ : {"at+jwt", "application/at+jwt", "AT+JWT"}) {
    EXPECT_EQ(problem(sign_with([](json&) {}, {{"typ", typ}})), std::nullopt) << typ;
  }
  EXPECT_EQ(problem(sign_with([](json&) {}, {{"typ", "JWT"}})), AccessTokenProblem::kWrongType);
}

// The issuer ends its tokens at the second it wrote: no leeway on exp.
TEST_F(OwnAccessTokenTest, ExpiresAtExpExactly) {
  EXPECT_EQ(problem(token(), std::nullopt, kNow + 599), std::nullopt);
  EXPECT_EQ(problem(token(), std::nullopt, kNow + 600), AccessTokenProblem::kExpired);
}

// Another replica's clock may run a little ahead of this one's.
TEST_F(OwnAccessTokenTest, IssuedSlightlyAheadByAnotherReplicaIsAccepted) {
  const std::string ahead = sign_with([](json& c) { c["iat"] = kNow + kOwnClockSkewSeconds; });
  EXPECT_EQ(problem(ahead), std::nullopt);
  const std::string future = sign_with([](json& c) { c["iat"] = kNow + kOwnClockSkewSeconds + 1; });
  EXPECT_EQ(problem(future), AccessTokenProblem::kNotYetValid);
}

TEST_F(OwnAccessTokenTest, RequiresJtiClientIdAndSub) {
  for (const char* name : {"jti", "client_id", "sub"}) {
    EXPECT_EQ(problem(sign_with([&](json& c) { c.erase(name); })),
              AccessTokenProblem::kMissingClaim)
        << name;
  }
}

TEST_F(OwnAccessTokenTest, RevokedByItsJti) {
  testing::MemoryLifecycleStore store;
  auto at = verify(token());
  ASSERT_TRUE(at.ok());
  auto before = is_revoked(*at, store);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  ASSERT_TRUE(store.revoke_access_token("jti-1", kNow + 600, kNow, "revocation").ok());
  auto after = is_revoked(*at, store);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
}

}  // namespace
}  // namespace signet::protocol
