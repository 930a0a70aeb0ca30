// The authorization endpoint's rules (provider/protocol/authorize.h), each test
// named after the rule or threat it proves.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/form.h"
#include "memory_stores.h"
#include "protocol/authorize.h"
#include "protocol_fixtures.h"

namespace signet::protocol::testing {
namespace {

class AuthorizeTest : public ::testing::Test {
 protected:
  AuthorizeTest() {
    clients_.add(finance_app());
    clients_.add(mobile_app());
    clients_.add(reporting_service());
  }

  Result<AuthorizeRequest, AuthorizeFailure> validate(const Params& query) {
    return validate_with_clients(query, clients_);
  }

  // Asserts a refusal that must be shown as a page, never sent to a redirect URI.
  void expect_not_redirected(const Params& query, const std::string& code) {
    auto r = validate(query);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().error.code, code);
    EXPECT_FALSE(r.error().error.redirectable);
    EXPECT_TRUE(r.error().redirect_uri.empty());
  }

  // Asserts a refusal delivered to the (verified) redirect URI with the state.
  void expect_redirected(const Params& query, const std::string& code) {
    auto r = validate(query);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().error.code, code);
    EXPECT_TRUE(r.error().error.redirectable);
    EXPECT_EQ(r.error().redirect_uri, kRedirect);
    EXPECT_EQ(r.error().state, "xyz-state");
  }

  MemoryClientStore clients_;
  MemoryCodeStore codes_;
  FakeClock clock_;
};

Params with(Params p, const std::string& key, const std::string& value) {
  p[key] = value;
  return p;
}

Params without(Params p, const std::string& key) {
  p.erase(key);
  return p;
}

TEST_F(AuthorizeTest, ValidRequestIsAccepted) {
  auto r = validate(authorize_query());
  ASSERT_TRUE(r.ok()) << r.error().error.detail;
  EXPECT_EQ(r->client.client_id, "finance-app");
  EXPECT_EQ(r->redirect_uri, kRedirect);
  EXPECT_EQ(r->scopes, (std::vector<std::string>{"read:accounts", "read:transactions"}));
  EXPECT_EQ(r->state, "xyz-state");
  EXPECT_EQ(r->code_challenge, kChallenge);
  EXPECT_EQ(r->nonce, "n-0S6");
}

// --- client and redirect URI: never redirect until both are proven ---

TEST_F(AuthorizeTest, ResourceMustBeAnAbsoluteUriWithoutFragment) {
  // RFC 8707 §2: "an absolute URI, as specified by Section 4.3 of [RFC3986]",
  // without a fragment; anything else is invalid_target, back at the client.
  for (const char* bad : {"bank-api", "/api", "//api.example", ":api", "1http://api.example",
                          "ht~tp://api.example", "https:", "https://api.example/#", "a b:c"}) {
    SCOPED_TRACE(bad);
    expect_redirected(with(authorize_query(), "resource", bad), "invalid_target");
  }
  for (const char* good :
       {"https://api.example/", "http://127.0.0.1:8081", "urn:example:ledger", "x-y.z+w:1"}) {
    SCOPED_TRACE(good);
    auto r = validate(with(authorize_query(), "resource", good));
    ASSERT_TRUE(r.ok()) << r.error().error.detail;
    EXPECT_EQ(r->resource, good);
  }
}

TEST_F(AuthorizeTest, MissingClientIdIsNotRedirected) {
  expect_not_redirected(without(authorize_query(), "client_id"), "invalid_request");
}

TEST_F(AuthorizeTest, UnknownClientIsNotRedirected) {
  expect_not_redirected(with(authorize_query(), "client_id", "evil-app"), "invalid_request");
}

TEST_F(AuthorizeTest, UnknownClientIsNotRedirectedEvenWhenOtherParamsAreBad) {
  // The first check decides: a bad response_type must not turn into a redirect.
  auto q = with(with(authorize_query(), "client_id", "evil-app"), "response_type", "token");
  expect_not_redirected(q, "invalid_request");
}

