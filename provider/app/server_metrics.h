// The state series of a running Signet (README, "Metrics and alerts"): the database pool,
// the LISTEN connections, the signing keys, the audit queue and the worker
// queue, read at scrape time from the parts that keep them.
#pragma once

#include <vector>

#include "common/clock.h"
#include "common/worker_pool.h"
#include "jose/key_ring_holder.h"
#include "metrics/state_collector.h"
#include "store/client_cache.h"
#include "store/database.h"
#include "store/postgres_audit.h"

namespace signet::app {

struct ServerParts {
  const store::ConnectionPool& pool;
  std::vector<const store::ChangeListener*> listeners;
  const jose::KeyRingHolder& keys;
  const store::PostgresAuditSink& audit;
  const WorkerPool& workers;
  const Clock& clock;
};

void add_server_series(metrics::StateCollector& collector, const ServerParts& parts);

}  // namespace signet::app
