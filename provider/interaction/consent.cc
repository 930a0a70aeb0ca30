#include "interaction/consent.h"

#include <utility>

#include "interaction/browser_session.h"

namespace signet::interaction {
namespace {

ConsentOutcome outcome(ConsentResult result) {
  ConsentOutcome o;
  o.result = result;
  return o;
}

}  // namespace

ConsentOutcome Consent::decide(ConsentAnswer answer) {
  const std::string* cookie = answer.session_cookie ? &*answer.session_cookie : nullptr;
  auto session = find_browser_session(sessions_, cookie, clock_.now());
  if (!session) {
    ConsentOutcome o = outcome(ConsentResult::kStoreUnavailable);
    o.error = session.error();
    return o;
  }
  if (!*session) return outcome(ConsentResult::kNoSession);
  // CSRF: the session-bound token of the consent page (RFC 6749 §10.12).
  if (!form_matches_session(**session, find_param(answer.form, "csrf_token"))) {
    return outcome(ConsentResult::kCsrfMismatch);
  }
  std::string decision;
  if (const std::string* d = find_param(answer.form, "decision")) decision = *d;
  answer.form.erase("csrf_token");
  answer.form.erase("decision");

  // The rest of the form is the authorization request, checked again: the
  // page may be old, and a hidden field is as open to change as a query.
  auto validated = protocol::validate_authorize_request(answer.form, authorize_);
  if (!validated.ok()) {
    ConsentOutcome o = outcome(ConsentResult::kRefusedRequest);
    o.refusal = validated.error();
    return o;
  }
  ConsentOutcome o = outcome(ConsentResult::kDenied);
  o.request = std::move(*validated);
  if (decision == "deny") return o;
  if (decision != "allow") return outcome(ConsentResult::kNoChoice);

  auto granted = consents_.grant_consent((*session)->subject, o.request.client.client_id,
                                         o.request.scopes, clock_.now());
  if (!granted) {
    ConsentOutcome failed = outcome(ConsentResult::kStoreUnavailable);
    failed.error = granted.error();
    return failed;
  }
  audit_.record({"consent.granted",
                 o.request.client.client_id,
                 (*session)->subject,
                 answer.request_id,
                 answer.client_address,
                 {{"scopes", o.request.scopes}}});
  o.result = ConsentResult::kGranted;
  o.session = **session;
  return o;
}

}  // namespace signet::interaction