TEST_F(AuthorizeTest, MissingRedirectUriIsRefusedEvenWithOneRegisteredUri) {
  auto q = authorize_query();
  q["client_id"] = "mobile-app";
  q["scope"] = "read:accounts";
  q.erase("redirect_uri");
  expect_not_redirected(q, "invalid_request");
}

TEST_F(AuthorizeTest, RedirectUriPrefixIsNotAMatch) {
  expect_not_redirected(
      with(authorize_query(), "redirect_uri", "https://finance.example/callbackx"),
      "invalid_request");
  expect_not_redirected(
      with(authorize_query(), "redirect_uri", "https://finance.example/callback/../../evil"),
      "invalid_request");
  expect_not_redirected(with(authorize_query(), "redirect_uri", "https://finance.example/call"),
                        "invalid_request");
}

TEST_F(AuthorizeTest, RedirectUriWithExtraQueryOrFragmentIsNotAMatch) {
  expect_not_redirected(
      with(authorize_query(), "redirect_uri", "https://finance.example/callback?next=evil"),
      "invalid_request");
  expect_not_redirected(
      with(authorize_query(), "redirect_uri", "https://finance.example/callback#"),
      "invalid_request");
  expect_not_redirected(
      with(authorize_query(), "redirect_uri", "https://finance.example/callback/"),
      "invalid_request");
}

TEST_F(AuthorizeTest, RedirectUriComparisonIsCaseSensitive) {
  expect_not_redirected(with(authorize_query(), "redirect_uri", "https://FINANCE.example/callback"),
                        "invalid_request");
}

TEST_F(AuthorizeTest, AnotherClientsRedirectUriIsRefused) {
  expect_not_redirected(with(authorize_query(), "redirect_uri", "com.example.mobile:/callback"),
                        "invalid_request");
}

