// Rich Authorization Requests (RFC 9396) and grants over HTTP against the real
// signet and PostgreSQL: authorization_details at /authorize and /par, the
// consent page in words, the token response, the JWT, introspection, refresh
// and narrowing at /token (§6), the audience filter (§9.1), and
// grant_management_action create / update.
#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";

nlohmann::json rent_payment() {
  return {{"type", "payment_initiation"},
          {"instructedAmount", {{"currency", "EUR"}, {"amount", "123.50"}}},
          {"creditorName", "Landlord Ltd"},
          {"creditorAccount", {{"iban", "DE02100100109307118603"}}},
          {"remittanceInformationUnstructured", "Rent December"}};
}

class RarTest : public IntegrationTest {
 protected:
  User alice() { return w().add_user(w().unique("alice"), kPassword); }
  // A client registered for both types, with refresh tokens.
  Client finance(const std::string& types = "payment_initiation account_information") {
    Client c = w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts", false,
                              {"authorization_code", "refresh_token"});
    auto r = w().cli({"client", "update", c.client_id, "--authorization-details-types", types});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return c;
  }
  AuthorizeRequest request(const Client& c, const nlohmann::json& details,
                           const std::string& scope = "") {
    AuthorizeRequest r{c.client_id, kRedirect, scope, random_hex(12), random_hex(32), {}};
    r.extra.emplace_back("authorization_details", details.dump());
    return r;
  }
  // The code flow through consent; returns the token response (200 expected).
  nlohmann::json tokens(HttpClient& browser, const Client& c, const AuthorizeRequest& r,
                        const User& user, AuthorizationResult* seen = nullptr) {
    AuthorizationResult a = w().authorize(browser, r, user);
    if (seen) *seen = a;
    EXPECT_FALSE(a.code().empty()) << a.redirect << a.last.body;
    HttpResponse t = w().exchange_code(c, a.code(), kRedirect, r.code_verifier);
    EXPECT_EQ(t.status, 200) << t.body;
    return t.status == 200 ? t.json() : nlohmann::json::object();
  }
  HttpResponse refresh(const Client& c, const std::string& token,
                       std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("grant_type", "refresh_token");
    extra.emplace_back("refresh_token", token);
    return w().token_request(extra, &c);
  }
};

TEST_F(RarTest, MetadataListsTheTypesAndGrantManagement) {
  HttpClient http;
  auto j = http.get(w().signet.base_url + "/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(j["authorization_details_types_supported"],
            nlohmann::json({"account_information", "payment_initiation"}));
  EXPECT_EQ(j.value("grant_management_endpoint", ""), w().signet.base_url + "/grants");
  EXPECT_EQ(j["grant_management_actions_supported"],
            nlohmann::json({"create", "update", "replace"}));
}

// One payment consent, end to end: the page says what will be paid, and every
// token of the grant carries exactly the approved detail and the grant's id.
TEST_F(RarTest, PaymentConsentReachesTokenJwtIntrospectionAndRefresh) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  const nlohmann::json details = nlohmann::json::array({rent_payment()});
  AuthorizationResult seen;
  auto t = tokens(browser, client, request(client, details), user, &seen);
  ASSERT_EQ(seen.pages, (std::vector<std::string>{"login", "consent"}));

  EXPECT_EQ(t["authorization_details"], details) << t.dump();
  const std::string grant_id = t.value("grant_id", "");
  EXPECT_GE(grant_id.size(), 16u) << t.dump();
  auto claims = jwt_claims(t.value("access_token", ""));
  EXPECT_EQ(claims["authorization_details"], details);
  EXPECT_EQ(claims.value("grant_id", ""), grant_id);

  // RFC 9396 §9.2: introspection answers them.
  Client rs = w().add_resource_server(w().unique("BankApi"));
  HttpClient http;
  HttpResponse intro =
      http.post_form(w().signet.base_url + "/introspect", {{"token", t.value("access_token", "")}},
                     {{"Authorization", basic_auth(rs.client_id, rs.client_secret)}});
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_EQ(intro.json()["authorization_details"], details) << intro.body;
  EXPECT_EQ(intro.json().value("grant_id", ""), grant_id);

  // §6: a refresh keeps them; the client may name them again, never change them.
  HttpResponse r1 = refresh(client, t.value("refresh_token", ""));
  ASSERT_EQ(r1.status, 200) << r1.body;
  EXPECT_EQ(r1.json()["authorization_details"], details);
  EXPECT_EQ(r1.json().value("grant_id", ""), grant_id);
  EXPECT_EQ(jwt_claims(r1.json().value("access_token", ""))["authorization_details"], details);

  nlohmann::json more = details;
  more[0]["instructedAmount"]["amount"] = "1123.50";
  HttpResponse changed = refresh(client, r1.json().value("refresh_token", ""),
                                 {{"authorization_details", more.dump()}});
  EXPECT_EQ(changed.status, 400) << changed.body;
  EXPECT_EQ(changed.json().value("error", ""), "invalid_authorization_details");
  // Refused before the rotation: the token still works, naming the same detail.
  HttpResponse same = refresh(client, r1.json().value("refresh_token", ""),
                              {{"authorization_details", details.dump()}});
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.json()["authorization_details"], details);
}

