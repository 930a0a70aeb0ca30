// The failover test's load client and checker (deploy/ha/failover runs it).
//
//   node load.mjs setup STATE   sign in and start CHAINS refresh-token chains
//   node load.mjs run STATE     load until STOP_FILE exists, then write STATE.run.json
//   node load.mjs check STATE   after the failover: the promises below, as JSON; exit 1 if broken
//
// What runs during the failover: refresh-token chains (each rotated again as soon
// as it is answered), authorization codes each redeemed twice at once through two
// different replicas, client-credentials tokens through nginx, and protected
// requests to bank-api with the chains' access tokens.
//
// What is checked:
//  - no acknowledged rotation is lost: every refresh token answered 200 is in the
//    new primary's refresh_tokens (by its digest, as Signet stores it), and each
//    chain's latest one refreshes again after the failover;
//  - at most one redemption per code;
//  - an unanswered refresh request (connection reset, timeout, 5xx) is retried
//    once with the same token, as a client would; whether that retry ended the
//    grant (the rotation had committed, so the retry is a reuse, RFC 9700 §4.14.2)
//    is counted and reported, not a failure: README "PostgreSQL failover" says when it happens;
//  - the error window (first to last failed request) and, per kind, the time from
//    the primary's loss (KILL_FILE) to the first success after the last failure,
//    each replica's /readyz included (polled every 100 ms; not in the window).
//
// Environment: ISSUER (nginx's https URL; NODE_EXTRA_CA_CERTS names its CA),
// REPLICAS (comma-separated http URLs of the replicas), BANK_API (optional), CLIENT_ID,
// CLIENT_SECRET, CC_CLIENT_ID, CC_CLIENT_SECRET, USERNAME, PASSWORD, CHAINS,
// STOP_FILE, KILL_FILE, SCOPE; for check, CHECK_DATABASE (libpq conninfo of the
// database as the new primary has it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';

import { signInAndConsent } from '../../tests/e2e/harness.mjs';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const issuer = env('ISSUER');
const replicas = env('REPLICAS').split(',');
const redirectUri = 'https://app.example/cb';
const scope = env('SCOPE', 'read:accounts');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64url = (b) => Buffer.from(b).toString('base64url');
const basic = (id, secret) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

// One POST /token; never throws: {status, body} or {status: 0, error}.
async function token(base, form, id = env('CLIENT_ID'), secret = env('CLIENT_SECRET')) {
  const started = Date.now();
  try {
    const r = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(8000),
    });
    const text = await r.text();
    let body = {};
    try {
      body = JSON.parse(text);
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { status: r.status, body, ms: Date.now() - started };
  } catch (e) {
    return { status: 0, error: String(e.cause?.code || e.name || e), ms: Date.now() - started };
  }
}