TEST_F(AuthorizeTest, SecondRegisteredRedirectUriIsAccepted) {
  auto r = validate(with(authorize_query(), "redirect_uri", "https://finance.example/other"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->redirect_uri, "https://finance.example/other");
}

// RFC 8252 §7.3: a registered loopback IP literal matches on any port; nothing
// else about the URI may differ, and "localhost" gets no such leniency (§8.3).
TEST_F(AuthorizeTest, LoopbackRedirectUriMatchesOnAnyPortOnly) {
  Client native = mobile_app();
  native.client_id = "native-app";
  native.redirect_uris = {"http://127.0.0.1:8080/cb", "http://[::1]/cb?app=1",
                          "http://localhost:8080/cb"};
  clients_.add(native);
  Params q = authorize_query();
  q["client_id"] = "native-app";
  q["scope"] = "read:accounts";
  for (const char* uri :
       {"http://127.0.0.1:51004/cb", "http://127.0.0.1/cb", "http://127.0.0.1:65535/cb",
        "http://[::1]:1234/cb?app=1", "http://[::1]/cb?app=1"}) {
    auto r = validate(with(q, "redirect_uri", uri));
    ASSERT_TRUE(r.ok()) << uri << ": " << r.error().error.detail;
    EXPECT_EQ(r->redirect_uri, uri) << "the code is bound to the URI actually used";
  }
  for (const char* uri : {"http://127.0.0.1.evil.example:1234/cb",
                          "http://127.0.0.1:1234@evil.example/cb",
                          "http://127.0.0.1:1234/cb/",
                          "http://127.0.0.1:1234/CB",
                          "http://127.0.0.1:1234/cb?x=1",
                          "http://127.0.0.1:1234/cb#x",
                          "http://127.0.0.1:1234/other",
                          "https://127.0.0.1:1234/cb",
                          "HTTP://127.0.0.1:1234/cb",
                          "http://127.0.0.2:1234/cb",
                          "http://127.1:1234/cb",
                          "http://[::1]:1234/cb",
                          "http://[0:0:0:0:0:0:0:1]:1234/cb?app=1",
                          "http://127.0.0.1:/cb",
                          "http://127.0.0.1:0/cb",
                          "http://127.0.0.1:01234/cb",
                          "http://127.0.0.1:65536/cb",
                          "http://127.0.0.1:123456/cb",
                          "http://127.0.0.1:+80/cb",
                          "http://127.0.0.1:80:81/cb",
                          "http://localhost:1234/cb",
                          "http://localhost/cb"}) {
    expect_not_redirected(with(q, "redirect_uri", uri), "invalid_request");
  }
}

// A port is no wildcard for URIs that are not loopback IP literals.
TEST_F(AuthorizeTest, PortOfANonLoopbackRedirectUriMustMatch) {
  Client web = finance_app();
  web.client_id = "web-app";
  web.redirect_uris = {"https://finance.example:8443/callback"};
  clients_.add(web);
  Params q = with(authorize_query(), "client_id", "web-app");
  for (const char* uri :
       {"https://finance.example:9443/callback", "https://finance.example/callback"}) {
    expect_not_redirected(with(q, "redirect_uri", uri), "invalid_request");
  }
}

TEST_F(AuthorizeTest, ClientStoreOutageIsNotRedirected) {
  clients_.unavailable = true;
  expect_not_redirected(authorize_query(), "temporarily_unavailable");
}

// --- redirectable errors, carrying state ---

TEST_F(AuthorizeTest, ImplicitAndHybridResponseTypesAreUnsupported) {
  expect_redirected(with(authorize_query(), "response_type", "token"), "unsupported_response_type");
  expect_redirected(with(authorize_query(), "response_type", "code token"),
                    "unsupported_response_type");
  expect_redirected(with(authorize_query(), "response_type", "code id_token"),
                    "unsupported_response_type");
}

TEST_F(AuthorizeTest, MissingResponseTypeIsInvalidRequest) {
  expect_redirected(without(authorize_query(), "response_type"), "invalid_request");
}

TEST_F(AuthorizeTest, ClientWithoutCodeGrantIsUnauthorized) {
  Client c = finance_app();
  c.grant_types = {"client_credentials"};
  clients_.add(c);
  expect_redirected(authorize_query(), "unauthorized_client");
}

TEST_F(AuthorizeTest, MissingCodeChallengeIsRefused) {
  auto q = without(without(authorize_query(), "code_challenge"), "code_challenge_method");
  expect_redirected(q, "invalid_request");
  EXPECT_EQ(validate(q).error().error.description, "code_challenge required");
}

TEST_F(AuthorizeTest, PublicClientWithoutPkceIsRefused) {
  auto q = authorize_query();
  q["client_id"] = "mobile-app";
  q["redirect_uri"] = "com.example.mobile:/callback";
  q["scope"] = "read:accounts";
  q.erase("code_challenge");
  auto r = validate(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, "invalid_request");
  EXPECT_TRUE(r.error().error.redirectable);
}

TEST_F(AuthorizeTest, PlainPkceIsRefused) {
  // A plain challenge is the verifier itself: 43 valid characters.
  auto q = with(authorize_query(), "code_challenge_method", "plain");
  q["code_challenge"] = kVerifier;
  expect_redirected(q, "invalid_request");
}

TEST_F(AuthorizeTest, MissingChallengeMethodIsRefusedNotDefaultedToPlain) {
  // RFC 7636 §4.3 would default to plain; OAuth 2.1 servers must not.
  expect_redirected(without(authorize_query(), "code_challenge_method"), "invalid_request");
}

TEST_F(AuthorizeTest, ChallengeMethodIsCaseSensitive) {
  expect_redirected(with(authorize_query(), "code_challenge_method", "s256"), "invalid_request");
}

TEST_F(AuthorizeTest, MalformedChallengeIsRefused) {
  std::string c = kChallenge;
  expect_redirected(with(authorize_query(), "code_challenge", c.substr(0, 42)), "invalid_request");
  expect_redirected(with(authorize_query(), "code_challenge", c + "A"), "invalid_request");
  expect_redirected(with(authorize_query(), "code_challenge", std::string(c).replace(5, 1, "+")),
                    "invalid_request");
  expect_redirected(with(authorize_query(), "code_challenge", std::string(c).replace(5, 1, "=")),
                    "invalid_request");
  // 43 characters, but the last carries bits that no SHA-256 digest produces.
  expect_redirected(with(authorize_query(), "code_challenge", c.substr(0, 42) + "B"),
                    "invalid_request");
}

TEST_F(AuthorizeTest, EmptyScopeIsInvalidScope) {
  expect_redirected(without(authorize_query(), "scope"), "invalid_scope");
  expect_redirected(with(authorize_query(), "scope", "   "), "invalid_scope");
}

TEST_F(AuthorizeTest, ScopeOutsideClientSetIsInvalidScope) {
  expect_redirected(with(authorize_query(), "scope", "read:accounts write:payments"),
                    "invalid_scope");
}

TEST_F(AuthorizeTest, ScopeWithForbiddenCharacterIsInvalidScope) {
  expect_redirected(with(authorize_query(), "scope", "read:accounts \"x"), "invalid_scope");
  expect_redirected(with(authorize_query(), "scope", "read\\accounts"), "invalid_scope");
}

TEST_F(AuthorizeTest, RequestObjectIsNotSupported) {
  expect_redirected(with(authorize_query(), "request", "eyJhbGciOiJub25lIn0.e30."),
                    "request_not_supported");
}

TEST_F(AuthorizeTest, RequestUriIsNotSupported) {
  expect_redirected(with(authorize_query(), "request_uri", "https://evil.example/req"),
                    "request_uri_not_supported");
}

// An unsupported response_mode is an error sent in the query, never a silent
// fallback (OAuth 2.0 Multiple Response Type Encoding Practices §2.1).
TEST_F(AuthorizeTest, OnlyTheQueryResponseModeIsAccepted) {
  EXPECT_TRUE(validate(with(authorize_query(), "response_mode", "query")).ok());
  for (const char* mode : {"fragment", "form_post", "query.jwt", "jwt", "Query", ""}) {
    expect_redirected(with(authorize_query(), "response_mode", mode), "invalid_request");
  }
}

TEST_F(AuthorizeTest, ErrorWithoutStateHasEmptyState) {
  auto r = validate(without(with(authorize_query(), "response_type", "token"), "state"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().error.redirectable);
  EXPECT_TRUE(r.error().state.empty());
}

TEST_F(AuthorizeTest, PublicDescriptionsCarryNoRequestInput) {
  auto r = validate(with(authorize_query(), "client_id", "<script>probe</script>"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.description.find("probe"), std::string::npos);
}

// --- scope parsing (RFC 6749 §3.3) ---

TEST(ParseScope, SplitsOnSpacesDropsEmptiesAndDuplicatesKeepsOrder) {
  auto s = parse_scope("  b a  b c ");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(join_scope(*s), "b a c");
}

TEST(ParseScope, AcceptsEveryNqchar) {
  std::string all;
  for (int c = 0x21; c <= 0x7E; ++c) {
    if (c != '"' && c != '\\') all += static_cast<char>(c);
  }
  auto s = parse_scope(all);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 1u);
}

TEST(ParseScope, RejectsQuoteBackslashControlAndNonAscii) {
  for (std::string bad : std::vector<std::string>{"a\"b", "a\\b", "a\tb", "a\nb",
                                                  std::string("a\0b", 3), "caf\xc3\xa9"}) {
    auto s = parse_scope(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, "invalid_scope");
  }
}

TEST(ConsentRequired, NewScopeNeedsConsent) {
  EXPECT_TRUE(consent_required({"read:accounts", "write:payments"}, {"read:accounts"}));
  EXPECT_TRUE(consent_required({"read:accounts"}, {}));
}

TEST(ConsentRequired, GrantedSubsetNeedsNoConsent) {
  EXPECT_FALSE(consent_required({"read:accounts"}, {"read:accounts", "read:transactions"}));
}

// --- issuing codes ---

TEST_F(AuthorizeTest, CodeIsStoredOnlyAsItsDigest) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  auto code = issue_authorization_code(*req, "alice", clock_.now() - 5, codes_, clock_, 60);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->size(), 43u);  // 256 random bits, base64url
  auto raw = codes_.find_code(*code);
  ASSERT_TRUE(raw.ok());
  EXPECT_FALSE(raw->has_value());
  auto stored = codes_.find_code(sha256_b64url(*code));
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
}

