-- RFC 8707: a refresh-token grant keeps the resource its code was for, so that
-- refreshed access tokens carry the same audience.
ALTER TABLE refresh_token_families ADD COLUMN resource text NOT NULL DEFAULT '';
