// The grant management API (FAPI Grant Management for OAuth 2.0 §6) over HTTP;
// the rules are protocol/grant_management.h. Run on a worker thread.
#pragma once

#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"

namespace signet::http {

// GET /grants/{grant_id} (§6.4): 200 with the grant's scopes and details.
Answer handle_grant_query(Services& s, const Incoming& in);
// DELETE /grants/{grant_id} (§6.5): 204; the grant and its tokens end.
Answer handle_grant_revoke(Services& s, const Incoming& in);

}  // namespace signet::http
