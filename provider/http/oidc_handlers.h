// OpenID Connect endpoints: discovery, /userinfo (Core §5.3) and RP-initiated
// logout (RP-Initiated Logout 1.0).
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "http/incoming.h"
#include "http/respond.h"
#include "http/services.h"

namespace signet::http {

// Built once at start: GET /.well-known/openid-configuration (Discovery 1.0 §3),
// the RFC 8414 metadata plus the OpenID Connect members.
nlohmann::json openid_configuration(const config::Config& config);

// GET and POST /userinfo with a Bearer access token (RFC 6750 §2.1).
Answer handle_userinfo(Services& s, const Incoming& in);

// GET /logout (query) and POST /logout (form): the end_session_endpoint.
Answer handle_logout_get(Services& s, const Incoming& in);
Answer handle_logout_post(Services& s, const Incoming& in);

}  // namespace signet::http
