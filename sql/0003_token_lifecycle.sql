-- Token lifecycle: refresh tokens with rotation and reuse detection (RFC 6749 §6,
-- RFC 9700 §4.14), a record of issued access tokens (so that revoking a grant
-- reaches them through introspection), and the refresh_token grant for clients.

ALTER TABLE clients DROP CONSTRAINT clients_grant_types_known;
ALTER TABLE clients ADD CONSTRAINT clients_grant_types_known
  CHECK (grant_types <@ ARRAY['authorization_code', 'client_credentials', 'refresh_token']::text[]
         AND cardinality(grant_types) > 0);

-- One family per authorization grant (one code redemption); every rotation adds
-- a token to it. Revoking the family ends every token in it.
CREATE TABLE refresh_token_families (
  family_id      text   PRIMARY KEY,
  client_id      text   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  subject        uuid   NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
  scopes         text[] NOT NULL,  -- what the grant covers: a refresh may narrow, never widen
  code_digest    text,             -- the code that started it (a replay revokes the family)
  created_at     bigint NOT NULL,
  expires_at     bigint NOT NULL,  -- absolute limit: no rotation extends it
  revoked_at     bigint,
  revoked_reason text
);
CREATE INDEX refresh_token_families_subject_client_idx
  ON refresh_token_families (subject, client_id);
CREATE INDEX refresh_token_families_code_digest_idx ON refresh_token_families (code_digest);
CREATE INDEX refresh_token_families_expires_at_idx ON refresh_token_families (expires_at);

-- Refresh tokens, stored only as SHA-256 digests. A used token stays (used_at set)
-- so that its reuse is recognised and revokes the family.
CREATE TABLE refresh_tokens (
  token_digest text   PRIMARY KEY,
  family_id    text   NOT NULL REFERENCES refresh_token_families (family_id) ON DELETE CASCADE,
  scopes       text[] NOT NULL,
  issued_at    bigint NOT NULL,
  expires_at   bigint NOT NULL,  -- sliding expiry
  used_at      bigint
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);

-- Access tokens issued to a user's grant (code and refresh grants), so that
-- revoking a family or a consent can list them into revoked_tokens.
CREATE TABLE issued_access_tokens (
  jti        text   PRIMARY KEY,
  subject    uuid   NOT NULL,
  client_id  text   NOT NULL,
  family_id  text,
  expires_at bigint NOT NULL
);
CREATE INDEX issued_access_tokens_subject_client_idx
  ON issued_access_tokens (subject, client_id);
CREATE INDEX issued_access_tokens_family_id_idx ON issued_access_tokens (family_id);
CREATE INDEX issued_access_tokens_expires_at_idx ON issued_access_tokens (expires_at);
