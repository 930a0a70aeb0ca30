// jose::verify_access_token: one test per AccessTokenProblem, each on a token that
// is valid but for the one rule it breaks, so that removing that rule's check makes
// the test fail.
#include "jose/access_token.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "jose/jws.h"
#include "jose/key.h"

namespace signet::jose {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://signet.example";

const PrivateKey& key() {
  static const PrivateKey k = PrivateKey::generate(Alg::ES256).value();
  return k;
}
const PrivateKey& other_key() {
  static const PrivateKey k = PrivateKey::generate(Alg::ES256).value();
  return k;
}
const PrivateKey& rsa_key() {
  static const PrivateKey k = PrivateKey::generate(Alg::RS256).value();
  return k;
}

json claims() {
  return {{"iss", kIssuer},
          {"sub", "alice"},
          {"aud", "bank-api"},
          {"client_id", "finance-app"},
          {"scope", "openid read:accounts"},
          {"iat", kNow},
          {"exp", kNow + 600},
          {"jti", "jti-1"}};
}

class AccessTokenTest : public ::testing::Test {
 protected:
  AccessTokenTest() {
    rules_.issuer = kIssuer;
    rules_.audience = "bank-api";
    rules_.now = kNow;
  }

  static std::string sign(const json& c, const json& header = {{"typ", "at+jwt"}},
                          const PrivateKey& k = key()) {
    return sign_compact(k, header, c);
  }
  template <class F>
  static std::string sign_with(F&& edit) {
    json c = claims();
    edit(c);
    return sign(c);
  }

  Result<AccessTokenClaims, AccessTokenRejection> verify(const std::string& token) const {
    return verify_access_token(token, lookup_, rules_);
  }
  // The problem a token is refused for; none when it is accepted.
  std::string problem(const std::string& token) const {
    auto r = verify(token);
    return r ? "accepted" : std::string(problem_name(r.error().problem));
  }
  std::string claim_at_fault(const std::string& token) const {
    auto r = verify(token);
    return r ? "" : r.error().claim;
  }

  PublicKey public_key_ = PublicKey::from_private(key());
  KeyLookup lookup_ = [this](std::string_view kid) -> const PublicKey* {
    return kid == public_key_.kid() ? &public_key_ : nullptr;
  };
  AccessTokenRules rules_;
};

TEST_F(AccessTokenTest, ValidTokenGivesItsClaims) {
  auto r = verify(sign(claims()));
  ASSERT_TRUE(r.ok()) << problem_name(r.error().problem);
  EXPECT_EQ(r->issuer, kIssuer);
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->client_id, "finance-app");
  EXPECT_EQ(r->jti, "jti-1");
  EXPECT_EQ(r->audiences, std::vector<std::string>{"bank-api"});
  EXPECT_EQ(r->scopes, (std::vector<std::string>{"openid", "read:accounts"}));
  EXPECT_EQ(r->issued_at, kNow);
  EXPECT_EQ(r->expires_at, kNow + 600);
  EXPECT_EQ(r->kid, key().kid());
  EXPECT_EQ(r->claims, claims());
}

TEST_F(AccessTokenTest, EveryProblemHasItsOwnName) {
  std::set<std::string_view> names;
  for (auto p : {AccessTokenProblem::kMalformed, AccessTokenProblem::kUnknownKey,
                 AccessTokenProblem::kBadSignature, AccessTokenProblem::kWrongType,
                 AccessTokenProblem::kWrongIssuer, AccessTokenProblem::kWrongAudience,
                 AccessTokenProblem::kExpired, AccessTokenProblem::kNotYetValid,
                 AccessTokenProblem::kMissingClaim, AccessTokenProblem::kInvalidClaim}) {
    names.insert(problem_name(p));
  }
  EXPECT_EQ(names.size(), 10u);
}

TEST_F(AccessTokenTest, MalformedTokenRefused) {
  for (const std::string& t : {std::string(), std::string("not-a-token"), std::string("a.b"),
                               std::string("a.b.c"), sign(claims()) + ".x"}) {
    EXPECT_EQ(problem(t), "malformed") << t;
  }
  rules_.max_token_bytes = 64;
  EXPECT_EQ(problem(sign(claims())), "malformed");
}

TEST_F(AccessTokenTest, KeyOutsideTheSetIsUnknown) {
  EXPECT_EQ(problem(sign(claims(), {{"typ", "at+jwt"}}, other_key())), "unknown_key");
}

// The signature, checked under the algorithm the key is pinned to, never the
// header's: another key's signature, or an RS256 token under an ES256 key, fails.
TEST_F(AccessTokenTest, SignatureOfAnotherKeyUnderOurKidIsBad) {
  lookup_ = [this](std::string_view) { return &public_key_; };
  EXPECT_EQ(problem(sign(claims(), {{"typ", "at+jwt"}}, other_key())), "bad_signature");
  EXPECT_EQ(problem(sign(claims(), {{"typ", "at+jwt"}}, rsa_key())), "bad_signature");
  EXPECT_EQ(problem(sign(claims())), "accepted");
}

// RFC 9068 §2.1, §4: typ at+jwt or application/at+jwt, case-insensitive (RFC 7515
// §4.1.9); an ID token (typ JWT) or an untyped JWT is not an access token.
TEST_F(AccessTokenTest, TypMustBeAtJwt) {
  for (const json& typ : {json("JWT"), json("jwt"), json("at+jwt2"), json(""), json(1)}) {
    EXPECT_EQ(problem(sign(claims(), {{"typ", typ}})), "wrong_type") << typ;
  }
  EXPECT_EQ(problem(sign(claims(), json::object())), "wrong_type");
  for (const char* typ : {"at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"}) {
    EXPECT_EQ(problem(sign(claims(), {{"typ", typ}})), "accepted") << typ;
  }
}

