-- Every replica keeps refresh-token records in memory for introspection
-- (store/refresh_token_cache.h). A revoked family, or a live one deleted with
-- its user or client, tells every replica to drop what it holds
-- (LISTEN signet_revocations), in the transaction that made the change.
-- Rotations are not announced here: a NOTIFY serialises the commits of the
-- transactions that send it, and rotation is the hot path.
CREATE FUNCTION signet_notify_family_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('signet_revocations', 'family:' || NEW.family_id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER refresh_token_families_notify_revoked
AFTER UPDATE OF revoked_at ON refresh_token_families
FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
EXECUTE FUNCTION signet_notify_family_revoked();

-- Deletions come in bulk (the reaper, a deleted user or client): one
-- notification per statement, and none when only expired families went.
CREATE FUNCTION signet_notify_families_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gone WHERE revoked_at IS NULL
             AND expires_at > extract(epoch FROM now())::bigint) THEN
    PERFORM pg_notify('signet_revocations', 'all');
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER refresh_token_families_notify_deleted
AFTER DELETE ON refresh_token_families
REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION signet_notify_families_deleted();
