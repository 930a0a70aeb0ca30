-- Grows a Signet database for the growth benchmark (tests/bench/run --growth): users,
-- consents, refresh-token families and refresh tokens with the real columns of
-- sql/0001_core.sql and sql/0003_token_lifecycle.sql, in a few big INSERT ... SELECT
-- generate_series statements. Additive: rows are numbered, and a run adds the rows
-- numbered from the *_from variable (exclusive) to the *_to one (inclusive), so the
-- database can be grown in steps (10k, then 10M). Seeded rows never touch the
-- benchmark's own user and clients.
--
--   psql -v users_from=0 -v users_to=1000000 -v tokens_from=0 -v tokens_to=10000000 \
--        -v expired=25000 -f tests/bench/seed_growth.sql
--
-- users_*:  users growth-user-N (subject md5-derived, a placeholder password hash that
--           no password matches), and one consent per user for each of the 3 seeded
--           clients growth-client-1..3.
-- tokens_*: refresh tokens; every 10 consecutive tokens form one family (one code
--           redemption rotated 9 times: 9 used, the last live), owned by a seeded
--           user and client. token_digest is base64 of SHA-256 of a numbered string:
--           unique, random-looking, the same length as Signet's digests.
-- expired:  families already past their absolute expiry (expires_at an hour ago), 4
--           tokens each, ids "expired-N" (numbered from 1 on every run: give it once):
--           what the reaper (every 60 s, 10,000 families per pass) must delete.
--
-- The FK checks (row triggers) are skipped with session_replication_role = replica
-- (rows are consistent by construction), and the refresh_tokens indexes are
-- dropped and rebuilt around the big insert: a sorted build is much faster than
-- 10M random-order btree insertions. Needs a superuser (the benchmark's cluster).
\set ON_ERROR_STOP on
\timing on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET session_replication_role = replica;

SELECT extract(epoch FROM now())::bigint AS now_s \gset

INSERT INTO clients (client_id, client_name, is_public, secret_digest, redirect_uris, scopes, grant_types)
SELECT 'growth-client-' || c, 'Growth client ' || c, false, 'seeded-not-a-secret',
       ARRAY['http://127.0.0.1:9/growth'], ARRAY['read:accounts', 'read:transactions'],
       ARRAY['authorization_code', 'refresh_token']
FROM generate_series(1, 3) AS c
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO users (subject, username, name, email, password_hash, created_at)
SELECT md5('growth-user-' || i)::uuid, 'growth-user-' || i, 'Growth User ' || i,
       'growth-user-' || i || '@example.com', '$argon2id$v=19$m=65536,t=3,p=1$seeded$seeded', :now_s
FROM generate_series(:users_from + 1, :users_to) AS i;

INSERT INTO consents (subject, client_id, scopes, granted_at, updated_at)
SELECT md5('growth-user-' || i)::uuid, 'growth-client-' || c,
       ARRAY['read:accounts', 'read:transactions'], :now_s, :now_s
FROM generate_series(:users_from + 1, :users_to) AS i, generate_series(1, 3) AS c;

-- Families: token n belongs to family (n - 1) / 10 + 1; users are reused round-robin.
SELECT count(*) AS n_users FROM users WHERE username LIKE 'growth-user-%' \gset
INSERT INTO refresh_token_families (family_id, client_id, subject, scopes, code_digest, created_at, expires_at)
SELECT 'growth-' || f, 'growth-client-' || (f % 3 + 1), md5('growth-user-' || (f % :n_users + 1))::uuid,
       ARRAY['read:accounts', 'read:transactions'],
       encode(sha256(('growth-code-' || f)::bytea), 'base64'), :now_s - 3600, :now_s + 7776000
FROM generate_series(:tokens_from / 10 + 1, (:tokens_to + 9) / 10) AS f;

ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_pkey;
DROP INDEX refresh_tokens_family_id_idx;
INSERT INTO refresh_tokens (token_digest, family_id, scopes, issued_at, expires_at, used_at)
SELECT encode(sha256(('growth-refresh-' || n)::bytea), 'base64'), 'growth-' || ((n - 1) / 10 + 1),
       ARRAY['read:accounts', 'read:transactions'], :now_s - 3600 + n % 10, :now_s + 1209600,
       CASE WHEN n % 10 = 0 THEN NULL ELSE :now_s - 3600 + n % 10 END
FROM generate_series(:tokens_from + 1, :tokens_to) AS n;

-- Already-expired families for the reaper.
INSERT INTO refresh_token_families (family_id, client_id, subject, scopes, code_digest, created_at, expires_at)
SELECT 'expired-' || f, 'growth-client-' || (f % 3 + 1), md5('growth-user-' || (f % :n_users + 1))::uuid,
       ARRAY['read:accounts'], NULL, :now_s - 7776000, :now_s - 3600
FROM generate_series(1, :expired) AS f;
INSERT INTO refresh_tokens (token_digest, family_id, scopes, issued_at, expires_at, used_at)
SELECT encode(sha256(('expired-refresh-' || n)::bytea), 'base64'), 'expired-' || ((n - 1) / 4 + 1),
       ARRAY['read:accounts'], :now_s - 7776000, :now_s - 3600, NULL
FROM generate_series(1, 4 * :expired) AS n;

ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (token_digest);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
RESET session_replication_role;
VACUUM ANALYZE users, consents, refresh_token_families, refresh_tokens;
SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM consents) AS consents,
       (SELECT count(*) FROM refresh_token_families) AS families,
       (SELECT count(*) FROM refresh_tokens) AS refresh_tokens;
