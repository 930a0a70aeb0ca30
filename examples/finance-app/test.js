// Self-test of FinanceApp against a fake Signet and a fake bank-api: `node --test test.js`.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const crypto = require('node:crypto');
const { createServer, summarize } = require('./server.js');

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function setup() {
  const seen = { authorize: null, token: null, bank: [] };
  const codes = new Map();
  const as = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const issuer = `http://127.0.0.1:${as.address().port}`;
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
      }));
    }
    if (url.pathname === '/token') {
      const form = new URLSearchParams(await readBody(req));
      seen.token = { auth: req.headers.authorization, form };
      const c = codes.get(form.get('code'));
      const verifierOk = c && crypto.createHash('sha256').update(form.get('code_verifier') || '').digest('base64url') === c;
      res.writeHead(verifierOk ? 200 : 400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(verifierOk
        ? { access_token: 'AT', token_type: 'Bearer', expires_in: 600, scope: 'read:accounts read:transactions' }
        : { error: 'invalid_grant' }));
    }
    res.writeHead(404);
    res.end();
  });
  const bank = http.createServer(async (req, res) => {
    seen.bank.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    if (req.headers.authorization !== 'Bearer AT') {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return res.end();
    }
    res.setHeader('content-type', 'application/json');
    if (req.url === '/transactions') {
      return res.end(JSON.stringify({ transactions: [
        { id: '1', account_id: 'a1', booked_at: '2024-05-01', description: 'Salary', amount: '2500.00', currency: 'EUR' },
        { id: '2', account_id: 'a1', booked_at: '2024-05-02', description: '<script>Rent</script>', amount: '-900.00', currency: 'EUR' },
        { id: '3', account_id: 'a1', booked_at: '2024-05-03', description: 'Coffee', amount: '-3.40', currency: 'EUR' },
      ] }));
    }
    if (req.url === '/accounts') {
      return res.end(JSON.stringify({ accounts: [{ id: 'a1', name: 'Current', iban: 'DE00', currency: 'EUR', balance: '1596.60' }] }));
    }
    if (req.url === '/payments' && req.method === 'POST') {
      res.writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="write:payments"' });
      return res.end(JSON.stringify({ error: 'insufficient_scope' }));
    }
    res.writeHead(404);
    res.end();
  });
  const asPort = await listen(as);
  const bankPort = await listen(bank);
  const issuer = `http://127.0.0.1:${asPort}`;
  const cfg = {
    host: '127.0.0.1', port: 0, issuer, bankApi: `http://127.0.0.1:${bankPort}`,
    clientId: 'finance app', clientSecret: 's3cr:et', redirectUri: 'http://127.0.0.1:1/callback',
    scope: 'read:accounts read:transactions',
  };
  const app = createServer(cfg);
  const appPort = await listen(app);
  const base = `http://127.0.0.1:${appPort}`;
  // Plays the authorization server's front channel: returns the callback URL to follow.
  const authorize = async (cookie, override = {}) => {
    const r = await fetch(`${base}/connect`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    assert.strictEqual(r.status, 303);
    const loc = new URL(r.headers.get('location'));
    seen.authorize = loc;
    const setCookie = r.headers.get('set-cookie');
    const sid = setCookie ? setCookie.split(';')[0] : cookie;
    const code = crypto.randomBytes(8).toString('hex');
    codes.set(code, loc.searchParams.get('code_challenge'));
    const cb = new URLSearchParams({ code, state: loc.searchParams.get('state'), iss: issuer, ...override });
    for (const [k, v] of Object.entries(override)) if (v === null) cb.delete(k);
    return { sid, callback: `${base}/callback?${cb}` };
  };
  const close = () => { app.close(); as.close(); bank.close(); };
  return { base, issuer, seen, authorize, close };
}

