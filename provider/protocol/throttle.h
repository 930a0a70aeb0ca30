// Throttling: online password guessing at /login (RFC 6819 §4.4.3.6, OWASP
// Authentication Cheat Sheet "Account Lockout"), client-secret guessing and
// request floods at /token (RFC 6585 §4: 429 Too Many Requests). The rules are
// pure and take an injected clock; the per-account count lives behind
// AccountFailureStore so that every replica sees the same count.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "protocol/error.h"
#include "protocol/stores.h"

namespace signet::protocol {

// A refusal: which limit applied ("account", "address", "client") and the
// seconds to wait (Retry-After, RFC 9110 §10.2.3), at least 1.
struct ThrottleRefusal {
  const char* limit = "";
  int64_t retry_after = 1;
};

// ---------------------------------------------------------------------------
// Per account: failed sign-ins of one username.

struct AccountFailures {
  int64_t failures = 0;      // failures counted in the current window
  int64_t window_start = 0;  // when the first of them happened
  int64_t locked_until = 0;  // refused before this time (0: not locked)
};

// After `max_failures` failures within `window` seconds the account is locked
// for `lockout` seconds. Fixed, not exponential: an attacker who knows a
// username can then keep it locked only by spending max_failures guesses every
// lockout period, and never for days with a few requests, while guessing stays
// capped at max_failures per lockout period (5 per 15 min by default: about 480
// guesses a day, against a password policy that assumes an online attacker
// gets far fewer than the 10^6 needed; NIST SP 800-63B §5.2.2 allows at most 100
// consecutive failures). The user gets a plain "try again in N minutes".
struct LockoutRule {
  int64_t max_failures = 5;  // 0: no account lockout
  int64_t window = 900;      // seconds
  int64_t lockout = 900;     // seconds

  bool enabled() const { return max_failures > 0; }
  // Seconds until the account may try again; 0 when it may now.
  int64_t wait(const AccountFailures& state, int64_t now) const;
  // The state after one more failure at `now`. The failure that reaches
  // max_failures starts the lockout and a fresh count.
  AccountFailures after_failure(AccountFailures state, int64_t now) const;
  // When the state stops mattering (a store may delete it after this time).
  int64_t expires_at(const AccountFailures& state) const;
};

// The shared count (PostgreSQL in production). Keys are account_key(username).
class AccountFailureStore {
 public:
  virtual ~AccountFailureStore() = default;
  virtual StoreResult<AccountFailures> failures(std::string_view account_key) = 0;
  // Applies rule.after_failure atomically (replicas may record at once); returns the new state.
  virtual StoreResult<AccountFailures> record_failure(std::string_view account_key,
                                                      const LockoutRule& rule, int64_t now) = 0;
  virtual StoreResult<Ok> clear(std::string_view account_key) = 0;
};

// The key of a username: a digest, so that a password typed into the username
// field is never stored. Known and unknown usernames are keyed alike.
std::string account_key(std::string_view username);

// ---------------------------------------------------------------------------
// Lock-sharded maps for the in-memory limits: a lookup locks one of kShards
// mutexes, so requests for different keys rarely wait on each other.

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class V>
class ShardedMap {
 public:
  static constexpr size_t kShards = 32;
  using Map = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  // Runs f(V&, Map&) under the key's shard lock; the entry is created (V{}) when
  // absent. Only the first request of a key allocates.
  template <class F>
  auto with(std::string_view key, F&& f) {
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) it = shard.map.emplace(std::string(key), V{}).first;
    return f(it->second, shard.map);
  }
  // Runs f(const V*) under the lock, nullptr when the key is absent (nothing created).
  template <class F>
  auto peek(std::string_view key, F&& f) {
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    return f(it == shard.map.end() ? nullptr : &it->second);
  }
  size_t size() {
    size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      n += s.map.size();
    }
    return n;
  }

 private:
  struct alignas(64) Shard {
    std::mutex mu;
    Map map;
  };
  Shard& shard_of(std::string_view key) { return shards_[StringHash{}(key) % kShards]; }
  Shard shards_[kShards];
};

