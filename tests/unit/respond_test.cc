// form_action_source(): the only source a page's CSP form-action adds to 'self'.
// A redirect URI is the client's, registered by the bank's operator, but no byte
// of it may end the source and start another directive.
#include <gtest/gtest.h>

#include "http/respond.h"

namespace signet::http {
namespace {

TEST(FormActionSource, IsTheOriginOfAWebRedirectUri) {
  EXPECT_EQ(form_action_source("https://app.example/cb?x=1#f"), "https://app.example");
  EXPECT_EQ(form_action_source("https://app.example:8443/a/b"), "https://app.example:8443");
  EXPECT_EQ(form_action_source("http://127.0.0.1:51004/callback"), "http://127.0.0.1:51004");
  EXPECT_EQ(form_action_source("http://[::1]:8080/cb"), "http://[::1]:8080");
  EXPECT_EQ(form_action_source("https://app.example"), "https://app.example");
}

TEST(FormActionSource, IsTheSchemeOfAPrivateUseUri) {
  // RFC 8252 §7.1: native apps receive the redirect on their own scheme.
  EXPECT_EQ(form_action_source("com.example.app:/oauth2redirect"), "com.example.app:");
  // An https URI without an authority is no origin, and "https:" would allow every site.
  EXPECT_EQ(form_action_source("https:/app.example/cb"), "");
  EXPECT_EQ(form_action_source("http:app.example"), "");
}

TEST(FormActionSource, AddsNothingForAUriThatCouldAlterThePolicy) {
  for (const char* uri :
       {"https://a.example;script-src *", "https://a.example,https://b.example",
        "https://a.example b.example/cb", "https://user@a.example/cb", "https://a.example'/cb",
        "https://a.example\"/cb", "https://a.example\r\n/cb", "https:///cb", "", ":",
        "1http://a.example/cb", "no-colon-at-all", "java script:alert(1)"}) {
    EXPECT_EQ(form_action_source(uri), "") << uri;
  }
}

TEST(AnswerError, IsJsonForAClientAndAPageForABrowser) {
  const auto error = protocol::OAuthError::invalid_request("The code parameter is missing.");
  const Answer json = answer_error(error, ErrorMode::kJson);
  EXPECT_EQ(json.status, 400);
  EXPECT_FALSE(json.page);
  EXPECT_EQ(nlohmann::json::parse(json.body).value("error", ""), "invalid_request");

  const Answer page = answer_error(error, ErrorMode::kPage);
  EXPECT_EQ(page.status, 400);
  EXPECT_TRUE(page.page);
  EXPECT_NE(page.body.find("The code parameter is missing."), std::string::npos);
  EXPECT_EQ(page.content_type.rfind("text/html", 0), 0u);
}

TEST(AnswerError, KeepsAServerErrorsDetailOutOfBothForms) {
  const auto error = protocol::OAuthError::server_error("pqxx: relation secret_table missing");
  for (ErrorMode mode : {ErrorMode::kJson, ErrorMode::kPage}) {
    const Answer a = answer_error(error, mode);
    EXPECT_EQ(a.status, 500);
    EXPECT_EQ(a.body.find("secret_table"), std::string::npos) << a.body;
  }
}

}  // namespace
}  // namespace signet::http
