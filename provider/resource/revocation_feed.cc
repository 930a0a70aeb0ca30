#include "resource/revocation_feed.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "common/form.h"

namespace signet::resource {

namespace {

// One poll reads at most this many pages (each bounded by the server), so a
// huge backlog is taken in over a few polls rather than in one endless loop.
constexpr int kMaxPagesPerPoll = 64;

struct Page {
  std::string cursor;
  std::vector<std::pair<std::string, int64_t>> entries;
  bool complete = false;
};

std::optional<Page> parse_page(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto cursor = j.find("cursor");
  auto entries = j.find("entries");
  auto complete = j.find("complete");
  if (cursor == j.end() || !cursor->is_string() || entries == j.end() || !entries->is_array() ||
      complete == j.end() || !complete->is_boolean()) {
    return std::nullopt;
  }
  Page p;
  p.cursor = cursor->get<std::string>();
  p.complete = complete->get<bool>();
  for (const auto& e : *entries) {
    auto jti = e.find("jti");
    auto exp = e.find("exp");
    if (!e.is_object() || jti == e.end() || !jti->is_string() || exp == e.end() ||
        !exp->is_number_integer()) {
      return std::nullopt;
    }
    p.entries.emplace_back(jti->get<std::string>(), exp->get<int64_t>());
  }
  return p;
}

}  // namespace

RevocationFeed::RevocationFeed(RevocationFeedOptions options, HttpPost post,
                               std::shared_ptr<const Clock> clock)
    : options_(std::move(options)),
      post_(post ? std::move(post) : default_http_post()),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      snapshot_(std::make_shared<const Snapshot>()) {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
  authorization_ = "Basic " + base64_encode(url_encode(options_.client_id) + ":" +
                                            url_encode(options_.client_secret));
}

RevocationFeed::~RevocationFeed() { stop(); }

void RevocationFeed::start() {
  std::lock_guard lock(stop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void RevocationFeed::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RevocationFeed::run() {
  for (;;) {
    poll_once();
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                          [this] { return stopping_; })) {
      return;
    }
  }
}

bool RevocationFeed::poll_once() {
  std::lock_guard poll(poll_mu_);
  std::string cursor = cursor_;
  std::vector<std::pair<std::string, int64_t>> fresh;
  bool complete = false;
  for (int page = 0; page < kMaxPagesPerPoll && !complete; ++page) {
    auto body =
        post_(options_.url, encode_form({{"resource", options_.resource}, {"after", cursor}}),
              authorization_);
    if (!body) break;
    auto p = parse_page(*body);
    if (!p) break;
    for (auto& e : p->entries) fresh.push_back(std::move(e));
    cursor = std::move(p->cursor);
    complete = p->complete;
  }

  // A copy of the current snapshot, with what is new and without what expired:
  // readers keep using the old one until the swap.
  const int64_t now = clock_->now();
  const int64_t horizon = now - options_.expiry_leeway_seconds;  // exp at or below: gone
  auto current = snapshot_.load();
  const bool expired = earliest_exp_ <= horizon;  // no scan of the snapshot per poll
  size_t added = 0;
  for (const auto& [jti, exp] : fresh) added += exp > horizon && !current->contains(jti) ? 1 : 0;
  if (added == 0 && !expired) {
    cursor_ = std::move(cursor);
  } else {
    auto next = std::make_shared<Snapshot>();
    next->reserve(current->size() + added);
    int64_t earliest = std::numeric_limits<int64_t>::max();
    for (const auto& [jti, exp] : *current) {
      if (exp > horizon) {
        next->emplace(jti, exp);
        earliest = std::min(earliest, exp);
      }
    }
    const size_t kept = next->size();
    if (kept + added > options_.max_entries) {
      // Not taken in, and the cursor stays: the same entries come again at the
      // next poll, by when some may have expired.
      over_capacity_.store(true);
      if (expired) {
        snapshot_.store(std::shared_ptr<const Snapshot>(std::move(next)));
        earliest_exp_ = earliest;
      }
      return false;
    }
    for (auto& [jti, exp] : fresh) {
      if (exp > horizon) {
        earliest = std::min(earliest, exp);
        next->emplace(std::move(jti), exp);
      }
    }
    snapshot_.store(std::shared_ptr<const Snapshot>(std::move(next)));
    earliest_exp_ = earliest;
    cursor_ = std::move(cursor);
  }
  over_capacity_.store(false);
  if (!complete) return false;
  last_success_.store(now);
  return true;
}

bool RevocationFeed::is_revoked(std::string_view jti) const {
  auto s = snapshot_.load(std::memory_order_acquire);
  return s->find(jti) != s->end();
}

bool RevocationFeed::is_critical(std::string_view scope) const {
  for (const auto& s : options_.critical_scopes) {
    if (s == scope) return true;
  }
  return false;
}

bool RevocationFeed::is_fresh() const {
  auto age = last_sync_age();
  return age && *age <= options_.fail_closed_after_seconds;
}

std::optional<int64_t> RevocationFeed::last_sync_age() const {
  const int64_t at = last_success_.load();
  if (at < 0) return std::nullopt;
  return clock_->now() - at;
}

size_t RevocationFeed::size() const { return snapshot_.load()->size(); }

}  // namespace signet::resource