test('summarize sums exactly, per sign', () => {
  assert.deepStrictEqual(summarize([{ amount: '0.10', currency: 'EUR' }, { amount: '0.20', currency: 'EUR' }, { amount: '-1', currency: 'EUR' }]),
    [{ currency: 'EUR', income: '0.30', spending: '-1.00' }]);
});

test('full flow: PKCE, state, iss, basic auth, transactions, refused payment', async () => {
  const env = await setup();
  try {
    const home = await (await fetch(`${env.base}/`)).text();
    assert.match(home, /Connect your bank/);
    const { sid, callback } = await env.authorize();
    const q = env.seen.authorize.searchParams;
    assert.strictEqual(q.get('response_type'), 'code');
    assert.strictEqual(q.get('client_id'), 'finance app');
    assert.strictEqual(q.get('scope'), 'read:accounts read:transactions');
    assert.strictEqual(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(q.get('state').length >= 43);

    const cb = await fetch(callback, { redirect: 'manual', headers: { cookie: sid } });
    assert.strictEqual(cb.status, 303);
    assert.strictEqual(cb.headers.get('location'), '/transactions');
    assert.strictEqual(env.seen.token.auth, 'Basic ' + Buffer.from('finance+app:s3cr%3Aet').toString('base64'));
    assert.strictEqual(env.seen.token.form.get('grant_type'), 'authorization_code');
    assert.strictEqual(env.seen.token.form.get('client_secret'), null);

    const page = await (await fetch(`${env.base}/transactions`, { headers: { cookie: sid } })).text();
    assert.match(page, /<h1>Income and spending<\/h1>/);
    assert.match(page, /id="income" value="2500.00"/);
    assert.match(page, /id="spending" value="-903.40"/);
    assert.match(page, /&lt;script&gt;Rent/);
    assert.doesNotMatch(page, /<script>/);

    // Replaying the callback fails: the pending request was consumed.
    const replay = await fetch(callback, { headers: { cookie: sid } });
    assert.strictEqual(replay.status, 400);

    const form = await (await fetch(`${env.base}/payment`, { headers: { cookie: sid } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)[1];
    const pay = await fetch(`${env.base}/payment`, {
      method: 'POST', headers: { cookie: sid, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    const payHtml = await pay.text();
    assert.match(payHtml, /id="payment-result"/);
    assert.match(payHtml, /insufficient_scope/);
    assert.match(payHtml, /write:payments/);
    const forged = await fetch(`${env.base}/payment`, {
      method: 'POST', headers: { cookie: sid, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x',
    });
    assert.strictEqual(forged.status, 403);
  } finally {
    env.close();
  }
});

test('wrong state, wrong or missing iss, denial, no session', async () => {
  const env = await setup();
  try {
    let a = await env.authorize();
    let r = await fetch(a.callback.replace(/state=[^&]+/, 'state=evil'), { headers: { cookie: a.sid } });
    assert.strictEqual(r.status, 400);
    assert.match(await r.text(), /state mismatch/);
    assert.strictEqual(env.seen.token, null);

    a = await env.authorize(a.sid, { iss: 'http://evil.example' });
    r = await fetch(a.callback, { headers: { cookie: a.sid } });
    assert.strictEqual(r.status, 400);
    assert.match(await r.text(), /issuer mismatch/);

    a = await env.authorize(a.sid, { iss: null });
    r = await fetch(a.callback, { headers: { cookie: a.sid } });
    assert.strictEqual(r.status, 400);
    assert.match(await r.text(), /issuer mismatch/);

    a = await env.authorize(a.sid, { code: null, error: 'access_denied' });
    r = await fetch(a.callback, { headers: { cookie: a.sid } });
    assert.strictEqual(r.status, 403);
    assert.match(await r.text(), /You declined to connect your bank\./);

    r = await fetch(a.callback);
    assert.strictEqual(r.status, 400);
    assert.strictEqual(env.seen.token, null);

    r = await fetch(`${env.base}/transactions`);
    assert.strictEqual(r.status, 401);
  } finally {
    env.close();
  }
});
