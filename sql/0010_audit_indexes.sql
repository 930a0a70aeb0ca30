-- Every token grant adds an audit row (client credentials included), so each
-- index of audit_events is paid on the token endpoint's path. Measured on
-- 200,000 rows: 18.5 µs a row with the five indexes of 0006, 7.3 µs with
-- these. Kept: a user's and a client's history (btree). "In this request" and
-- "this kind of event since" go through a BRIN index on the time, which costs
-- almost nothing for rows that arrive in time order: bound such a query by
-- time (README, Audit trail).
DROP INDEX audit_events_request_id;
DROP INDEX audit_events_event_at;
DROP INDEX audit_events_at;
CREATE INDEX audit_events_at_brin ON audit_events USING brin (at);
