-- The audit trail: security events (sign-ins, consents, tokens issued, refresh
-- token reuse, client and key changes), one row each. Never a secret, password,
-- code or token value: identifiers and reasons only. Rows are only ever added.
CREATE TABLE audit_events (
  id             bigserial   PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  event          text        NOT NULL,
  client_id      text,
  subject        text,
  request_id     text,
  client_address text,
  detail         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT audit_events_event_not_empty CHECK (event <> '')
);

-- "What happened to this user / this client / in this request", newest first,
-- and "every event of this kind since ...".
CREATE INDEX audit_events_subject_at ON audit_events (subject, at) WHERE subject IS NOT NULL;
CREATE INDEX audit_events_client_at ON audit_events (client_id, at) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_request_id ON audit_events (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX audit_events_event_at ON audit_events (event, at);
CREATE INDEX audit_events_at ON audit_events (at);
