// What the HTTP layer needs from the rest of the server, wired by app/.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/worker_pool.h"
#include "config/config.h"
#include "http/metrics.h"
#include "jose/key_ring.h"
#include "jose/key_ring_holder.h"
#include "protocol/account_directory.h"
#include "protocol/audit.h"
#include "protocol/authorize.h"
#include "protocol/introspection.h"
#include "protocol/lifecycle_store.h"
#include "protocol/pushed_authorization_endpoint.h"
#include "protocol/revocation_feed.h"
#include "protocol/stores.h"
#include "protocol/throttle.h"
#include "protocol/token/token_endpoint.h"

namespace signet::http {

struct Services {
  const config::Config& config;
  protocol::ClientStore& clients;
  protocol::UserStore& users;
  protocol::ScopeStore& scopes;
  protocol::AuthorizationCodeStore& codes;
  protocol::ConsentStore& consents;
  protocol::SessionStore& sessions;
  const jose::KeyRingHolder& keys;  // the current ring: keys rotate while serving
  const Clock& clock;
  WorkerPool& workers;
  protocol::TokenEndpoint& token_endpoint;
  // What /authorize, sign-in and consent check a request against (clients,
  // pushed requests, resources), and the pushed authorization request endpoint.
  const protocol::AuthorizeContext& authorize;
  protocol::PushedAuthorizationEndpoint& par_endpoint;
  // Token lifecycle (revocation, introspection, connected apps); set by app/.
  protocol::TokenLifecycleStore* lifecycle = nullptr;
  protocol::Introspection* introspection = nullptr;
  protocol::RevocationFeedEndpoint* revocation_feed = nullptr;  // POST /revocations
  // RFC 8707 resource registry, checked at /authorize too; set by app/.
  protocol::ResourceStore* resources = nullptr;
  // Grants (Grant Management: /grants, connected apps); set by app/.
  protocol::GrantStore* grants = nullptr;
  // DPoP proofs at endpoints that take an access token (/grants, RFC 9449 §7.1).
  protocol::DpopProofs* dpop = nullptr;
  // The customer's accounts for the consent page (RFC 9396 §7.1); null: none.
  protocol::AccountDirectory* accounts = nullptr;
  // Security events (login, consent, tokens, reuse, throttling); set by app/.
  protocol::AuditSink* audit = &no_audit;
  // Requests, latencies, tokens and refusals for monitoring (http/metrics.h).
  Metrics* metrics = &no_metrics;
  // Set on SIGTERM while the requests in flight are answered (Server::drain):
  // readiness must fail so that load balancers stop sending work here.
  std::atomic<bool> draining{false};
  // Sign-in and /token limits (http/throttling.h); unset members are off.
  protocol::Throttles throttles = {};
  // Readiness (/readyz): each check returns "" when met, else a short reason
  // shown to the caller, e.g. "database", "signing_keys". Set by app/.
  std::vector<std::function<std::string()>> readiness_checks = {};

  inline static protocol::NoAudit no_audit;
  inline static NoMetrics no_metrics;
};

}  // namespace signet::http