// The page shows the payment in words before she allows it.
TEST_F(RarTest, ConsentPageShowsThePaymentInWords) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  HttpResponse page =
      browser.get(w().authorize_url(request(client, nlohmann::json::array({rent_payment()}))));
  ASSERT_EQ(page.status, 200);
  page = browser.post_form(w().signet.base_url + "/login", login_fields(page.body, user));
  for (int i = 0; i < 3 && page.status >= 300 && page.status < 400; ++i) {
    page = browser.get(page.location());
  }
  ASSERT_EQ(page.status, 200) << page.body;
  ASSERT_NE(page.body.find("action=\"/consent\""), std::string::npos) << page.body;
  // In the words of the detail's section, not only in the hidden request fields.
  const auto start = page.body.find("<section class=\"detail\"");
  ASSERT_NE(start, std::string::npos) << page.body;
  const std::string words = page.body.substr(start, page.body.find("</section>", start) - start);
  EXPECT_NE(words.find("123.50 EUR"), std::string::npos) << words;
  EXPECT_NE(words.find("Landlord Ltd"), std::string::npos) << words;
  EXPECT_NE(words.find("DE02 1001 0010 9307 1186 03"), std::string::npos) << words;
  EXPECT_NE(words.find("Rent December"), std::string::npos) << words;
}

// §5: what the request may not carry, answered at the client's redirect URI.
TEST_F(RarTest, InvalidDetailsAreRefusedAtTheRedirectUri) {
  User user = alice();
  Client client = finance("payment_initiation");
  Client plain = w().add_client(w().unique("Plain"), {kRedirect}, "read:accounts");
  nlohmann::json wrong_amount = rent_payment();
  wrong_amount["instructedAmount"]["amount"] = "12.345";
  nlohmann::json extra_field = rent_payment();
  extra_field["debtorAccount"] = {{"iban", "DE02100100109307118603"}};
  const std::vector<std::pair<Client, std::string>> cases = {
      {client, "not json"},
      {client, "[]"},
      {client, nlohmann::json::array({wrong_amount}).dump()},
      {client, nlohmann::json::array({extra_field}).dump()},
      // account_information is a type the client is not registered for.
      {client, R"([{"type":"account_information","access":{"accounts":[]}}])"},
      {client, R"([{"type":"bogus"}])"},
      // A client registered for no type may send none.
      {plain, nlohmann::json::array({rent_payment()}).dump()},
  };
  for (const auto& [c, text] : cases) {
    HttpClient browser;
    AuthorizeRequest r{c.client_id, kRedirect, "", random_hex(12), random_hex(32), {}};
    r.extra.emplace_back("authorization_details", text);
    HttpResponse resp = browser.get(w().authorize_url(r));
    ASSERT_EQ(resp.status, 303) << text << "\n" << resp.body;
    auto q = query_params(resp.location());
    EXPECT_EQ(q["error"], "invalid_authorization_details") << text;
    EXPECT_EQ(q["state"], r.state) << text;
  }
}

