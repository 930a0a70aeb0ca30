-- Failed sign-ins per account (RFC 6819 §4.4.3.6): one row per username that
-- failed recently, shared by every replica so that the lockout holds whichever
-- replica an attempt reaches. Known and unknown usernames alike (no user
-- enumeration through throttling), keyed by a digest of the username as typed:
-- a password typed into the username field is never stored in clear.
CREATE TABLE login_failures (
  account_digest text    PRIMARY KEY,
  failures       integer NOT NULL DEFAULT 0,
  window_start   bigint  NOT NULL DEFAULT 0,
  locked_until   bigint  NOT NULL DEFAULT 0,
  -- When the row stops mattering (window over, lockout over): reaped after it.
  expires_at     bigint  NOT NULL DEFAULT 0
);

CREATE INDEX login_failures_expires_at ON login_failures (expires_at);
