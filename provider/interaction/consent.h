// The consent form (POST /consent): whether the signed-in user allowed or
// denied the client's request, and the grant that follows an Allow. http/
// parses the form, calls decide() and answers: a code on Allow (RFC 6749
// §4.1.2), access_denied on Deny (§4.1.2.1), a page otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/form.h"
#include "protocol/account_directory.h"
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
  kNoAccountChosen,   // Allow without ticking an account the request lets her choose
  kUnknownAccount,    // a ticked account that is not hers (a forged form)
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
  // `authorize` checks the request the consent form carries; `accounts` (may
  // be null) lists the customer's accounts she may choose from (RFC 9396 §7.1).
  Consent(const protocol::AuthorizeContext& authorize, protocol::SessionStore& sessions,
          protocol::ConsentStore& consents, protocol::AuditSink& audit, const Clock& clock,
          protocol::AccountDirectory* accounts = nullptr)
      : authorize_(authorize),
        sessions_(sessions),
        consents_(consents),
        audit_(audit),
        clock_(clock),
        accounts_(accounts) {}

  ConsentOutcome decide(ConsentAnswer answer);

 private:
  const protocol::AuthorizeContext& authorize_;
  protocol::SessionStore& sessions_;
  protocol::ConsentStore& consents_;
  protocol::AuditSink& audit_;
  const Clock& clock_;
  protocol::AccountDirectory* accounts_;

  // §7.1: the request's details with the accounts she ticked, checked against
  // her accounts in the directory and against the schemas again.
  ConsentResult enrich_with_chosen_accounts(protocol::AuthorizeRequest& request,
                                            const std::string& subject,
                                            const std::vector<std::string>& chosen,
                                            std::optional<protocol::OAuthError>& error);
};

// The form field of a ticked account: "account." followed by its IBAN.
inline constexpr std::string_view kAccountFieldPrefix = "account.";

// Whether some detail of `request` lets the customer choose accounts.
bool offers_account_choice(const protocol::AuthorizeRequest& request,
                           const protocol::AuthorizationDetailsTypes* types);

}  // namespace signet::interaction
