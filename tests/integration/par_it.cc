// Pushed Authorization Requests (RFC 9126) over HTTP against the real signet and
// PostgreSQL: POST /par, /authorize by request_uri through sign-in and consent,
// the request_uri's single use, its client binding, and clients that must push.
#include <cstdio>
#include <fstream>

#include "harness.h"

namespace signet::it {
namespace {

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
const std::string kUrnPrefix = "urn:ietf:params:oauth:request_uri:";

class ParTest : public IntegrationTest {
 protected:
  User alice() { return w().add_user(w().unique("alice"), kPassword); }
  Client finance() {
    return w().add_client(w().unique("FinanceApp"), {kRedirect}, "read:accounts");
  }
  AuthorizeRequest request(const Client& c) {
    return AuthorizeRequest{c.client_id,    kRedirect,      "read:accounts",
                            random_hex(12), random_hex(32), {}};
  }
  // POST /par, expecting 201; returns the request_uri.
  std::string push(const Client& c, const AuthorizeRequest& r) {
    HttpResponse pushed = w().push_request(c, r);
    EXPECT_EQ(pushed.status, 201) << pushed.body;
    if (pushed.status != 201) return {};
    return pushed.json().value("request_uri", "");
  }
  std::string by_reference(const Client& c, const std::string& request_uri) {
    return w().signet.base_url + "/authorize?" +
           form_encode({{"client_id", c.client_id}, {"request_uri", request_uri}});
  }
  // A client registered from RFC 7591 metadata (signet client add --metadata FILE).
  Client add_client_from_metadata(const nlohmann::json& metadata) {
    const std::string path = w().log_dir + "/" + w().unique("metadata") + ".json";
    std::ofstream(path) << metadata.dump();
    auto r = w().cli({"client", "add", "--metadata", path});
    std::remove(path.c_str());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Client c;
    c.raw = nlohmann::json::parse(r.out, nullptr, false);
    if (!c.raw.is_object()) return c;
    c.client_id = c.raw.value("client_id", "");
    c.client_secret = c.raw.value("client_secret", "");
    c.redirect_uris = c.raw.value("redirect_uris", std::vector<std::string>{});
    c.scope = c.raw.value("scope", "");
    return c;
  }
};

TEST_F(ParTest, MetadataNamesTheEndpoint) {
  HttpClient http;
  for (const char* doc :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto j = http.get(w().signet.base_url + doc).json();
    EXPECT_EQ(j.value("pushed_authorization_request_endpoint", ""), w().signet.base_url + "/par")
        << doc;
    EXPECT_EQ(j.value("require_pushed_authorization_requests", true), false) << doc;
  }
}

// The whole flow by reference: only client_id and request_uri ever pass through
// the browser, and the code buys a token as usual.
TEST_F(ParTest, PushedRequestCompletesTheCodeFlow) {
  User user = alice();
  Client client = finance();
  AuthorizeRequest req = request(client);
  HttpResponse pushed = w().push_request(client, req);
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  EXPECT_NE(lower(pushed.header("cache-control")).find("no-store"), std::string::npos);
  auto pj = pushed.json();
  const std::string request_uri = pj.value("request_uri", "");
  EXPECT_EQ(request_uri.rfind(kUrnPrefix, 0), 0u) << pushed.body;
  EXPECT_GE(pj.value("expires_in", 0), 30);
  EXPECT_LT(pj.value("expires_in", 0), 600);

  HttpClient browser;
  HttpResponse login = browser.get(by_reference(client, request_uri));
  ASSERT_EQ(login.status, 200) << login.body;
  // The sign-in form carries the reference, not the request.
  const std::string return_to = form_value(login.body, "return_to");
  auto back = query_params("?" + return_to);
  EXPECT_EQ(back["request_uri"], request_uri) << return_to;
  EXPECT_EQ(back.count("redirect_uri"), 0u) << return_to;
  EXPECT_EQ(back.count("code_challenge"), 0u) << return_to;

  AuthorizationResult a = w().authorize_at(browser, by_reference(client, request_uri), user);
  ASSERT_FALSE(a.code().empty()) << a.last.status << " " << a.last.body.substr(0, 400);
  EXPECT_EQ(a.redirect.rfind(kRedirect + "?", 0), 0u) << a.redirect;
  EXPECT_EQ(a.params["state"], req.state);
  EXPECT_EQ(a.params["iss"], w().signet.base_url);
  EXPECT_EQ(a.last.status, 303) << "FAPI 2.0 §5.3.2.2: 303 for redirects";

  HttpResponse token = w().exchange_code(client, a.code(), kRedirect, req.code_verifier);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(jwt_claims(token.json().value("access_token", "")).value("scope", ""), "read:accounts");

  // Used once: the same reference after the authorization completed is refused
  // with a page, never a redirect (the redirect URI is part of what was pushed).
  HttpResponse again = browser.get(by_reference(client, request_uri));
  EXPECT_EQ(again.status, 400) << again.body.substr(0, 300);
  EXPECT_TRUE(again.location().empty()) << again.location();
  EXPECT_NE(again.body.find("request_uri"), std::string::npos) << again.body.substr(0, 300);
}

TEST_F(ParTest, ReloadingThePageBeforeTheAuthorizationCompletesWorks) {
  User user = alice();
  Client client = finance();
  const std::string uri = push(client, request(client));
  HttpClient browser;
  EXPECT_EQ(browser.get(by_reference(client, uri)).status, 200);
  EXPECT_EQ(browser.get(by_reference(client, uri)).status, 200);
  AuthorizationResult a = w().authorize_at(browser, by_reference(client, uri), user);
  EXPECT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
}

TEST_F(ParTest, ARequestUriIsRefusedToAnotherClient) {
  User user = alice();
  Client client = finance();
  Client other = finance();
  const std::string uri = push(client, request(client));
  HttpClient browser;
  HttpResponse r = browser.get(by_reference(other, uri));
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  EXPECT_TRUE(r.location().empty());
  // Control: its own client still can.
  AuthorizationResult a = w().authorize_at(browser, by_reference(client, uri), user);
  EXPECT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
}

TEST_F(ParTest, ADeniedAuthorizationSpendsTheRequestUri) {
  User user = alice();
  Client client = finance();
  const std::string uri = push(client, request(client));
  HttpClient browser;
  AuthorizationResult denied = w().authorize_at(browser, by_reference(client, uri), user, "deny");
  EXPECT_EQ(denied.params["error"], "access_denied") << denied.redirect;
  HttpResponse again = browser.get(by_reference(client, uri));
  EXPECT_EQ(again.status, 400) << again.body.substr(0, 300);
}

TEST_F(ParTest, ThePushEndpointRefusesWhatTheTokenEndpointWould) {
  Client client = finance();
  AuthorizeRequest req = request(client);
  HttpClient http;
  // No client authentication.
  HttpResponse anon = http.post_form(w().signet.base_url + "/par",
                                     {{"client_id", client.client_id},
                                      {"response_type", "code"},
                                      {"redirect_uri", kRedirect},
                                      {"scope", "read:accounts"},
                                      {"code_challenge", pkce_challenge(random_hex(32))},
                                      {"code_challenge_method", "S256"}});
  EXPECT_EQ(anon.status, 401) << anon.body;
  EXPECT_EQ(anon.json().value("error", ""), "invalid_client");
  // A request_uri inside a pushed request (RFC 9126 §2.1).
  AuthorizeRequest nested = req;
  nested.extra.emplace_back("request_uri", kUrnPrefix + "x");
  HttpResponse n = w().push_request(client, nested);
  EXPECT_EQ(n.status, 400) << n.body;
  EXPECT_EQ(n.json().value("error", ""), "invalid_request");
  // The authorization endpoint's own rules, answered as JSON to the client.
  AuthorizeRequest no_pkce = req;
  no_pkce.code_verifier.clear();
  HttpResponse p = w().push_request(client, no_pkce);
  EXPECT_EQ(p.status, 400) << p.body;
  EXPECT_EQ(p.json().value("error", ""), "invalid_request");
  AuthorizeRequest wide = req;
  wide.scope = "write:payments";
  HttpResponse s = w().push_request(client, wide);
  EXPECT_EQ(s.status, 400) << s.body;
  EXPECT_EQ(s.json().value("error", ""), "invalid_scope");
  // Only POST.
  EXPECT_EQ(http.get(w().signet.base_url + "/par").status, 405);
  // Control: the same request, well formed, is accepted.
  EXPECT_EQ(w().push_request(client, req).status, 201);
}

// RFC 9126 §6: a client registered with require_pushed_authorization_requests
// takes no front-channel request, and says so at its redirect URI.
TEST_F(ParTest, AClientThatMustPushIsRefusedAQueryRequest) {
  User user = alice();
  Client strict = add_client_from_metadata({{"client_name", w().unique("StrictApp")},
                                            {"redirect_uris", {kRedirect}},
                                            {"scope", "read:accounts"},
                                            {"require_pushed_authorization_requests", true}});
  ASSERT_FALSE(strict.client_id.empty());
  EXPECT_EQ(strict.raw.value("require_pushed_authorization_requests", false), true);
  HttpClient browser;
  AuthorizeRequest req = request(strict);
  HttpResponse front = browser.get(w().authorize_url(req));
  ASSERT_EQ(front.status, 303) << front.body.substr(0, 300);
  auto p = query_params(front.location());
  EXPECT_EQ(p["error"], "invalid_request") << front.location();
  EXPECT_EQ(p["state"], req.state);
  // Control: pushed, the same request completes.
  AuthorizationResult a = w().authorize_at(browser, by_reference(strict, push(strict, req)), user);
  EXPECT_FALSE(a.code().empty()) << a.last.body.substr(0, 300);
  // client show reports it.
  auto shown = w().cli({"client", "show", strict.client_id});
  EXPECT_NE(shown.out.find("\"require_pushed_authorization_requests\": true"), std::string::npos)
      << shown.out;
}

TEST_F(ParTest, ABadMetadataValueIsOneLineNamingIt) {
  const std::string path = w().log_dir + "/" + w().unique("metadata") + ".json";
  std::ofstream(path) << R"({"client_name":"X","scope":"read:accounts","redirect_uris":[")" +
                             kRedirect + R"("],"require_pushed_authorization_requests":"yes"})";
  auto r = w().cli({"client", "add", "--metadata", path});
  std::remove(path.c_str());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("require_pushed_authorization_requests"), std::string::npos) << r.err;
}

// A returning customer (signed in, consent given) goes straight back with a code.
TEST_F(ParTest, AReturningCustomerGoesStraightBack) {
  User user = alice();
  Client client = finance();
  HttpClient browser;
  AuthorizationResult first =
      w().authorize_at(browser, by_reference(client, push(client, request(client))), user);
  ASSERT_FALSE(first.code().empty());
  AuthorizeRequest req = request(client);
  AuthorizationResult second =
      w().authorize_at(browser, by_reference(client, push(client, req)), user);
  ASSERT_FALSE(second.code().empty()) << second.last.body.substr(0, 300);
  EXPECT_TRUE(second.pages.empty()) << "no sign-in and no consent page";
  EXPECT_EQ(second.params["state"], req.state);
}

}  // namespace
}  // namespace signet::it