// ---------------------------------------------------------------------------
// Per client address: at most `max_failures` failures in a fixed window of
// `window` seconds, then refused until the window ends. In memory, per replica.
// Entries of past windows are swept when a shard grows past its bound, so a
// spray from many addresses cannot grow memory without limit.

class AddressFailureLimit {
 public:
  AddressFailureLimit(int64_t max_failures, int64_t window, const Clock& clock,
                      size_t max_entries_per_shard = 4096)
      : max_(max_failures), window_(window), clock_(clock), bound_(max_entries_per_shard) {}

  bool enabled() const { return max_ > 0; }
  // Seconds until `address` may try again; 0 when it may now.
  int64_t wait(std::string_view address);
  // Counts a failure; returns the wait that now applies (0 if none).
  int64_t record_failure(std::string_view address);
  size_t tracked() { return counts_.size(); }

 private:
  struct Count {
    int64_t failures = 0;
    int64_t window_start = 0;
  };
  int64_t wait_for(const Count& c, int64_t now) const;

  const int64_t max_;
  const int64_t window_;
  const Clock& clock_;
  const size_t bound_;
  ShardedMap<Count> counts_;
};

// ---------------------------------------------------------------------------
// Per authenticated client at /token: a token bucket of `burst` requests,
// refilled at `rate` per second. Cheap enough for the I/O thread: one shard
// lock, no allocation after a client's first request, no sleeping, no database.

// Microseconds from a monotonic source (the bucket needs finer time than Clock).
class MicroClock {
 public:
  virtual ~MicroClock() = default;
  virtual int64_t now_micros() const = 0;
};

class SteadyMicroClock final : public MicroClock {
 public:
  int64_t now_micros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class ClientRateLimit {
 public:
  ClientRateLimit(int64_t rate_per_second, int64_t burst, const MicroClock& clock)
      : rate_(static_cast<double>(rate_per_second)),
        burst_(static_cast<double>(burst < 1 ? 1 : burst)),
        clock_(clock) {}

  bool enabled() const { return rate_ > 0; }
  // Takes one request from the client's bucket: 0 when admitted, else the
  // seconds after which one will be (nothing taken).
  int64_t admit(std::string_view client_id);
  // Gives back a request that was admitted but not served (it is retried elsewhere).
  void refund(std::string_view client_id);

 private:
  struct Bucket {
    double tokens = -1;  // < 0: new, starts full
    int64_t last = 0;    // micros
  };
  const double rate_;
  const double burst_;
  const MicroClock& clock_;
  ShardedMap<Bucket> buckets_;
};

// ---------------------------------------------------------------------------
// The sign-in rules together: account lockout (shared) and address limit (local).

class LoginThrottle {
 public:
  // `accounts` may be null when the rule is disabled.
  LoginThrottle(LockoutRule rule, AccountFailureStore* accounts, int64_t max_failures_per_address,
                const Clock& clock)
      : rule_(rule),
        accounts_(accounts),
        addresses_(max_failures_per_address, rule.window, clock),
        clock_(clock) {}

  // Before the password is checked: a refusal means no verification at all.
  StoreResult<std::optional<ThrottleRefusal>> before_attempt(std::string_view username,
                                                             std::string_view address);
  // After a wrong password (or an unknown username): counts it; a refusal
  // when this failure started a lockout.
  StoreResult<std::optional<ThrottleRefusal>> after_failure(std::string_view username,
                                                            std::string_view address);
  // After a correct password: the account's count starts again. The address
  // count is kept (one valid account must not reset an attacker's address).
  StoreResult<Ok> after_success(std::string_view username);

 private:
  bool accounts_enabled() const { return rule_.enabled() && accounts_ != nullptr; }
  LockoutRule rule_;
  AccountFailureStore* accounts_;
  AddressFailureLimit addresses_;
  const Clock& clock_;
};

// What http/ uses; null members are limits turned off.
struct Throttles {
  LoginThrottle* login = nullptr;
  AddressFailureLimit* client_auth_failures = nullptr;  // failed client authentication, per address
};

}  // namespace signet::protocol
