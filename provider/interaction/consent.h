// The consent form (POST /consent): whether the signed-in user allowed or
// denied the client's request, and the grant that follows an Allow. http/
// parses the form, calls decide() and answers: a code on Allow (RFC 6749
// §4.1.2), access_denied on Deny (§4.1.2.1), a page otherwise.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/form.h"
#include "protocol/audit.h"
#include "protocol/authorize.h"
#include "protocol/error.h"
#include "protocol/model.h"
#include "protocol/resource_indicator.h"
#include "protocol/stores.h"

namespace signet::interaction {

// One POST /consent: the form's parameters (the authorization request, its
// csrf_token and the decision) and what the browser carried.
struct ConsentAnswer {
  Params form;
  std::optional<std::string> session_cookie;
  std::string client_address;
  std::string request_id;
};

enum class ConsentResult {
  kGranted,           // the scopes are granted: issue a code for request and session
  kDenied,            // the user said Deny: access_denied to request's redirect URI
  kNoSession,         // no live session (it ended, or the cookie was not sent)
  kCsrfMismatch,      // the form's token is not the session's
  kRefusedRequest,    // the authorization request no longer passes: refusal
  kNoChoice,          // neither Allow nor Deny
  kStoreUnavailable,  // a store failed: error
};

struct ConsentOutcome {
  ConsentResult result = ConsentResult::kStoreUnavailable;
  protocol::Session session;                          // kGranted
  protocol::AuthorizeRequest request;                 // kGranted, kDenied
  std::optional<protocol::AuthorizeFailure> refusal;  // kRefusedRequest
  std::optional<protocol::OAuthError> error;          // kStoreUnavailable
};

class Consent {
 public:
  // `authorize` checks the request the consent form carries.
  Consent(const protocol::AuthorizeContext& authorize, protocol::SessionStore& sessions,
          protocol::ConsentStore& consents, protocol::AuditSink& audit, const Clock& clock)
      : authorize_(authorize),
        sessions_(sessions),
        consents_(consents),
        audit_(audit),
        clock_(clock) {}

  ConsentOutcome decide(ConsentAnswer answer);

 private:
  const protocol::AuthorizeContext& authorize_;
  protocol::SessionStore& sessions_;
  protocol::ConsentStore& consents_;
  protocol::AuditSink& audit_;
  const Clock& clock_;
};

}  // namespace signet::interaction
