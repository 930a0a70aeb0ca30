-- OpenID Connect sid (RP-Initiated Logout 1.0 §2): an authorization code carries
-- the sid of the session that approved it, so that its ID token names that
-- session and /logout can tell a hint of the current session from an older one.
-- NULL for codes minted before this column existed (their ID tokens have no sid).
ALTER TABLE authorization_codes ADD COLUMN sid text;
