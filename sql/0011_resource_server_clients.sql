-- The clients that act for a resource server: they may introspect the access
-- tokens issued for its audience (RFC 7662 §4). A deleted client or resource
-- server takes its links with it.
CREATE TABLE resource_server_clients (
  audience  text NOT NULL REFERENCES resource_servers (audience)
              ON DELETE CASCADE ON UPDATE CASCADE,
  client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  PRIMARY KEY (audience, client_id)
);
CREATE INDEX resource_server_clients_client_id_idx ON resource_server_clients (client_id);

-- Every replica keeps the registry in memory (store/resource_cache.h): a change
-- to it, whoever made it (the CLI, SQL by hand), tells every replica to reload
-- (LISTEN signet_resources).
CREATE FUNCTION signet_notify_resource_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('signet_resources', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER resource_servers_notify_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource_servers
FOR EACH STATEMENT EXECUTE FUNCTION signet_notify_resource_change();

CREATE TRIGGER resource_server_clients_notify_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource_server_clients
FOR EACH STATEMENT EXECUTE FUNCTION signet_notify_resource_change();

-- RFC 8707 §2: a resource indicator is an absolute URI, so the demo bank API is
-- registered under its URL (the default SIGNET_AUDIENCE and BANK_API_AUDIENCE),
-- with the scopes of the `bank-api` registration of sql/0005. That row stays:
-- the previous release still reads it during a rolling upgrade (expand only),
-- and tokens whose `aud` is `bank-api` may still be introspected through it.
INSERT INTO resource_servers (audience, name, scopes)
SELECT 'http://127.0.0.1:8081', name, scopes FROM resource_servers WHERE audience = 'bank-api'
ON CONFLICT (audience) DO NOTHING;
