#include "protocol/throttle.h"

#include <algorithm>
#include <cmath>

#include "common/crypto.h"

namespace signet::protocol {

int64_t LockoutRule::wait(const AccountFailures& s, int64_t now) const {
  if (!enabled() || s.locked_until <= now) return 0;
  return s.locked_until - now;
}

AccountFailures LockoutRule::after_failure(AccountFailures s, int64_t now) const {
  if (!enabled()) return s;
  if (s.failures == 0 || now >= s.window_start + window || now < s.window_start) {
    s.failures = 0;
    s.window_start = now;
  }
  s.failures += 1;
  if (s.failures >= max_failures) {
    s.locked_until = now + lockout;
    s.failures = 0;
    s.window_start = now;
  }
  return s;
}

int64_t LockoutRule::expires_at(const AccountFailures& s) const {
  return std::max(s.locked_until, s.window_start + window);
}

std::string account_key(std::string_view username) { return sha256_b64url(username); }

// --- AddressFailureLimit ------------------------------------------------------

int64_t AddressFailureLimit::wait_for(const Count& c, int64_t now) const {
  const int64_t end = c.window_start + window_;
  if (c.failures < max_ || now >= end) return 0;
  return end - now;
}

int64_t AddressFailureLimit::wait(std::string_view address) {
  if (!enabled()) return 0;
  const int64_t now = clock_.now();
  return counts_.peek(address, [&](const Count* c) { return c ? wait_for(*c, now) : 0; });
}

int64_t AddressFailureLimit::record_failure(std::string_view address) {
  if (!enabled()) return 0;
  const int64_t now = clock_.now();
  return counts_.with(address, [&](Count& c, auto& map) {
    if (c.failures == 0 || now >= c.window_start + window_ || now < c.window_start) {
      c.failures = 0;
      c.window_start = now;
    }
    c.failures += 1;
    const int64_t wait = wait_for(c, now);
    if (map.size() > bound_) {
      // Sweep the counts of past windows; if the shard is still over its bound,
      // the oldest windows go (a flood from many addresses forgets the oldest,
      // never the address being counted now).
      for (auto it = map.begin(); it != map.end();) {
        if (&it->second != &c && now >= it->second.window_start + window_) {
          it = map.erase(it);
        } else {
          ++it;
        }
      }
      while (map.size() > bound_) {
        auto oldest = map.end();
        for (auto it = map.begin(); it != map.end(); ++it) {
          if (&it->second == &c) continue;
          if (oldest == map.end() || it->second.window_start < oldest->second.window_start) {
            oldest = it;
          }
        }
        if (oldest == map.end()) break;
        map.erase(oldest);
      }
    }
    return wait;
  });
}

// --- ClientRateLimit ----------------------------------------------------------

int64_t ClientRateLimit::admit(std::string_view client_id) {
  if (!enabled()) return 0;
  const int64_t now = clock_.now_micros();
  return buckets_.with(client_id, [&](Bucket& b, auto&) -> int64_t {
    if (b.tokens < 0) {
      b.tokens = burst_;
    } else if (now > b.last) {
      b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.last) * rate_ / 1e6);
    }
    b.last = std::max(b.last, now);
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return 0;
    }
    // Whole seconds (Retry-After has no fractions), at least 1.
    const double seconds = (1.0 - b.tokens) / rate_;
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds)));
  });
}

void ClientRateLimit::refund(std::string_view client_id) {
  if (!enabled()) return;
  buckets_.with(client_id, [&](Bucket& b, auto&) {
    if (b.tokens >= 0) b.tokens = std::min(burst_, b.tokens + 1.0);
  });
}

// --- LoginThrottle ------------------------------------------------------------

StoreResult<std::optional<ThrottleRefusal>> LoginThrottle::before_attempt(
    std::string_view username, std::string_view address) {
  int64_t account_wait = 0;
  if (accounts_enabled()) {
    auto state = accounts_->failures(account_key(username));
    if (!state) return fail(std::move(state.error()));
    account_wait = rule_.wait(*state, clock_.now());
  }
  if (account_wait > 0)
    return std::optional<ThrottleRefusal>(ThrottleRefusal{"account", account_wait});
  if (int64_t w = addresses_.wait(address)) {
    return std::optional<ThrottleRefusal>(ThrottleRefusal{"address", w});
  }
  return std::optional<ThrottleRefusal>();
}

StoreResult<std::optional<ThrottleRefusal>> LoginThrottle::after_failure(std::string_view username,
                                                                         std::string_view address) {
  const int64_t now = clock_.now();
  int64_t account_wait = 0;
  if (accounts_enabled()) {
    auto state = accounts_->record_failure(account_key(username), rule_, now);
    if (!state) return fail(std::move(state.error()));
    account_wait = rule_.wait(*state, now);
  }
  const int64_t address_wait = addresses_.record_failure(address);
  if (account_wait > 0)
    return std::optional<ThrottleRefusal>(ThrottleRefusal{"account", account_wait});
  if (address_wait > 0)
    return std::optional<ThrottleRefusal>(ThrottleRefusal{"address", address_wait});
  return std::optional<ThrottleRefusal>();
}

StoreResult<Ok> LoginThrottle::after_success(std::string_view username) {
  if (!accounts_enabled()) return Ok{};
  return accounts_->clear(account_key(username));
}

}  // namespace signet::protocol