TEST_F(AuthorizeTest, CodeIsBoundToClientRedirectUriChallengeAndUser) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  const int64_t auth_time = clock_.now() - 30;
  auto code = issue_authorization_code(*req, "alice", auth_time, codes_, clock_, 60);
  ASSERT_TRUE(code.ok());
  auto stored = codes_.find_code(sha256_b64url(*code));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  const AuthorizationCode& c = **stored;
  EXPECT_EQ(c.client_id, "finance-app");
  EXPECT_EQ(c.redirect_uri, kRedirect);
  EXPECT_EQ(c.subject, "alice");
  EXPECT_EQ(c.scopes, (std::vector<std::string>{"read:accounts", "read:transactions"}));
  EXPECT_EQ(c.code_challenge, kChallenge);
  EXPECT_EQ(c.nonce, "n-0S6");
  EXPECT_EQ(c.auth_time, auth_time);
  EXPECT_EQ(c.issued_at, clock_.now());
  EXPECT_FALSE(c.used_at.has_value());
}

TEST_F(AuthorizeTest, CodeLifetimeIsCappedAtSixtySeconds) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 600);
  ASSERT_TRUE(code.ok());
  auto stored = codes_.find_code(sha256_b64url(*code));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->expires_at, clock_.now() + 60);
}

