// Following Signet's revocation feed (POST {issuer}/revocations): a background
// thread keeps the jtis of revoked, still unexpired access tokens in memory, so
// that TokenVerifier refuses a revoked token within a poll interval instead of
// at its expiry. The per-request check is one hash lookup in an immutable
// snapshot that the follower swaps in (RCU style): readers take no lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace signet::resource {

struct RevocationFeedOptions {
  std::string url;            // the feed, e.g. {issuer}/revocations
  std::string resource;       // this API's audience: the client must act for it
  std::string client_id;      // a confidential client linked to that resource server
  std::string client_secret;  // sent with client_secret_basic (RFC 6749 §2.3.1)
  int64_t poll_interval_ms = 1000;
  // Longer than this without a successful sync, requests needing a critical
  // scope are refused (503 temporarily_unavailable); other scopes keep working.
  // Before the first successful sync the feed counts as not synced.
  int64_t fail_closed_after_seconds = 30;
  std::vector<std::string> critical_scopes;
  // The most revoked, unexpired tokens kept. A feed that would exceed it is not
  // taken in: the follower stops advancing and counts as not synced (so critical
  // scopes fail closed after the bound) until entries expire. Never forgets an
  // unexpired revocation to make room.
  size_t max_entries = 1000000;
  // An entry is kept this long past its token's exp: at least the verifier's
  // leeway, during which it still accepts the token.
  int64_t expiry_leeway_seconds = 60;
};

// POSTs a form body with an Authorization header; returns the body of a 200.
using HttpPost = std::function<Result<std::string>(
    const std::string& url, const std::string& form_body, const std::string& authorization)>;

// The default HttpPost (libcurl): same bounds as the JWKS fetch.
HttpPost default_http_post();

class RevocationFeed {
 public:
  explicit RevocationFeed(RevocationFeedOptions options, HttpPost post = {},
                          std::shared_ptr<const Clock> clock = {});
  ~RevocationFeed();  // stops the thread
  RevocationFeed(const RevocationFeed&) = delete;
  RevocationFeed& operator=(const RevocationFeed&) = delete;

  // Starts polling every poll_interval_ms in a background thread.
  void start();
  void stop();

  // Reads the feed until it says it is complete (bounded number of pages), then
  // drops expired entries. False when a page failed or the cap was reached.
  bool poll_once();

  // O(1), lock-free for readers.
  bool is_revoked(std::string_view jti) const;

  // A scope whose requests fail closed while the feed is stale.
  bool is_critical(std::string_view scope) const;
  // Synced successfully within fail_closed_after_seconds.
  bool is_fresh() const;
  // Seconds since the last successful sync; nullopt before the first.
  std::optional<int64_t> last_sync_age() const;
  size_t size() const;
  bool over_capacity() const { return over_capacity_.load(); }

 private:
  // Looked up by string_view: no allocation per request.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Snapshot = std::unordered_map<std::string, int64_t, Hash, std::equal_to<>>;  // jti -> exp
  void run();

  RevocationFeedOptions options_;
  HttpPost post_;
  std::shared_ptr<const Clock> clock_;
  std::string authorization_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::atomic<int64_t> last_success_{-1};
  std::atomic<bool> over_capacity_{false};
  // Only under poll_mu_: where the next read starts, and the earliest exp held.
  std::string cursor_;
  int64_t earliest_exp_ = std::numeric_limits<int64_t>::max();
  std::mutex poll_mu_;  // one poll at a time (tests may call poll_once too)

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace signet::resource
