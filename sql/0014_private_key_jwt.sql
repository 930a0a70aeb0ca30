-- private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core §9).
-- A client's method is recorded by its RFC 7591 name; a private_key_jwt client
-- has no secret but public keys: a JWKS inline (jwks) or where to fetch one
-- (jwks_uri), exactly one of the two.
ALTER TABLE clients
  ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT 'client_secret_basic',
  ADD COLUMN jwks jsonb,
  ADD COLUMN jwks_uri text,
  ADD COLUMN token_endpoint_auth_signing_alg text;
UPDATE clients SET token_endpoint_auth_method = 'none' WHERE is_public;

ALTER TABLE clients DROP CONSTRAINT clients_secret_matches_type;
ALTER TABLE clients ADD CONSTRAINT clients_credentials_match_method CHECK (
  CASE token_endpoint_auth_method
    WHEN 'none' THEN is_public AND secret_digest IS NULL AND jwks IS NULL AND jwks_uri IS NULL
    WHEN 'private_key_jwt' THEN NOT is_public AND secret_digest IS NULL
                                AND (jwks IS NULL) <> (jwks_uri IS NULL)
    WHEN 'client_secret_basic' THEN NOT is_public AND secret_digest IS NOT NULL
    WHEN 'client_secret_post' THEN NOT is_public AND secret_digest IS NOT NULL
    ELSE false
  END);
ALTER TABLE clients ADD CONSTRAINT clients_assertion_alg_known
  CHECK (token_endpoint_auth_signing_alg IN ('ES256', 'PS256', 'EdDSA'));

-- Each client assertion's jti is used once until the assertion expires (RFC 7523
-- §3 item 7), on every replica. A replay cache: UNLOGGED, as a crash that loses
-- it reopens only the few minutes an assertion lives.
CREATE UNLOGGED TABLE client_assertion_jtis (
  client_id  text   NOT NULL,
  jti        text   NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertion_jtis_expires_at_idx ON client_assertion_jtis (expires_at);
