-- Grants (FAPI Grant Management for OAuth 2.0) and Rich Authorization Requests
-- (RFC 9396). A grant is what one customer allowed one client: scopes and
-- typed authorization details. Codes, refresh-token families and access tokens
-- name the grant they were issued under, so that ending a grant (DELETE
-- /grants/{id}, the connected-apps page) reaches every token of it and nothing
-- else.
--
-- Expand only: every column added here is nullable or has a default, so the
-- previous release keeps working against this schema.

CREATE TABLE grants (
  grant_id              text   PRIMARY KEY,
  subject               uuid   NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
  client_id             text   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  scopes                text[] NOT NULL DEFAULT '{}',
  authorization_details jsonb  NOT NULL DEFAULT '[]',
  -- The grant of plain scopes a returning customer's authorizations add to
  -- (one per customer and client); a grant with authorization details, or one
  -- asked for with grant_management_action=create, is never standing.
  standing              boolean NOT NULL DEFAULT false,
  created_at            bigint NOT NULL,
  updated_at            bigint NOT NULL,
  CONSTRAINT grants_details_is_array CHECK (jsonb_typeof(authorization_details) = 'array')
);
CREATE INDEX grants_subject_client_idx ON grants (subject, client_id);
CREATE INDEX grants_client_id_idx ON grants (client_id);
CREATE UNIQUE INDEX grants_one_standing ON grants (subject, client_id) WHERE standing;

-- Every existing consent becomes its standing grant.
INSERT INTO grants (grant_id, subject, client_id, scopes, standing, created_at, updated_at)
SELECT replace(gen_random_uuid()::text, '-', ''), subject, client_id, scopes, true,
       granted_at, updated_at
FROM consents;

-- The grant a code was issued under, and what it authorizes (RFC 9396 §7: the
-- details the customer approved, with her choice of accounts). The code goes
-- with its grant.
ALTER TABLE authorization_codes
  ADD COLUMN grant_id text REFERENCES grants (grant_id) ON DELETE CASCADE,
  ADD COLUMN authorization_details jsonb NOT NULL DEFAULT '[]';
CREATE INDEX authorization_codes_grant_id_idx ON authorization_codes (grant_id);

-- A refresh keeps the details of the code it started from (RFC 9396 §6).
ALTER TABLE refresh_token_families
  ADD COLUMN grant_id text,
  ADD COLUMN authorization_details jsonb NOT NULL DEFAULT '[]';
CREATE INDEX refresh_token_families_grant_id_idx ON refresh_token_families (grant_id);

ALTER TABLE issued_access_tokens ADD COLUMN grant_id text;
CREATE INDEX issued_access_tokens_grant_id_idx ON issued_access_tokens (grant_id);

-- RFC 9396 §10: the types of authorization details a client may ask for
-- (client metadata authorization_details_types); empty: none.
ALTER TABLE clients ADD COLUMN authorization_details_types text[] NOT NULL DEFAULT '{}';

-- The scopes of the grant management API (Grant Management §5).
INSERT INTO scopes (name, description) VALUES
  ('grant_management_query', 'See what you allowed this app'),
  ('grant_management_revoke', 'End what you allowed this app')
ON CONFLICT (name) DO NOTHING;

-- Ending a grant, whoever deletes it, in the same transaction: its refresh
-- families are revoked and its live access tokens listed as revoked (so the
-- revocation feed carries them to resource servers).
CREATE FUNCTION signet_end_deleted_grants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  now_s bigint := extract(epoch FROM now())::bigint;
BEGIN
  UPDATE refresh_token_families f SET revoked_at = now_s, revoked_reason = 'grant_ended'
  FROM gone g WHERE f.grant_id = g.grant_id AND f.revoked_at IS NULL;
  INSERT INTO revoked_tokens (jti, revoked_at, expires_at, reason)
  SELECT a.jti, now_s, a.expires_at, 'grant_ended'
  FROM issued_access_tokens a
  WHERE a.expires_at > now_s
    AND (a.grant_id IN (SELECT grant_id FROM gone)
         OR a.family_id IN (SELECT f.family_id FROM refresh_token_families f
                            JOIN gone g ON g.grant_id = f.grant_id))
  ON CONFLICT (jti) DO NOTHING;
  -- A standing grant ended: the next authorization asks the customer again.
  DELETE FROM consents c USING gone g
  WHERE g.standing AND c.subject = g.subject AND c.client_id = g.client_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER grants_end_tokens_on_delete
AFTER DELETE ON grants
REFERENCING OLD TABLE AS gone
FOR EACH STATEMENT EXECUTE FUNCTION signet_end_deleted_grants();
