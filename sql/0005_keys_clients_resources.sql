-- Key rotation, client administration and resource indicators (RFC 8707).

-- Every change to the signing keys tells every signet replica to reload its key
-- ring (LISTEN signet_keys), whoever made it: a replica promoting a key, the CLI.
CREATE FUNCTION signet_notify_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('signet_keys', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER signing_keys_notify_change
AFTER INSERT OR UPDATE OR DELETE ON signing_keys
FOR EACH STATEMENT EXECUTE FUNCTION signet_notify_key_change();

-- A per-client access token lifetime; NULL: the server's SIGNET_ACCESS_TOKEN_TTL.
ALTER TABLE clients ADD COLUMN access_token_ttl integer
  CONSTRAINT clients_access_token_ttl_range CHECK (access_token_ttl BETWEEN 1 AND 86400);

-- The resource servers that access tokens may be issued for (RFC 8707): `aud`
-- is the audience, the scopes are the ones the resource server owns.
CREATE TABLE resource_servers (
  audience   text   PRIMARY KEY,
  name       text   NOT NULL,
  scopes     text[] NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL DEFAULT (extract(epoch FROM now())::bigint),
  CONSTRAINT resource_servers_audience_not_empty CHECK (audience <> '')
);

INSERT INTO resource_servers (audience, name, scopes) VALUES
  ('bank-api', 'Bank API', ARRAY['read:accounts', 'read:transactions', 'write:payments'])
ON CONFLICT (audience) DO NOTHING;

-- The resource an authorization request named, carried with its code to /token.
ALTER TABLE authorization_codes ADD COLUMN resource text;
