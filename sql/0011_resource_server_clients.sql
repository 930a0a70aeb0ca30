-- RFC 8707 §2: a resource indicator is an absolute URI, so the demo bank API is
-- registered under its URL (the default SIGNET_AUDIENCE and BANK_API_AUDIENCE),
-- with the scopes of the `bank-api` registration of sql/0005. That row stays:
-- the previous release still reads it during a rolling upgrade (expand only).
INSERT INTO resource_servers (audience, name, scopes)
SELECT 'http://127.0.0.1:8081', name, scopes FROM resource_servers WHERE audience = 'bank-api'
ON CONFLICT (audience) DO NOTHING;