// A code for the test client, through nginx's login and consent pages.
async function newCode() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const u = new URL(`${issuer}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: env('CLIENT_ID'),
    redirect_uri: redirectUri,
    scope,
    state: b64url(randomBytes(8)),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const cb = await signInAndConsent({ issuer }, u.href, { username: env('USERNAME'), password: env('PASSWORD') });
  const code = cb.searchParams.get('code');
  if (!code) throw new Error(`no code in ${cb.href}`);
  return { code, verifier };
}

const redeemForm = ({ code, verifier }) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: redirectUri,
  code_verifier: verifier,
});

async function setup(stateFile) {
  const chains = [];
  for (let i = 0; i < Number(env('CHAINS', '4')); i++) {
    const r = await token(issuer, redeemForm(await newCode()));
    if (r.status !== 200 || !r.body.refresh_token) throw new Error(`setup: code redemption ${r.status} ${JSON.stringify(r.body)}`);
    chains.push({
      id: i,
      current: r.body.refresh_token,
      access: r.body.access_token,
      acked: [digest(r.body.refresh_token)],
      dirty: false,
      ended: null,
      rotations: 0,
    });
  }
  fs.writeFileSync(stateFile, JSON.stringify({ chains }, null, 1));
}

// Every request's outcome, for the error window.
const events = [];
// t: when it was answered; ms: how long it took (a frozen primary stalls rather than fails).
const record = (kind, ok, detail, ms) => events.push({ t: Date.now(), kind, ok, detail, ms });
const ambiguous = (r) => r.status === 0 || r.status >= 500;
// How Signet stores a refresh token (store/postgres_refresh_tokens.cc): base64url(SHA-256).
const digest = (token) => createHash('sha256').update(token).digest('base64url');

// One rotation of `chain`, with the rules above.
async function rotate(chain, violations, base = issuer) {
  const r = await token(base, { grant_type: 'refresh_token', refresh_token: chain.current });
  if (r.status === 200) {
    record('refresh', true, 200, r.ms);
    chain.current = r.body.refresh_token;
    chain.acked.push(digest(chain.current));
    chain.access = r.body.access_token;
    chain.dirty = false;
    chain.rotations++;
    return;
  }
  if (ambiguous(r)) {
    record('refresh', false, r.status || r.error, r.ms);
    chain.dirty = true;  // the next try, with the same token, is the retry
    return;
  }
  record('refresh', false, `${r.status} ${r.body.error}`, r.ms);
  if (r.body.error === 'invalid_grant') {
    // Either the unanswered request had rotated it (the retry is a reuse) or the
    // database lost the rotation that gave it; check() tells them apart.
    chain.ended = chain.dirty ? 'refused after an unanswered rotation' : 'refused';
  }
}

async function run(stateFile) {
  const state = JSON.parse(fs.readFileSync(stateFile));
  const stopFile = env('STOP_FILE');
  const stopped = () => fs.existsSync(stopFile);
  const violations = [];
  const codes = { redeemed: 0, twice: 0, none: 0 };

  const chainWorker = async (chain) => {
    while (!stopped() && !chain.ended) {
      await rotate(chain, violations);
      if (process.env.BANK_API && chain.access && !chain.dirty) {
        const started = Date.now();
        try {
          const r = await fetch(`${env('BANK_API')}/accounts`, {
            headers: { authorization: `Bearer ${chain.access}` },
            signal: AbortSignal.timeout(8000),
          });
          await r.arrayBuffer();
          record('protected', r.status === 200, r.status, Date.now() - started);
        } catch (e) {
          record('protected', false, String(e.cause?.code || e.name), Date.now() - started);
        }
      }
      await sleep(20);
    }
  };
  const codeWorker = async () => {
    while (!stopped()) {
      let c;
      try {
        c = await newCode();
        record('sign-in', true);
      } catch (e) {
        record('sign-in', false, String(e.message).slice(0, 80));
        await sleep(100);
        continue;
      }
      // The same code at once through two different replicas (twice to one, when only one is given).
      const pair = [replicas[0], replicas[1] || replicas[0]];
      const [a, b] = await Promise.all(pair.map((base) => token(base, redeemForm(c))));
      const ok = [a, b].filter((r) => r.status === 200).length;
      if (ok === 2) {
        codes.twice++;
        violations.push(`code redeemed twice: ${c.code.slice(0, 8)}…`);
      } else if (ok === 1) {
        codes.redeemed++;
      } else {
        codes.none++;
      }
      record('code', ok === 1 || ![a, b].some(ambiguous), `${a.status || a.error}/${b.status || b.error}`);
    }
  };
  const ccWorker = async () => {
    while (!stopped()) {
      const r = await token(issuer, { grant_type: 'client_credentials' }, env('CC_CLIENT_ID'), env('CC_CLIENT_SECRET'));
      record('client-credentials', r.status === 200, r.status || r.error, r.ms);
      await sleep(20);
    }
  };
  // Each replica's readiness, for its recovery time (not part of the error window).
  const readyWorker = async (base, name) => {
    while (!stopped()) {
      try {
        const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
        await r.arrayBuffer();
        record(`readyz ${name}`, r.status === 200, r.status);
      } catch (e) {
        record(`readyz ${name}`, false, String(e.cause?.code || e.name));
      }
      await sleep(100);
    }
  };
  await Promise.all([
    ...state.chains.map(chainWorker),
    codeWorker(),
    ccWorker(),
    ...replicas.map((base, i) => readyWorker(base, 'AB'[i] || String(i))),
  ]);
  state.codes = codes;
  state.violations = violations;
  state.events = events;
  fs.writeFileSync(stateFile, JSON.stringify(state));
}

function windows(events, killAt) {
  const failures = events.filter((e) => !e.ok && !e.kind.startsWith('readyz'));
  const out = {
    requests: events.filter((e) => !e.kind.startsWith('readyz')).length,
    failed: failures.length,
    error_window_s: failures.length ? (failures.at(-1).t - failures[0].t) / 1000 : 0,
    kinds: {},
  };
  for (const kind of new Set(events.map((e) => e.kind))) {
    const mine = events.filter((e) => e.kind === kind);
    const bad = mine.filter((e) => !e.ok);
    const lastBad = bad.at(-1);
    const recovered = lastBad ? mine.find((e) => e.ok && e.t > lastBad.t) : null;
    out.kinds[kind] = {
      requests: mine.length,
      failed: bad.length,
      first_failure_after_kill_s: bad.length && killAt ? (bad[0].t - killAt) / 1000 : null,
      recovered_after_kill_s: recovered && killAt ? (recovered.t - killAt) / 1000 : null,
      failures: [...new Set(bad.map((e) => String(e.detail)))].slice(0, 6),
      slowest_ms: Math.max(0, ...mine.map((e) => e.ms || 0)),
    };
  }
  return out;
}

async function check(stateFile) {
  const state = JSON.parse(fs.readFileSync(stateFile));
  const violations = [...(state.violations || [])];
  const killAt = fs.existsSync(env('KILL_FILE', '/nonexistent')) ? Number(fs.readFileSync(env('KILL_FILE'), 'utf8')) : null;
  // After the failover every chain's acknowledged token must still work, on
  // each replica in turn (a dirty chain gets its retry here).
  let i = 0;
  for (const chain of state.chains.filter((c) => !c.ended)) {
    await rotate(chain, violations, replicas[i++ % replicas.length]);
    if (!chain.ended && chain.dirty) violations.push(`chain ${chain.id}: no answer after the failover`);
  }
  // Every acknowledged refresh token, in the database that now serves.
  const acked = state.chains.flatMap((c) => c.acked);
  const sql = `SELECT d FROM unnest(ARRAY['${acked.join("','")}']) AS d
               WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_digest = d)`;
  const q = spawnSync('psql', ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', env('CHECK_DATABASE'), '-f', '-'], {
    input: sql,
    encoding: 'utf8',
  });
  if (q.status !== 0) throw new Error(`psql: ${q.stderr}`);
  const missing = new Set(q.stdout.split('\n').filter(Boolean));
  for (const chain of state.chains) {
    const lost = chain.acked.filter((d) => missing.has(d)).length;
    chain.lost = lost;
    if (lost) violations.push(`chain ${chain.id}: ${lost} acknowledged refresh token(s) missing after the failover`);
    else if (chain.ended === 'refused') violations.push(`chain ${chain.id}: its acknowledged refresh token was refused`);
  }
  const summary = {
    ...windows(state.events || [], killAt),
    chains: state.chains.length,
    rotations: state.chains.reduce((n, c) => n + c.rotations, 0),
    acknowledged_refresh_tokens: acked.length,
    lost_rotations: missing.size,
    // A grant ended by the client's own retry: an unanswered rotation had committed,
    // so its retry with the previous token was a reuse (README "PostgreSQL failover").
    ended_by_retry_after_unanswered_rotation: state.chains.filter((c) => c.ended === 'refused after an unanswered rotation' && !c.lost).length,
    codes: state.codes,
    violations,
  };
  console.log(JSON.stringify(summary, null, 1));
  process.exit(violations.length ? 1 : 0);
}

const [mode, stateFile] = process.argv.slice(2);
if (mode === 'setup') await setup(stateFile);
else if (mode === 'run') await run(stateFile);
else if (mode === 'check') await check(stateFile);
else {
  console.error('usage: node load.mjs setup|run|check STATE');
  process.exit(2);
}
