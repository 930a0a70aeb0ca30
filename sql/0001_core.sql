-- Signet core schema. Every time is an int8 count of seconds since the Unix epoch,
-- as the protocol uses them; secrets are stored only as SHA-256 digests (base64url).

CREATE TABLE clients (
  client_id     text    PRIMARY KEY,
  client_name   text    NOT NULL,
  is_public     boolean NOT NULL,
  secret_digest text,
  redirect_uris text[]  NOT NULL DEFAULT '{}',
  scopes        text[]  NOT NULL DEFAULT '{}',
  grant_types   text[]  NOT NULL,
  created_at    bigint  NOT NULL DEFAULT (extract(epoch FROM now())::bigint),
  -- A confidential client has a secret digest; a public one has none.
  CONSTRAINT clients_secret_matches_type CHECK (is_public = (secret_digest IS NULL)),
  CONSTRAINT clients_grant_types_known
    CHECK (grant_types <@ ARRAY['authorization_code', 'client_credentials']::text[]
           AND cardinality(grant_types) > 0),
  -- client_credentials needs client authentication (RFC 6749 §4.4).
  CONSTRAINT clients_public_no_client_credentials
    CHECK (NOT (is_public AND 'client_credentials' = ANY (grant_types)))
);

CREATE TABLE users (
  subject       uuid   PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text   NOT NULL UNIQUE,
  name          text   NOT NULL DEFAULT '',
  email         text   NOT NULL DEFAULT '',
  password_hash text   NOT NULL,
  created_at    bigint NOT NULL DEFAULT (extract(epoch FROM now())::bigint),
  CONSTRAINT users_username_not_empty CHECK (username <> '')
);

CREATE TABLE scopes (
  name        text PRIMARY KEY,
  description text NOT NULL
);

INSERT INTO scopes (name, description) VALUES
  ('read:accounts', 'Read your accounts and balances'),
  ('read:transactions', 'Read your transactions'),
  ('write:payments', 'Make payments from your accounts')
ON CONFLICT (name) DO NOTHING;

CREATE TABLE authorization_codes (
  code_digest             text   PRIMARY KEY,
  client_id               text   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  redirect_uri            text   NOT NULL,
  subject                 uuid   NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
  scopes                  text[] NOT NULL,
  code_challenge          text   NOT NULL,
  nonce                   text   NOT NULL DEFAULT '',
  auth_time               bigint NOT NULL,
  issued_at               bigint NOT NULL,
  expires_at              bigint NOT NULL,
  used_at                 bigint,
  access_token_jti        text,
  access_token_expires_at bigint,
  -- A used code is kept while the token it issued lives, so that a replay can
  -- still revoke that token (RFC 6749 §4.1.2); the reaper deletes after this.
  reap_after              bigint GENERATED ALWAYS AS
                            (greatest(expires_at, coalesce(access_token_expires_at, expires_at))) STORED,
  CONSTRAINT authorization_codes_used_has_jti
    CHECK ((used_at IS NULL) = (access_token_jti IS NULL))
);
CREATE INDEX authorization_codes_reap_after_idx ON authorization_codes (reap_after);
CREATE INDEX authorization_codes_client_id_idx ON authorization_codes (client_id);
CREATE INDEX authorization_codes_subject_idx ON authorization_codes (subject);

CREATE TABLE revoked_tokens (
  jti        text   PRIMARY KEY,
  revoked_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  reason     text   NOT NULL DEFAULT ''
);
CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at);

CREATE TABLE consents (
  subject    uuid   NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
  client_id  text   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  scopes     text[] NOT NULL,
  granted_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (subject, client_id)
);
CREATE INDEX consents_client_id_idx ON consents (client_id);

CREATE TABLE sessions (
  id_digest  text   PRIMARY KEY,
  subject    uuid   NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
  csrf_token text   NOT NULL,
  auth_time  bigint NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL DEFAULT (extract(epoch FROM now())::bigint)
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_subject_idx ON sessions (subject);

CREATE TABLE signing_keys (
  kid            text   PRIMARY KEY,
  alg            text   NOT NULL CHECK (alg IN ('ES256', 'RS256')),
  state          text   NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  public_jwk     jsonb  NOT NULL,
  sealed_private text   NOT NULL,
  created_at     bigint NOT NULL,
  activated_at   bigint,
  retired_at     bigint,
  CONSTRAINT signing_keys_active_has_time CHECK (state <> 'active' OR activated_at IS NOT NULL)
);
-- At most one active key per algorithm, whatever the number of replicas.
CREATE UNIQUE INDEX signing_keys_one_active_per_alg ON signing_keys (alg) WHERE state = 'active';
CREATE INDEX signing_keys_state_idx ON signing_keys (state);
