#include "app/server_metrics.h"

#include <string>

namespace signet::app {
namespace {

using metrics::Sample;

const char* state_name(jose::KeyState s) {
  switch (s) {
    case jose::KeyState::kNext:
      return "next";
    case jose::KeyState::kActive:
      return "active";
    case jose::KeyState::kRetired:
      return "retired";
  }
  return "unknown";
}

}  // namespace

void add_server_series(metrics::StateCollector& c, const ServerParts& p) {
  const auto* pool = &p.pool;
  c.gauge(
      "signet_database_pool_connections",
      "Database connections of the pool by state (idle, in_use); size: the most it opens", [pool] {
        const auto s = pool->stats();
        return std::vector<Sample>{{{{"state", "idle"}}, static_cast<double>(s.idle)},
                                   {{{"state", "in_use"}}, static_cast<double>(s.open - s.idle)},
                                   {{{"state", "size"}}, static_cast<double>(s.size)}};
      });
  c.gauge("signet_database_pool_waiting", "Callers waiting for a free database connection", [pool] {
    return std::vector<Sample>{{{}, static_cast<double>(pool->stats().waiting)}};
  });
  c.counter("signet_database_errors_total",
            "Failed database calls by kind: unavailable (503), outcome_unknown (the link broke "
            "mid-statement), internal (500), acquire_timeout, connection_lost",
            [pool] {
              const auto s = pool->stats();
              return std::vector<Sample>{
                  {{{"kind", "unavailable"}}, static_cast<double>(s.unavailable)},
                  {{{"kind", "outcome_unknown"}}, static_cast<double>(s.outcome_unknown)},
                  {{{"kind", "internal"}}, static_cast<double>(s.internal)},
                  {{{"kind", "acquire_timeout"}}, static_cast<double>(s.acquire_timeouts)},
                  {{{"kind", "connection_lost"}}, static_cast<double>(s.connections_lost)}};
            });

  // One sample per LISTEN channel, read with `value`.
  auto per_channel = [listeners = p.listeners](double (*value)(const store::ChangeListener&)) {
    return [listeners, value] {
      std::vector<Sample> out;
      for (const auto* l : listeners) out.push_back({{{"channel", l->channel()}}, value(*l)});
      return out;
    };
  };
  c.gauge("signet_listen_connected",
          "1 while the LISTEN connection of a channel is up (caches follow other replicas' "
          "changes), else 0",
          per_channel([](const store::ChangeListener& l) { return l.connected() ? 1.0 : 0.0; }));
  c.counter("signet_listen_reconnects_total",
            "Times a LISTEN connection came back after it was lost (each time the caches it "
            "feeds are reloaded)",
            per_channel([](const store::ChangeListener& l) {
              return static_cast<double>(l.reconnects());
            }));

  const auto* keys = &p.keys;
  const auto* clock = &p.clock;
  c.gauge("signet_signing_key_age_seconds", "Age of each signing key in the ring, by state",
          [keys, clock] {
            std::vector<Sample> out;
            const int64_t now = clock->now();
            for (const auto& k : keys->current()->describe()) {
              out.push_back({{{"kid", k.kid},
                              {"alg", std::string(jose::alg_name(k.alg))},
                              {"state", state_name(k.state)}},
                             static_cast<double>(now - k.since)});
            }
            return out;
          });

  const auto* audit = &p.audit;
  c.gauge("signet_audit_queue_depth", "Audit events waiting to be written to audit_events",
          [audit] {
            return std::vector<Sample>{{{}, static_cast<double>(audit->queue_depth())}};
          });
  c.counter("signet_audit_dropped_total",
            "Audit events not written to audit_events because the queue was full (their log "
            "line was written)",
            [audit] {
              return std::vector<Sample>{{{}, static_cast<double>(audit->dropped())}};
            });

  const auto* workers = &p.workers;
  c.gauge("signet_worker_queue_depth", "Requests waiting for a worker thread", [workers] {
    return std::vector<Sample>{{{}, static_cast<double>(workers->queued())}};
  });
  c.counter("signet_worker_queue_refused_total",
            "Requests answered 503 at once because the worker queue was full", [workers] {
              return std::vector<Sample>{{{}, static_cast<double>(workers->refused())}};
            });
  metrics::add_process_series(c);
}

}  // namespace signet::app
