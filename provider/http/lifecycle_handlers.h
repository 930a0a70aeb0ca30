// Token lifecycle endpoints: revocation (RFC 7009), introspection (RFC 7662) and
// the customer's connected-apps page. Run on a worker thread.
#pragma once

#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"

namespace signet::http {

// POST /revoke
Answer handle_revoke(Services& s, const Incoming& in);
// POST /introspect
Answer handle_introspect(Services& s, const Incoming& in);
// Introspection answered on the I/O thread when it needs no database read (a
// cached client and a cached refresh token); nullopt: hand it to a worker.
std::optional<Answer> try_introspect_without_waiting(Services& s, const Incoming& in);
// POST /revocations: the revocation feed (protocol/revocation_feed.h).
Answer handle_revocation_feed(Services& s, const Incoming& in);
// GET /account/apps: the signed-in customer's connected apps (login page first).
Answer handle_connected_apps(Services& s, const Incoming& in);
// POST /account/apps/revoke: client_id + csrf_token; withdraws that app's access.
Answer handle_connected_apps_revoke(Services& s, const Incoming& in);
// POST /account/apps/end-grant: grant_id + csrf_token; ends that one grant of
// the customer's (its tokens with it), the app's other grants stay.
Answer handle_connected_apps_end_grant(Services& s, const Incoming& in);

}  // namespace signet::http
