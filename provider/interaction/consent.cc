#include "interaction/consent.h"

#include <algorithm>
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
  // The accounts she ticked (RFC 9396 §7.1), each its own field: no repeated name.
  std::vector<std::string> chosen;
  for (auto it = answer.form.begin(); it != answer.form.end();) {
    if (std::string_view(it->first).substr(0, kAccountFieldPrefix.size()) == kAccountFieldPrefix) {
      chosen.push_back(it->first.substr(kAccountFieldPrefix.size()));
      it = answer.form.erase(it);
    } else {
      ++it;
    }
  }

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

  if (offers_account_choice(o.request, authorize_.detail_types)) {
    std::optional<protocol::OAuthError> error;
    const ConsentResult r =
        enrich_with_chosen_accounts(o.request, (*session)->subject, chosen, error);
    if (r != ConsentResult::kGranted) {
      ConsentOutcome failed = outcome(r);
      failed.error = std::move(error);
      return failed;
    }
  }
  // A returning customer is not asked again for plain scopes (the standing
  // grant); details and named grants are asked for every time.
  if (o.request.grant_write == protocol::GrantWrite::kStanding) {
    auto granted = consents_.grant_consent((*session)->subject, o.request.client.client_id,
                                           o.request.scopes, clock_.now());
    if (!granted) {
      ConsentOutcome failed = outcome(ConsentResult::kStoreUnavailable);
      failed.error = granted.error();
      return failed;
    }
  }
  nlohmann::json event = {{"scopes", o.request.scopes}};
  if (!o.request.authorization_details.empty()) {
    event["authorization_details"] = o.request.authorization_details;
  }
  if (!o.request.grant_id.empty()) event["grant_id"] = o.request.grant_id;
  audit_.record({"consent.granted", o.request.client.client_id, (*session)->subject,
                 answer.request_id, answer.client_address, std::move(event)});
  o.result = ConsentResult::kGranted;
  o.session = **session;
  return o;
}

bool offers_account_choice(const protocol::AuthorizeRequest& request,
                           const protocol::AuthorizationDetailsTypes* types) {
  if (!types) return false;
  return std::any_of(
      request.authorization_details.begin(), request.authorization_details.end(),
      [&](const nlohmann::json& d) { return !types->describe(d).account_choices.empty(); });
}

ConsentResult Consent::enrich_with_chosen_accounts(protocol::AuthorizeRequest& request,
                                                   const std::string& subject,
                                                   const std::vector<std::string>& chosen,
                                                   std::optional<protocol::OAuthError>& error) {
  if (chosen.empty()) return ConsentResult::kNoAccountChosen;
  if (!accounts_ || !authorize_.detail_types) {
    error = protocol::OAuthError::server_error("no account directory");
    return ConsentResult::kStoreUnavailable;
  }
  // Only her own accounts: the form is as open to change as a query.
  auto mine = accounts_->accounts_of(subject);
  if (!mine) {
    error = mine.error();
    return ConsentResult::kStoreUnavailable;
  }
  for (const auto& iban : chosen) {
    const bool hers =
        std::any_of(mine->begin(), mine->end(),
                    [&](const protocol::CustomerAccount& a) { return a.iban == iban; });
    if (!hers) return ConsentResult::kUnknownAccount;
  }
  const auto& types = *authorize_.detail_types;
  nlohmann::json enriched = nlohmann::json::array();
  for (const auto& detail : request.authorization_details) {
    enriched.push_back(types.with_chosen_accounts(detail, chosen));
  }
  auto checked = types.check(enriched, &request.client.authorization_details_types);
  if (!checked) {
    error = checked.error();
    return ConsentResult::kUnknownAccount;
  }
  request.authorization_details = std::move(*checked);
  return ConsentResult::kGranted;
}

}  // namespace signet::interaction