TEST_F(AuthorizeTest, ShorterConfiguredCodeLifetimeIsKept) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 30);
  ASSERT_TRUE(code.ok());
  auto stored = codes_.find_code(sha256_b64url(*code));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->expires_at, clock_.now() + 30);
}

TEST_F(AuthorizeTest, CodesAreUnpredictable) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  auto a = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
  auto b = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(codes_.size(), 2u);
}

TEST_F(AuthorizeTest, CodeStoreOutageIsReported) {
  auto req = validate(authorize_query());
  ASSERT_TRUE(req.ok());
  codes_.unavailable = true;
  auto code = issue_authorization_code(*req, "alice", clock_.now(), codes_, clock_, 60);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().code, "temporarily_unavailable");
}

// --- redirects (RFC 6749 §4.1.2, RFC 9207) ---

TEST(AuthorizeRedirect, SuccessCarriesCodeStateAndIssuer) {
  EXPECT_EQ(success_redirect(kRedirect, "c0de", "s t&", kIssuer),
            "https://finance.example/callback?code=c0de&state=s%20t%26&iss=https%3A%2F%2Fsignet."
            "example");
}

TEST(AuthorizeRedirect, EmptyStateIsOmitted) {
  EXPECT_EQ(success_redirect(kRedirect, "c0de", "", kIssuer),
            "https://finance.example/callback?code=c0de&iss=https%3A%2F%2Fsignet.example");
}

TEST(AuthorizeRedirect, ExistingQueryIsKept) {
  EXPECT_EQ(success_redirect("https://a.example/cb?tenant=1", "c", "s", "https://i"),
            "https://a.example/cb?tenant=1&code=c&state=s&iss=https%3A%2F%2Fi");
}

TEST(AuthorizeRedirect, ErrorCarriesCodeDescriptionStateAndIssuer) {
  auto e = OAuthError::invalid_scope("Bad scope.", "secret detail").redirect();
  std::string uri = error_redirect(kRedirect, e, "st", kIssuer);
  EXPECT_EQ(uri,
            "https://finance.example/callback?error=invalid_scope&error_description=Bad%20scope.&"
            "state=st&iss=https%3A%2F%2Fsignet.example");
  EXPECT_EQ(uri.find("secret"), std::string::npos);
}

TEST(AuthorizeRedirect, ErrorWithoutStateOmitsIt) {
  auto e = OAuthError::access_denied("Denied.").redirect();
  EXPECT_EQ(error_redirect(kRedirect, e, "", kIssuer),
            "https://finance.example/callback?error=access_denied&error_description=Denied.&iss="
            "https%3A%2F%2Fsignet.example");
}

}  // namespace
}  // namespace signet::protocol::testing