// PAR carries the details by reference: the browser sees only the request_uri.
TEST_F(RarTest, PushedRequestCarriesDetails) {
  User user = alice();
  Client client = finance();
  const nlohmann::json details = nlohmann::json::array({rent_payment()});
  AuthorizeRequest r = request(client, details);
  HttpResponse pushed = w().push_request(client, r);
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  HttpClient browser;
  AuthorizationResult a =
      w().authorize_at(browser,
                       w().signet.base_url + "/authorize?" +
                           form_encode({{"client_id", client.client_id},
                                        {"request_uri", pushed.json().value("request_uri", "")}}),
                       user);
  ASSERT_FALSE(a.code().empty()) << a.redirect << a.last.body;
  HttpResponse t = w().exchange_code(client, a.code(), kRedirect, r.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json()["authorization_details"], details);

  // Refused at /par already, with a JSON error (RFC 9126 §2.3).
  AuthorizeRequest bad = request(client, nlohmann::json::array({{{"type", "bogus"}}}));
  HttpResponse refused = w().push_request(client, bad);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json().value("error", ""), "invalid_authorization_details");
}

// §9.1: a detail for another API is in the response, never in this API's token.
TEST_F(RarTest, TokenCarriesOnlyTheDetailsForItsAudience) {
  User user = alice();
  Client client = finance();
  nlohmann::json here = rent_payment();
  here["locations"] = {kBankAudience};
  // At most one payment per request: the other detail reads card accounts.
  nlohmann::json elsewhere = {{"type", "account_information"},
                              {"access", {{"accounts", {{{"iban", "DE89370400440532013000"}}}}}},
                              {"locations", {"https://cards.bank.example"}}};
  const nlohmann::json details = {here, elsewhere};
  HttpClient browser;
  auto t = tokens(browser, client, request(client, details), user);
  EXPECT_EQ(t["authorization_details"], details);
  EXPECT_EQ(jwt_claims(t.value("access_token", ""))["authorization_details"],
            nlohmann::json::array({here}));
}

// Grant Management §4.1: create makes a new grant each time; update adds to
// the named one, and the new token carries the whole grant.
TEST_F(RarTest, GrantManagementCreateAndUpdate) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizeRequest first = request(client, nlohmann::json::array({rent_payment()}));
  first.extra.emplace_back("grant_management_action", "create");
  auto t1 = tokens(browser, client, first, user);
  nlohmann::json other = rent_payment();
  other["instructedAmount"]["amount"] = "20.00";
  AuthorizeRequest second = request(client, nlohmann::json::array({other}));
  second.extra.emplace_back("grant_management_action", "create");
  auto t2 = tokens(browser, client, second, user);
  ASSERT_FALSE(t1.value("grant_id", "").empty());
  EXPECT_NE(t1.value("grant_id", ""), t2.value("grant_id", ""));

  AuthorizeRequest update = request(client, nlohmann::json::array({other}), "read:accounts");
  update.extra.emplace_back("grant_management_action", "update");
  update.extra.emplace_back("grant_id", t1.value("grant_id", ""));
  AuthorizationResult seen;
  auto t3 = tokens(browser, client, update, user, &seen);
  // An update is asked for even from a returning customer.
  EXPECT_EQ(seen.pages, (std::vector<std::string>{"consent"}));
  EXPECT_EQ(t3.value("grant_id", ""), t1.value("grant_id", ""));
  EXPECT_EQ(t3["authorization_details"], nlohmann::json::array({rent_payment(), other}));
  EXPECT_EQ(t3.value("scope", ""), "read:accounts");

  // A grant_id the client does not own, or none with update: refused.
  AuthorizeRequest unknown = request(client, nlohmann::json::array({other}));
  unknown.extra.emplace_back("grant_management_action", "update");
  unknown.extra.emplace_back("grant_id", "no-such-grant");
  HttpResponse resp = browser.get(w().authorize_url(unknown));
  ASSERT_EQ(resp.status, 303) << resp.body;
  EXPECT_EQ(query_params(resp.location())["error"], "invalid_grant_id");
  Client stranger = finance();
  AuthorizeRequest foreign = request(stranger, nlohmann::json::array({other}));
  foreign.extra.emplace_back("grant_management_action", "replace");
  foreign.extra.emplace_back("grant_id", t1.value("grant_id", ""));
  resp = browser.get(w().authorize_url(foreign));
  ASSERT_EQ(resp.status, 303) << resp.body;
  EXPECT_EQ(query_params(resp.location())["error"], "invalid_grant_id");
}

