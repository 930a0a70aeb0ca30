// The peer resource server for tests/bench/run: node:http + jose doing what
// bank-api does per request. It verifies the same Signet-issued ES256 at+jwt
// tokens (JWKS fetched once, createLocalJWKSet), checks iss, aud, typ, exp
// (30 s leeway) and the route's scope, then for GET /transactions runs the
// same two PostgreSQL statements as bank-api (pool of 4, prepared).
// DPoP (RFC 9449 §7), as bank-api: `Authorization: DPoP <token>` needs one DPoP
// header holding a proof checked per §4.3 (typ dpop+jwt, an asymmetric alg, the
// signature by its embedded public jwk, htm, htu = RS_PUBLIC_URL + path, iat at
// most 60 s old and 5 s ahead, ath = the token's hash, its jti never seen in that
// window), and the token's cnf.jkt must be the proof key's thumbprint; a
// DPoP-bound token sent as Bearer is refused. No server nonces (bank-api's default).
//
// Env: RS_LISTEN_PORT (19081), RS_ISSUER (Signet's issuer), RS_JWKS_URI
//      (default: RS_ISSUER + /jwks), RS_AUDIENCE (http://127.0.0.1:8081), RS_PG_HOST (socket dir),
//      RS_PG_DATABASE, RS_PG_USER (postgres), RS_PUBLIC_URL (http://127.0.0.1:RS_LISTEN_PORT).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import * as jose from 'jose';
import pg from 'pg';

const port = Number(process.env.RS_LISTEN_PORT || 19081);
const issuer = process.env.RS_ISSUER || 'http://127.0.0.1:18080';
const audience = process.env.RS_AUDIENCE || 'http://127.0.0.1:8081';
const jwksUri = process.env.RS_JWKS_URI || `${issuer}/jwks`;
const publicUrl = process.env.RS_PUBLIC_URL || `http://127.0.0.1:${port}`;
const DPOP_MAX_AGE = 60; // seconds, bank-api's DpopOptions.max_age_seconds
const DPOP_ALGS = ['ES256', 'PS256', 'EdDSA'];

const jwks = jose.createLocalJWKSet(await (await fetch(jwksUri)).json());
const pool = new pg.Pool({
  host: process.env.RS_PG_HOST,
  database: process.env.RS_PG_DATABASE || 'signet',
  user: process.env.RS_PG_USER || 'postgres',
  max: 4,
});

const hasDemoAccount = {
  name: 'has_demo_account',
  text: 'SELECT EXISTS (SELECT 1 FROM bank.accounts WHERE owner_subject = $1 AND is_demo)',
};
const listTransactions = {
  name: 'list_transactions',
  text:
    "SELECT t.id::text, t.account_id::text, to_char(t.booked_at, 'YYYY-MM-DD') AS booked_at, " +
    't.description, t.amount::text, t.currency FROM bank.transactions t ' +
    'JOIN bank.accounts a ON a.id = t.account_id ' +
    'WHERE a.owner_subject = $1 AND t.booked_at >= $2::date AND t.booked_at <= $3::date ' +
    'ORDER BY t.booked_at DESC, t.created_at DESC, t.id LIMIT 1000',
};

function send(res, status, body, extra = {}) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(data),
    ...extra,
  });
  res.end(data);
}

// jti -> expiry (s) of the DPoP proofs seen; expired entries dropped every 10 s.
const seenJti = new Map();
setInterval(() => {
  const now = Date.now() / 1000;
  for (const [k, exp] of seenJti) if (exp < now) seenJti.delete(k);
}, 10_000).unref();

// RFC 9449 §4.3 for a request carrying `token`; the proof key's thumbprint, or throws.
async function checkProof(req, token) {
  const proofs = req.headersDistinct.dpop || [];
  if (proofs.length !== 1 || proofs[0].includes(',')) throw new Error('one DPoP header');
  const { payload, protectedHeader } = await jose.jwtVerify(proofs[0], jose.EmbeddedJWK, {
    typ: 'dpop+jwt',
    algorithms: DPOP_ALGS,
    requiredClaims: ['jti', 'htm', 'htu', 'iat'],
  });
  const now = Math.floor(Date.now() / 1000);
  if (payload.iat < now - DPOP_MAX_AGE || payload.iat > now + 5) throw new Error('iat');
  if (payload.htm !== req.method) throw new Error('htm');
  const htu = URL.parse(payload.htu);
  if (!htu || `${htu.origin}${htu.pathname}` !== `${publicUrl}${req.url.split('?', 1)[0]}`) throw new Error('htu');
  if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw new Error('ath');
  const jkt = await jose.calculateJwkThumbprint(protectedHeader.jwk);
  const key = `${jkt} ${payload.jti}`;
  if (seenJti.has(key)) throw new Error('jti replayed');
  seenJti.set(key, payload.iat + DPOP_MAX_AGE + 5);
  return jkt;
}

async function authorize(req, res, scope) {
  const m = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization || '');
  if (!m) {
    send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer, DPoP' });
    return null;
  }
  const scheme = m[1];
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(m[2], jwks, {
      issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['ES256', 'RS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: 30,
    }));
  } catch {
    send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': `${scheme} error="invalid_token"` });
    return null;
  }
  if (scheme === 'DPoP' || payload.cnf?.jkt) {
    let jkt = null;
    try {
      if (scheme === 'DPoP') jkt = await checkProof(req, m[2]);
    } catch {
      jkt = null;
    }
    if (!jkt || jkt !== payload.cnf?.jkt) {
      send(res, 401, { error: 'invalid_dpop_proof' }, { 'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGS.join(' ')}"` });
      return null;
    }
  }
  const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!granted.includes(scope)) {
    send(res, 403, { error: 'insufficient_scope' }, {
      'www-authenticate': `${scheme} error="insufficient_scope", scope="${scope}"`,
    });
    return null;
  }
  return payload;
}

const knownCustomers = new Set();

async function transactions(req, res) {
  const token = await authorize(req, res, 'read:transactions');
  if (!token) return;
  const url = new URL(req.url, 'http://x');
  const lo = url.searchParams.get('from') || '0001-01-01';
  const hi = url.searchParams.get('to') || '9999-12-31';
  // Like bank-api, remember customers known to have their account.
  if (!knownCustomers.has(token.sub)) {
    const exists = await pool.query({ ...hasDemoAccount, values: [token.sub] });
    if (exists.rows[0].exists) knownCustomers.add(token.sub);
  }
  if (!knownCustomers.has(token.sub)) {
    // bank-api creates the demo account on first sight; the benchmark has
    // bank-api see the subject first, so the peer only reads.
    send(res, 404, { error: 'no_account' });
    return;
  }
  const r = await pool.query({ ...listTransactions, values: [token.sub, lo, hi] });
  send(res, 200, { transactions: r.rows });
}

createServer((req, res) => {
  const path = req.url.split('?', 1)[0];
  let work;
  if (req.method === 'GET' && path === '/transactions') work = transactions(req, res);
  else if (path === '/healthz') return send(res, 200, { status: 'ok' });
  else return send(res, 404, { error: 'not_found' });
  work.catch((e) => {
    console.error('peer resource server error:', e);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
  });
})
  .listen(port, '127.0.0.1', () => console.error(`peer resource server on :${port}`));
