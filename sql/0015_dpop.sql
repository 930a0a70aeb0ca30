-- DPoP (RFC 9449). A code bound to a key (dpop_jkt at /authorize, or a proof at
-- /par, §10) keeps the key's thumbprint; a client registered with
-- dpop_bound_access_tokens gets only DPoP-bound access tokens (§5.2).
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt text;
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false;

-- Each proof's jti is used once per key (§11.1), on every replica, while its iat is
-- in the accepted window. A replay cache: UNLOGGED (see client_assertion_jtis).
CREATE UNLOGGED TABLE dpop_proof_jtis (
  jkt        text   NOT NULL,
  jti        text   NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (jkt, jti)
);
CREATE INDEX dpop_proof_jtis_expires_at_idx ON dpop_proof_jtis (expires_at);
