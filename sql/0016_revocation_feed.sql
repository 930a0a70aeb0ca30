-- The revocation feed (POST /revocations): resource servers follow the list of
-- revoked access tokens so that a revoked token is refused within seconds,
-- not at its expiry.
--
-- The feed's cursor is the id of the transaction that wrote a row (xid8). A
-- bigserial alone is not safe: a transaction holding number 10 may commit after
-- a reader already saw 11 and moved past 10. Here a reader is only handed rows
-- whose xid is below the xmin of its own snapshot: every transaction below xmin
-- has ended, so no row can later appear below the cursor (transactional
-- outbox). Existing rows get this migration's xid: a follower starting from
-- zero reads them all.
ALTER TABLE revoked_tokens ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX revoked_tokens_xid_idx ON revoked_tokens (xid, jti);

-- A deleted client or user takes the access tokens of its grants with it, in
-- the transaction that deleted it, whoever deletes (the CLI, SQL by hand).
-- Tokens of the client-credentials grant are not listed in
-- issued_access_tokens and expire on their own (short lifetime).
CREATE FUNCTION signet_revoke_deleted_client_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason)
  SELECT a.jti, extract(epoch FROM now())::bigint, a.expires_at, 'client_deleted'
  FROM issued_access_tokens a JOIN gone g ON g.client_id = a.client_id
  WHERE a.expires_at > extract(epoch FROM now())::bigint
  ON CONFLICT (jti) DO NOTHING;
  RETURN NULL;
END;
$$;

CREATE TRIGGER clients_revoke_tokens_on_delete
AFTER DELETE ON clients
REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION signet_revoke_deleted_client_tokens();

CREATE FUNCTION signet_revoke_deleted_user_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason)
  SELECT a.jti, extract(epoch FROM now())::bigint, a.expires_at, 'user_deleted'
  FROM issued_access_tokens a JOIN gone g ON g.subject = a.subject
  WHERE a.expires_at > extract(epoch FROM now())::bigint
  ON CONFLICT (jti) DO NOTHING;
  RETURN NULL;
END;
$$;

CREATE TRIGGER users_revoke_tokens_on_delete
AFTER DELETE ON users
REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION signet_revoke_deleted_user_tokens();