TEST_F(AccessTokenTest, IssuerMustMatchExactly) {
  EXPECT_EQ(problem(sign_with([](json& c) { c["iss"] = std::string(kIssuer) + "/"; })),
            "wrong_issuer");
  EXPECT_EQ(problem(sign_with([](json& c) { c["iss"] = "https://evil.example"; })), "wrong_issuer");
}

TEST_F(AccessTokenTest, ExpectedAudienceMustBeInAud) {
  EXPECT_EQ(problem(sign_with([](json& c) { c["aud"] = "other-api"; })), "wrong_audience");
  EXPECT_EQ(problem(sign_with([](json& c) {
              c["aud"] = json::array({"a", "b"});
            })),
            "wrong_audience");
  EXPECT_EQ(problem(sign_with([](json& c) { c["aud"] = json::array({1, 2}); })), "wrong_audience");
  EXPECT_EQ(problem(sign_with([](json& c) {
              c["aud"] = json::array({"other", "bank-api"});
            })),
            "accepted");
}

// Without an expected audience (the issuer reading its own tokens) any audience
// passes, but aud is still required (RFC 9068 §2.2).
TEST_F(AccessTokenTest, WithoutExpectedAudienceAnyAudButNoneIsRefused) {
  rules_.audience = std::nullopt;
  EXPECT_EQ(problem(sign_with([](json& c) { c["aud"] = "other-api"; })), "accepted");
  EXPECT_EQ(problem(sign_with([](json& c) { c.erase("aud"); })), "missing_claim");
  EXPECT_EQ(problem(sign_with([](json& c) { c["aud"] = json::array(); })), "missing_claim");
}

TEST_F(AccessTokenTest, ExpiredAtExpUnlessWithinLeeway) {
  EXPECT_EQ(problem(sign_with([](json& c) { c["exp"] = kNow; })), "expired");
  EXPECT_EQ(problem(sign_with([](json& c) { c["exp"] = kNow + 1; })), "accepted");
  rules_.expiry_leeway_seconds = 30;
  EXPECT_EQ(problem(sign_with([](json& c) { c["exp"] = kNow - 10; })), "accepted");
  EXPECT_EQ(problem(sign_with([](json& c) { c["exp"] = kNow - 30; })), "expired");
}

TEST_F(AccessTokenTest, NbfOrIatInTheFutureIsNotYetValid) {
  EXPECT_EQ(problem(sign_with([](json& c) { c["nbf"] = kNow + 1; })), "not_yet_valid");
  EXPECT_EQ(problem(sign_with([](json& c) { c["iat"] = kNow + 1; })), "not_yet_valid");
  EXPECT_EQ(problem(sign_with([](json& c) { c["nbf"] = kNow; })), "accepted");
  rules_.not_before_leeway_seconds = 30;
  EXPECT_EQ(problem(sign_with([](json& c) { c["nbf"] = kNow + 30; })), "accepted");
  EXPECT_EQ(problem(sign_with([](json& c) { c["iat"] = kNow + 30; })), "accepted");
  EXPECT_EQ(problem(sign_with([](json& c) { c["nbf"] = kNow + 31; })), "not_yet_valid");
  EXPECT_EQ(problem(sign_with([](json& c) { c["iat"] = kNow + 31; })), "not_yet_valid");
}

// RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat and jti are required.
TEST_F(AccessTokenTest, EveryRequiredClaimIsRequired) {
  for (const char* name : {"iss", "aud", "exp", "iat", "sub", "client_id", "jti"}) {
    std::string t = sign_with([&](json& c) { c.erase(name); });
    EXPECT_EQ(problem(t), "missing_claim") << name;
    EXPECT_EQ(claim_at_fault(t), name);
  }
  for (const char* name : {"sub", "client_id", "jti"}) {
    EXPECT_EQ(problem(sign_with([&](json& c) { c[name] = ""; })), "missing_claim") << name;
  }
}

TEST_F(AccessTokenTest, ClaimOfTheWrongTypeIsInvalid) {
  const std::vector<std::pair<const char*, json>> bad{{"iss", 1},
                                                      {"aud", 5},
                                                      {"exp", "9999999999"},
                                                      {"exp", nullptr},
                                                      {"nbf", "soon"},
                                                      {"iat", true},
                                                      {"sub", 42},
                                                      {"client_id", json::array()},
                                                      {"jti", 7},
                                                      {"scope", json::array({"a"})}};
  for (const auto& [name, value] : bad) {
    std::string t = sign_with([&](json& c) { c[name] = value; });
    EXPECT_EQ(problem(t), "invalid_claim") << name << " " << value;
    EXPECT_EQ(claim_at_fault(t), name);
  }
  // RFC 7519 §2: a NumericDate may have a fraction.
  EXPECT_EQ(problem(sign_with([](json& c) { c["exp"] = kNow + 60.5; })), "accepted");
}

// RFC 9068 §2.2.3: scope is optional.
TEST_F(AccessTokenTest, ScopeIsOptional) {
  auto r = verify(sign_with([](json& c) { c.erase("scope"); }));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->scopes.empty());
}

}  // namespace
}  // namespace signet::jose
