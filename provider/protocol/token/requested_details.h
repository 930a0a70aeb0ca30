// RFC 9396 §6: the authorization details a token request may narrow to, within
// what the grant holds.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/form.h"
#include "common/result.h"
#include "protocol/error.h"

namespace signet::protocol {

// The details a token gets: without an `authorization_details` parameter, all
// of `granted` (a JSON array as text); with one, that JSON array, of which
// every detail must be one of the granted (equal as JSON), else
// invalid_authorization_details. A request cannot ask for details when the
// grant holds none.
Result<nlohmann::json, OAuthError> requested_details(const Params& form,
                                                     const std::string& granted);

}  // namespace signet::protocol
