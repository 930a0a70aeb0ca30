// The audit trail's sink: every event becomes one JSON log line at once and a
// row of audit_events (sql/0006_audit.sql) soon after. record() only formats the
// line and pushes to a bounded queue, so it is cheap enough for an HTTP I/O
// thread; a background writer inserts the queue in batches, one transaction
// each, and keeps retrying while PostgreSQL is away. When the queue is full,
// events are counted as dropped (their log line was written anyway) and the
// count is logged. A batch whose COMMIT was lost in a broken connection is
// written again: an event may then appear twice rather than be lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/audit.h"
#include "store/database.h"

namespace signet::store {

struct AuditWriterSettings {
  size_t max_queue = 20000;                     // events waiting for the writer; beyond: dropped
  size_t batch = 500;                           // events per INSERT transaction at most
  std::chrono::milliseconds interval{100};      // how long the writer gathers a batch
  std::chrono::milliseconds max_backoff{2000};  // retry delay ceiling while the database is away
};

// The JSON log line of an event: time (RFC 3339 UTC), level, event, client_id,
// subject, request_id, client_address, detail.
nlohmann::json audit_log_line(const protocol::AuditEvent& event, int64_t at_unix_millis);

class PostgresAuditSink final : public protocol::AuditSink {
 public:
  // Opens no connection yet: the writer connects when it has something to write.
  explicit PostgresAuditSink(std::string conninfo, AuditWriterSettings settings = {});
  // close() with a 5 s limit.
  ~PostgresAuditSink() override;
  PostgresAuditSink(const PostgresAuditSink&) = delete;
  PostgresAuditSink& operator=(const PostgresAuditSink&) = delete;

  void record(protocol::AuditEvent event) noexcept override;

  // Waits until every event recorded so far is stored, at most `timeout`;
  // false when some are still waiting (e.g. the database is down).
  bool flush(std::chrono::milliseconds timeout);
  // Stops taking events, writes what is queued (retrying until `timeout`), and
  // stops the writer. Events still unwritten then are counted as dropped and
  // logged. Idempotent.
  void close(std::chrono::milliseconds timeout);

  uint64_t written() const;
  uint64_t dropped() const;
  // Events waiting for the writer (queued and being written).
  size_t queue_depth() const;

 private:
  struct Queued {
    protocol::AuditEvent event;
    int64_t at_millis;
  };
  void run();
  // One INSERT transaction for `batch`; "" when stored, else the failure's detail.
  std::string insert(const std::vector<Queued>& batch);

  ConnectionPool pool_;
  const AuditWriterSettings settings_;
  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: work, or stop
  std::condition_variable written_;  // flush(): progress
  std::deque<Queued> queue_;
  size_t in_flight_ = 0;  // taken by the writer, not yet stored
  uint64_t written_count_ = 0;
  uint64_t dropped_count_ = 0;
  bool closing_ = false;
  bool hurry_ = false;     // flush(): write without gathering
  bool stop_now_ = false;  // close() gave up waiting
  std::thread writer_;
};

// For commands that run once (the admin CLI): writes the JSON line to `log` and
// the row at once, in its own transaction. Returns "" when stored, else why not.
std::string write_audit_event_now(ConnectionPool& pool, const protocol::AuditEvent& event,
                                  std::ostream& log);

}  // namespace signet::store
