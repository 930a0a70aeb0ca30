-- Pushed Authorization Requests (RFC 9126). A pushed request is kept by the
-- digest of its request_uri, never the URI itself, with the authorization
-- request's parameters as a JSON object of strings. It is spent (spent_at) by
-- the transaction that issues its code, or when the authorization ends in a
-- refusal; the reaper deletes it once expired.
CREATE TABLE pushed_authorization_requests (
  request_uri_digest text   PRIMARY KEY,
  client_id          text   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  params             jsonb  NOT NULL,
  expires_at         bigint NOT NULL,
  spent_at           bigint
);
CREATE INDEX pushed_authorization_requests_expires_at_idx
  ON pushed_authorization_requests (expires_at);
CREATE INDEX pushed_authorization_requests_client_id_idx
  ON pushed_authorization_requests (client_id);

-- RFC 9126 §6: a client whose authorization requests must all be pushed.
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests boolean NOT NULL DEFAULT false;