// Replace: the grant becomes exactly the new request, and what it issued before ends.
TEST_F(RarTest, GrantManagementReplaceEndsTheOldTokens) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  auto t1 = tokens(browser, client, request(client, nlohmann::json::array({rent_payment()})), user);
  nlohmann::json other = rent_payment();
  other["creditorName"] = "New Landlord GmbH";
  AuthorizeRequest replace = request(client, nlohmann::json::array({other}));
  replace.extra.emplace_back("grant_management_action", "replace");
  replace.extra.emplace_back("grant_id", t1.value("grant_id", ""));
  auto t2 = tokens(browser, client, replace, user);
  EXPECT_EQ(t2.value("grant_id", ""), t1.value("grant_id", ""));
  EXPECT_EQ(t2["authorization_details"], nlohmann::json::array({other}));
  HttpResponse old_refresh = refresh(client, t1.value("refresh_token", ""));
  EXPECT_EQ(old_refresh.status, 400) << old_refresh.body;
  EXPECT_EQ(old_refresh.json().value("error", ""), "invalid_grant");
  EXPECT_EQ(refresh(client, t2.value("refresh_token", "")).status, 200);
}

// §7.1: for an empty account list she ticks her accounts; the token names
// only those, and bank-api shows only those. A forged or missing choice is refused.
TEST_F(RarTest, CustomerChoosesTheAccountsAndTheApiShowsOnlyThose) {
  User user = alice();
  Client client = finance("account_information");
  const nlohmann::json asked = nlohmann::json::array(
      {{{"type", "account_information"},
        {"access",
         {{"accounts", nlohmann::json::array()}, {"balances", nlohmann::json::array()}}}}});
  AuthorizeRequest r = request(client, asked);
  HttpClient browser;
  HttpResponse page = browser.get(w().authorize_url(r));
  ASSERT_EQ(page.status, 200);
  page = browser.post_form(w().signet.base_url + "/login", login_fields(page.body, user));
  for (int i = 0; i < 3 && page.status >= 300 && page.status < 400; ++i) {
    page = browser.get(page.location());
  }
  ASSERT_NE(page.body.find("action=\"/consent\""), std::string::npos) << page.body;
  auto fields = form_fields(page.body, "/consent");
  std::vector<std::string> ibans;
  for (const auto& [name, value] : fields) {
    if (name.rfind("account.", 0) == 0) ibans.push_back(name.substr(8));
  }
  // bank-api's demo customer has two accounts to choose from.
  ASSERT_EQ(ibans.size(), 2u) << page.body;
  auto without_accounts = fields;
  std::erase_if(without_accounts,
                [](const auto& kv) { return kv.first.rfind("account.", 0) == 0; });
  auto post = [&](std::vector<std::pair<std::string, std::string>> f) {
    f.emplace_back("decision", "allow");
    return browser.post_form(w().signet.base_url + "/consent", f);
  };
  // Allow with nothing ticked, or with an account that is not hers: refused, nothing issued.
  HttpResponse none = post(without_accounts);
  EXPECT_EQ(none.status, 400) << none.body;
  auto forged = without_accounts;
  forged.emplace_back("account.DE89370400440532013000", "on");
  HttpResponse foreign = post(forged);
  EXPECT_EQ(foreign.status, 400) << foreign.body;
  EXPECT_EQ(foreign.location(), "");

  auto chosen = without_accounts;
  chosen.emplace_back("account." + ibans[0], "on");
  HttpResponse allowed = post(chosen);
  ASSERT_EQ(allowed.status, 303) << allowed.body;
  const std::string code = query_params(allowed.location())["code"];
  ASSERT_FALSE(code.empty()) << allowed.location();
  HttpResponse t = w().exchange_code(client, code, kRedirect, r.code_verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  const nlohmann::json mine = nlohmann::json::array({{{"iban", ibans[0]}}});
  const nlohmann::json granted = t.json()["authorization_details"];
  ASSERT_EQ(granted.size(), 1u) << t.body;
  EXPECT_EQ(granted[0]["access"]["accounts"], mine);
  EXPECT_EQ(granted[0]["access"]["balances"], mine);

  HttpResponse accounts = w().bank_get("/accounts", t.json().value("access_token", ""));
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  const auto listed = accounts.json()["accounts"];
  ASSERT_EQ(listed.size(), 1u) << accounts.body;
  EXPECT_EQ(listed[0].value("iban", ""), ibans[0]);
}

}  // namespace
}  // namespace signet::it
