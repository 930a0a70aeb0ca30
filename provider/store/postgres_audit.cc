#include "store/postgres_audit.h"

#include <algorithm>
#include <ostream>
#include <utility>

#include <pqxx/pqxx>

#include "common/form.h"
#include "common/log.h"
#include "store/store_call.h"

namespace signet::store {
namespace {

using namespace std::chrono_literals;

const char* level_of(const std::string& event) {
  if (event == "login.failed" || event == "throttled" || event == "refresh.reuse_detected") {
    return "warning";
  }
  return "info";
}

// A client_id or username from a request may hold invalid UTF-8 or a NUL:
// replaced (U+FFFD) rather than fail the whole batch.
std::string as_text(const std::string& s) {
  if (is_text(s)) return s;
  std::string out =
      nlohmann::json::parse(
          nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .get<std::string>();
  for (char& c : out) {
    if (c == '\0') c = '?';
  }
  return out;
}

// An audit_events row as COPY sends it; "" in an optional column is NULL.
struct AuditRow {
  std::string at, event, client_id, subject, request_id, client_address, detail;
};

AuditRow row_of(const protocol::AuditEvent& e, int64_t at_millis) {
  return {rfc3339_utc(at_millis),
          as_text(e.event),
          as_text(e.client_id),
          as_text(e.subject),
          as_text(e.request_id),
          as_text(e.client_address),
          (e.detail.is_object() ? e.detail : nlohmann::json::object())
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

// COPY, not INSERT ... SELECT FROM json: a batch is one round trip and the
// database parses no JSON but each row's detail. `at` is when the event
// happened, not when the writer got to it.
void copy_rows(pqxx::work& w, const std::vector<AuditRow>& rows) {
  auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  pqxx::stream_to copy(w, "audit_events",
                       std::vector<std::string>{"at", "event", "client_id", "subject", "request_id",
                                                "client_address", "detail"});
  for (const AuditRow& r : rows) {
    copy << std::make_tuple(r.at.c_str(), r.event.c_str(), or_null(r.client_id), or_null(r.subject),
                            or_null(r.request_id), or_null(r.client_address), r.detail.c_str());
  }
  copy.complete();
}

}  // namespace

nlohmann::json audit_log_line(const protocol::AuditEvent& e, int64_t at_unix_millis) {
  return {{"time", rfc3339_utc(at_unix_millis)},
          {"level", level_of(e.event)},
          {"event", e.event},
          {"client_id", e.client_id},
          {"subject", e.subject},
          {"request_id", e.request_id},
          {"client_address", e.client_address},
          {"detail", e.detail.is_object() ? e.detail : nlohmann::json::object()}};
}

PostgresAuditSink::PostgresAuditSink(std::string conninfo, AuditWriterSettings settings)
    : pool_(std::move(conninfo), 1, {}), settings_(settings) {
  writer_ = std::thread([this] { run(); });
}

PostgresAuditSink::~PostgresAuditSink() { close(5s); }

void PostgresAuditSink::record(protocol::AuditEvent event) noexcept {
  try {
    const int64_t at = unix_millis_now();
    log_json_line(audit_log_line(event, at));
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      if (stop_now_ || queue_.size() >= settings_.max_queue) {
        ++dropped_count_;  // reported by the writer
        return;
      }
      queue_.push_back({std::move(event), at});
      // Wake the writer only when there is something new for it to do; it
      // gathers the rest of the batch by itself.
      wake = queue_.size() == 1 || queue_.size() == settings_.batch;
    }
    if (wake) wake_.notify_one();
  } catch (...) {
    // Out of memory: the trail must not take the request down with it.
  }
}

std::string PostgresAuditSink::insert(const std::vector<Queued>& batch) {
  std::vector<AuditRow> rows;
  rows.reserve(batch.size());
  for (const auto& q : batch) rows.push_back(row_of(q.event, q.at_millis));
  auto stored = store::run<Ok>(pool_, "audit_events insert", kNoRetry, [&](pqxx::connection& c) {
    pqxx::work w(c);
    copy_rows(w, rows);
    w.commit();
    return Ok{};
  });
  return stored ? std::string() : stored.error().detail;
}

void PostgresAuditSink::run() {
  std::vector<Queued> batch;
  uint64_t dropped_reported = 0;
  bool failing = false;
  std::unique_lock lock(mu_);
  // Logs the events dropped since the last report (the caller holds the lock).
  auto report_dropped = [&] {
    if (dropped_count_ == dropped_reported) return;
    nlohmann::json line = {{"level", "error"},
                           {"event", "audit_events_dropped"},
                           {"dropped", dropped_count_ - dropped_reported},
                           {"dropped_total", dropped_count_}};
    dropped_reported = dropped_count_;
    lock.unlock();
    log_json_line(std::move(line));
    lock.lock();
  };
  for (;;) {
    wake_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (stop_now_ || (closing_ && queue_.empty())) {
      dropped_count_ += queue_.size();
      queue_.clear();
      report_dropped();
      written_.notify_all();
      return;
    }
    // Gather a batch: wait a moment for more unless it is full or we must hurry.
    wake_.wait_for(lock, settings_.interval,
                   [&] { return queue_.size() >= settings_.batch || closing_ || hurry_; });
    const size_t n = std::min(queue_.size(), settings_.batch);
    batch.clear();
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    in_flight_ = n;
    report_dropped();

    auto backoff = 100ms;
    bool stored = false;
    for (;;) {
      lock.unlock();
      std::string failure = insert(batch);
      lock.lock();
      if (failure.empty()) {
        stored = true;
        break;
      }
      if (!failing) {  // one line per outage, not one per attempt
        failing = true;
        nlohmann::json line = {{"level", "error"},
                               {"event", "audit_write_failed"},
                               {"detail", failure},
                               {"pending", queue_.size() + batch.size()}};
        lock.unlock();
        log_json_line(std::move(line));
        lock.lock();
      }
      report_dropped();
      if (wake_.wait_for(lock, backoff, [&] { return stop_now_; })) break;
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, settings_.max_backoff);
    }
    if (stored) {
      written_count_ += batch.size();
      if (failing) {
        failing = false;
        nlohmann::json line = {
            {"level", "info"}, {"event", "audit_write_recovered"}, {"pending", queue_.size()}};
        lock.unlock();
        log_json_line(std::move(line));
        lock.lock();
      }
    } else {
      dropped_count_ += batch.size();
    }
    batch.clear();
    in_flight_ = 0;
    if (queue_.empty()) hurry_ = false;
    written_.notify_all();
  }
}

bool PostgresAuditSink::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  hurry_ = true;
  wake_.notify_one();
  return written_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
}

void PostgresAuditSink::close(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mu_);
    if (!writer_.joinable()) return;
    closing_ = true;
    wake_.notify_one();
    if (!written_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; })) {
      stop_now_ = true;  // the writer drops what is left, counts and logs it
    }
    wake_.notify_one();
  }
  writer_.join();
  std::lock_guard lock(mu_);
  stop_now_ = true;  // later events: log line only, counted as dropped
}

uint64_t PostgresAuditSink::written() const {
  std::lock_guard lock(mu_);
  return written_count_;
}

size_t PostgresAuditSink::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

uint64_t PostgresAuditSink::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_count_;
}

std::string write_audit_event_now(ConnectionPool& pool, const protocol::AuditEvent& event,
                                  std::ostream& log) {
  const int64_t at = unix_millis_now();
  log << audit_log_line(event, at).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
      << '\n';
  const std::vector<AuditRow> rows{row_of(event, at)};
  auto stored = store::run<Ok>(pool, "audit_events insert", kRetry, [&](pqxx::connection& c) {
    pqxx::work w(c);
    copy_rows(w, rows);
    w.commit();
    return Ok{};
  });
  return stored ? std::string() : stored.error().detail;
}

}  // namespace signet::store
