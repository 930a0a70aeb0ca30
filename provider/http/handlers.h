// Endpoint handlers: each turns an Incoming request into an Answer. They run on
// a worker thread (they may wait on PostgreSQL or a password hash).
#pragma once

#include <optional>

#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"

namespace signet::http {

// GET /authorize (RFC 6749 §4.1.1): login page, consent page, or redirect.
Answer handle_authorize(Services& s, const Incoming& in);
// POST /authorize (OpenID Connect Core §3.1.2.1): the parameters as a form
// body, answered with a 303 to GET /authorize carrying them.
Answer handle_authorize_post(Services& s, const Incoming& in);
// POST /login: the login form.
Answer handle_login(Services& s, const Incoming& in);
// POST /consent: Allow or Deny.
Answer handle_consent(Services& s, const Incoming& in);
// POST /token (RFC 6749 §3.2).
Answer handle_token(Services& s, const Incoming& in);
// The same on the I/O thread: answers when no step needs to wait (e.g. a
// client-credentials grant for a cached client), else nullopt and nothing done.
std::optional<Answer> try_token_without_waiting(Services& s, const Incoming& in);

// POST /par (RFC 9126 §2): 201 {"request_uri","expires_in"} for an authenticated
// client's valid authorization request.
Answer handle_par(Services& s, const Incoming& in);

// GET /readyz: 200 {"status":"ready"} when every readiness check passes, else
// 503 {"status":"not_ready","reasons":[...]}. Runs on a worker (checks may wait).
Answer handle_readyz(Services& s, const Incoming& in);

// Built once at start: GET /.well-known/oauth-authorization-server (RFC 8414).
nlohmann::json authorization_server_metadata(const config::Config& config);

}  // namespace signet::http
