-- OpenID Connect Core 1.0: the OIDC scopes, per-client ID token algorithm and
-- post-logout redirect URIs (RP-Initiated Logout 1.0), and email_verified.

INSERT INTO scopes (name, description) VALUES
  ('openid', 'Confirm your identity (sign you in)'),
  ('profile', 'See your name and username'),
  ('email', 'See your email address'),
  ('offline_access', 'Keep access while you are not using the app')
ON CONFLICT (name) DO NOTHING;

-- id_token_signed_response_alg (OIDC Dynamic Client Registration §2): RS256 is
-- the default that every relying party supports.
ALTER TABLE clients
  ADD COLUMN id_token_signed_response_alg text NOT NULL DEFAULT 'RS256'
    CONSTRAINT clients_id_token_alg_known CHECK (id_token_signed_response_alg IN ('RS256', 'ES256')),
  ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}';

ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
