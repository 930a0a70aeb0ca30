// /authorize with authorization_details (RFC 9396 §2, §5) and
// grant_management_action (Grant Management §4.1), against in-memory stores:
// what a client may ask for, what a named grant must be, and what the code
// records.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/form.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol_fixtures.h"

namespace signet::protocol::testing {
namespace {

const char* const kPayment =
    R"([{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"123.50"},)"
    R"("creditorName":"Landlord Ltd","creditorAccount":{"iban":"DE02100100109307118603"}}])";

// Grants by id, for the checks of update and replace.
class OneGrantStore final : public GrantStore {
 public:
  Grant grant;
  StoreResult<std::optional<Grant>> find_grant(std::string_view id) override {
    if (id != grant.grant_id) return std::optional<Grant>{};
    return std::optional<Grant>(grant);
  }
  StoreResult<bool> delete_grant(std::string_view, std::string_view, std::string_view) override {
    return false;
  }
  StoreResult<std::vector<Grant>> grants_of(std::string_view) override {
    return std::vector<Grant>{};
  }
};

class AuthorizeDetailsTest : public ::testing::Test {
 protected:
  AuthorizeDetailsTest() {
    Client c = finance_app();
    c.authorization_details_types = {"payment_initiation"};
    clients_.add(c);
    Client plain = finance_app();
    plain.client_id = "plain-app";
    clients_.add(plain);
    grants_.grant.grant_id = "grant-1";
    grants_.grant.client_id = "finance-app";
  }

  Result<AuthorizeRequest, AuthorizeFailure> validate(const Params& query) {
    return validate_authorize_request(query, AuthorizeContext{clients_,
                                                              pushed_,
                                                              clock_,
                                                              nullptr,
                                                              {},
                                                              false,
                                                              &AuthorizationDetailsTypes::builtin(),
                                                              &grants_});
  }
  static Params query(std::initializer_list<std::pair<const std::string, std::string>> extra) {
    Params q = authorize_query();
    for (const auto& [k, v] : extra) q[k] = v;
    return q;
  }
  void expect_refused(const Params& q, const std::string& code) {
    auto r = validate(q);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().error.code, code);
    EXPECT_TRUE(r.error().error.redirectable);  // §5: at the redirect URI, with state
    EXPECT_EQ(r.error().state, "xyz-state");
  }

  MemoryClientStore clients_;
  MemoryPushedRequestStore pushed_;
  OneGrantStore grants_;
  FakeClock clock_;
};

TEST_F(AuthorizeDetailsTest, DetailsMayStandInForScope) {
  Params q = query({{"authorization_details", kPayment}});
  q.erase("scope");
  auto r = validate(q);
  ASSERT_TRUE(r.ok()) << r.error().error.detail;
  EXPECT_TRUE(r->scopes.empty());
  ASSERT_EQ(r->authorization_details.size(), 1u);
  EXPECT_EQ(r->authorization_details[0]["creditorName"], "Landlord Ltd");
  // Details without an action make a new grant, and the customer is asked.
  EXPECT_EQ(r->grant_write, GrantWrite::kCreate);
  EXPECT_TRUE(r->needs_consent_page());
  // Neither scope nor details: invalid_scope as before.
  Params none = authorize_query();
  none.erase("scope");
  expect_refused(none, "invalid_scope");
}

TEST_F(AuthorizeDetailsTest, PlainScopesGoToTheStandingGrant) {
  auto r = validate(authorize_query());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->grant_write, GrantWrite::kStanding);
  EXPECT_FALSE(r->needs_consent_page());
}

TEST_F(AuthorizeDetailsTest, OnlyTypesRegisteredForTheClient) {
  // None registered: the parameter is refused, whatever it holds.
  Params plain = query({{"authorization_details", kPayment}});
  plain["client_id"] = "plain-app";
  expect_refused(plain, "invalid_authorization_details");
  // Registered for payments only.
  expect_refused(query({{"authorization_details",
                         R"([{"type":"account_information","access":{"accounts":[]}}])"}}),
                 "invalid_authorization_details");
  expect_refused(query({{"authorization_details", "{"}}), "invalid_authorization_details");
}

TEST_F(AuthorizeDetailsTest, GrantActions) {
  auto create = validate(query({{"grant_management_action", "create"}}));
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->grant_write, GrantWrite::kCreate);
  EXPECT_TRUE(create->needs_consent_page());

  auto update = validate(query({{"grant_management_action", "update"}, {"grant_id", "grant-1"}}));
  ASSERT_TRUE(update.ok()) << update.error().error.detail;
  EXPECT_EQ(update->grant_write, GrantWrite::kUpdate);
  EXPECT_EQ(update->grant_id, "grant-1");
  auto replace = validate(query({{"grant_management_action", "replace"}, {"grant_id", "grant-1"}}));
  ASSERT_TRUE(replace.ok());
  EXPECT_EQ(replace->grant_write, GrantWrite::kReplace);

  expect_refused(query({{"grant_management_action", "merge"}}), "invalid_request");
  expect_refused(query({{"grant_management_action", "update"}}), "invalid_request");
  expect_refused(query({{"grant_id", "grant-1"}}), "invalid_request");
  expect_refused(query({{"grant_management_action", "create"}, {"grant_id", "grant-1"}}),
                 "invalid_request");
  expect_refused(query({{"grant_management_action", "update"}, {"grant_id", "grant-2"}}),
                 "invalid_grant_id");
  // Another client's grant is as unknown as no grant.
  grants_.grant.client_id = "someone-else";
  expect_refused(query({{"grant_management_action", "update"}, {"grant_id", "grant-1"}}),
                 "invalid_grant_id");
}

TEST_F(AuthorizeDetailsTest, TheCodeRecordsTheDetailsAndTheGrantWrite) {
  auto r = validate(query({{"authorization_details", kPayment},
                           {"grant_management_action", "update"},
                           {"grant_id", "grant-1"}}));
  ASSERT_TRUE(r.ok());
  MemoryCodeStore codes;
  auto code = issue_authorization_code(*r, "subject-1", 1, codes, clock_, 60);
  ASSERT_TRUE(code.ok());
  auto row = codes.find_code(sha256_b64url(*code));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ(nlohmann::json::parse((*row)->authorization_details), r->authorization_details);
  EXPECT_EQ((*row)->grant_write, GrantWrite::kUpdate);
  EXPECT_EQ((*row)->grant_id, "grant-1");
}

}  // namespace
}  // namespace signet::protocol::testing
