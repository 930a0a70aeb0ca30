// Every path through Signet's pages that ends at a client, in a real (headless)
// Chromium: the browser alone enforces CSP, and Chromium checks form-action on
// every redirect that follows a form submission (POST /login -> /authorize ->
// redirect_uri). Each test reaches the client's callback and finds no console
// error (a blocked form submission is logged there as a CSP violation).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as jose from 'jose';
import * as client from 'openid-client';

import { World, artifactDir, bankAudience, launchChromium } from './harness.mjs';

let world;
let browser;
let rp;

before(async () => {
  world = await World.start({ financeApp: true });
  browser = await launchChromium();
  rp = await RelyingParty.start(world);
});

after(async () => {
  await rp?.stop();
  await browser?.close();
  await world?.stop();
});

// A relying party of the test's own on http://localhost:PORT (another origin than
// Signet's 127.0.0.1, as a real app would be): /start sends the browser to
// /authorize with the given parameters (with par=1, it pushes them to /par first,
// RFC 9126, and sends only client_id and request_uri), /callback redeems the code
// and shows it, /bye is its post-logout page.
class RelyingParty {
  static async start(world) {
    const rp = new RelyingParty(world);
    await new Promise((r) => rp.server.listen(0, '127.0.0.1', r));
    rp.origin = `http://localhost:${rp.server.address().port}`;
    rp.client = JSON.parse(
      world.cli([
        'client', 'add', '--name', 'LedgerApp',
        '--redirect-uri', `${rp.origin}/callback`,
        '--post-logout-redirect-uri', `${rp.origin}/bye`,
        '--scope', 'openid profile read:accounts read:transactions',
      ]),
    );
    return rp;
  }

  constructor(world) {
    this.world = world;
    this.pending = new Map(); // state -> verifier
    this.callbacks = [];
    this.server = http.createServer((req, res) => this.#handle(req, res).catch((e) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e.stack || e));
    }));
  }

  async #handle(req, res) {
    const url = new URL(req.url, this.origin);
    if (url.pathname === '/start') {
      const verifier = randomBytes(32).toString('base64url');
      const state = randomBytes(16).toString('base64url');
      this.pending.set(state, verifier);
      const a = new URL(`${this.world.issuer}/authorize`);
      a.searchParams.set('response_type', 'code');
      a.searchParams.set('client_id', this.client.client_id);
      a.searchParams.set('redirect_uri', `${this.origin}/callback`);
      a.searchParams.set('scope', url.searchParams.get('scope') || 'openid read:accounts');
      a.searchParams.set('state', state);
      a.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
      a.searchParams.set('code_challenge_method', 'S256');
      for (const [k, v] of url.searchParams) if (k !== 'scope' && k !== 'par') a.searchParams.set(k, v);
      if (url.searchParams.get('par') === '1') {
        const body = new URLSearchParams(a.searchParams);
        body.delete('client_id'); // the client authenticates with Basic
        const pushed = await fetch(`${this.world.issuer}/par`, {
          method: 'POST',
          headers: { authorization: this.basic(), 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        const j = await pushed.json();
        if (pushed.status !== 201) throw new Error(`POST /par answered ${pushed.status}: ${JSON.stringify(j)}`);
        a.search = new URLSearchParams({ client_id: this.client.client_id, request_uri: j.request_uri }).toString();
      }
      res.writeHead(302, { location: a.href });
      return res.end();
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state');
      const code = url.searchParams.get('code');
      const verifier = this.pending.get(state);
      let tokens = null;
      if (code && verifier) {
        this.pending.delete(state);
        const r = await fetch(`${this.world.issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: this.basic(),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: `${this.origin}/callback`,
            code_verifier: verifier,
          }),
        });
        tokens = { status: r.status, body: await r.json() };
      }
      this.callbacks.push({ query: Object.fromEntries(url.searchParams), tokens });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>LedgerApp</title><h1>Back at LedgerApp</h1>
<p id="result">${tokens && tokens.status === 200 ? 'tokens received' : 'no tokens'}</p>`);
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === '/bye') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<!doctype html><title>LedgerApp</title><h1>Signed out of LedgerApp</h1>');
    }
    res.writeHead(404);
    res.end();
  }

  basic() {
    return `Basic ${Buffer.from(`${this.client.client_id}:${this.client.client_secret}`).toString('base64')}`;
  }

  lastCallback() {
    return this.callbacks[this.callbacks.length - 1];
  }

  async stop() {
    await new Promise((r) => this.server.close(r));
  }
}

// A fresh browser (no cookies): `body(page, errors)` runs in it; every console
// error and page error is collected and must stay empty.
async function inFreshBrowser(name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  try {
    await body(page, errors);
    assert.deepEqual(errors, [], 'the console holds no error (no CSP violation)');
  } catch (e) {
    fs.mkdirSync(artifactDir, { recursive: true });
    const shot = path.join(artifactDir, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${shot}\nurl: ${page.url()}\nconsole errors: ${JSON.stringify(errors)}\n${world.logs()}`;
    throw e;
  } finally {
    await context.close();
  }
}

async function signInHere(page, user = world.user) {
  await page.getByLabel('Username').waitFor();
  assert.equal(new URL(page.url()).origin, world.issuer, 'at the bank');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function connectFinanceApp(page) {
  await page.goto(`${world.financeUrl}/`);
  await page.getByRole('link', { name: 'Connect your bank' }).first().click();
}

// Waits for the RP's callback page and returns what it received.
async function atRpCallback(page) {
  await page.getByRole('heading', { name: 'Back at LedgerApp' }).waitFor();
  assert.equal(new URL(page.url()).origin, rp.origin, 'back at the client');
  const cb = rp.lastCallback();
  assert.ok(cb.query.code, `a code reached the client: ${JSON.stringify(cb.query)}`);
  assert.equal(cb.query.iss, world.issuer);
  assert.equal(cb.tokens?.status, 200, `the code redeems: ${JSON.stringify(cb.tokens)}`);
  return cb;
}

// Grants consent (the first visit) unless it is already remembered, so that the
// paths below need no consent page.
async function consentOnce(start) {
  await inFreshBrowser('rp-first-visit', async (page) => {
    await page.goto(start);
    await signInHere(page);
    const allow = page.getByRole('button', { name: 'Allow' });
    const back = page.getByRole('heading', { name: 'Back at LedgerApp' });
    await allow.or(back).waitFor();
    if (await allow.count()) await allow.click();
    await atRpCallback(page);
  });
}

function rpStart(params = {}) {
  const u = new URL(`${rp.origin}/start`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

// Starts an authorization at the RP, signs in, and returns what reached its callback.
async function signInAtRp(page, params = {}) {
  await page.goto(rpStart(params));
  await signInHere(page);
  return atRpCallback(page);
}

const noPasswordField = async (page) => assert.equal(await page.getByLabel('Password').count(), 0);

test('first visit: sign in, consent, back at FinanceApp with no console error', async () => {
  await inFreshBrowser('first-visit', async (page) => {
    await connectFinanceApp(page);
    await signInHere(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    assert.equal(new URL(page.url()).origin, world.financeUrl);
  });
});

test('returning customer: a fresh browser signs in and goes straight back to FinanceApp', async () => {
  // Consent for FinanceApp was remembered by the test above; this browser has no session.
  await inFreshBrowser('returning-customer', async (page) => {
    await connectFinanceApp(page);
    await signInHere(page);
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    assert.equal(new URL(page.url()).origin, world.financeUrl, 'back at FinanceApp without a consent page');
    const income = await page.locator('data#income').getAttribute('value');
    assert.match(income, /^-?\d+(\.\d+)?$/);
  });
});

test('re-authentication with prompt=login: signed in, asked again, back at the client', async () => {
  await consentOnce(rpStart());
  await inFreshBrowser('prompt-login', async (page) => {
    await signInAtRp(page);
    const before = rp.callbacks.length;
    // A session exists, yet prompt=login shows the sign-in page again.
    await signInAtRp(page, { prompt: 'login' });
    assert.equal(rp.callbacks.length, before + 1);
  });
});

test('re-authentication with max_age: an older session signs in again, back at the client', async () => {
  await consentOnce(rpStart());
  await inFreshBrowser('max-age', async (page) => {
    await signInAtRp(page);
    await new Promise((r) => setTimeout(r, 2100)); // the session is now older than max_age=1
    const cb = await signInAtRp(page, { max_age: '1' });
    const idToken = cb.tokens.body.id_token;
    assert.ok(idToken, 'an ID token');
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString());
    assert.ok(Math.floor(Date.now() / 1000) - claims.auth_time <= 5, 'auth_time is the new sign-in');
  });
});

test('single sign-on: sign in at one app, then a second consented app without any form', async () => {
  await consentOnce(rpStart()); // LedgerApp consented; FinanceApp consented by an earlier test
  await inFreshBrowser('single-sign-on', async (page) => {
    await connectFinanceApp(page);
    await signInHere(page);
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    const before = rp.callbacks.length;
    await page.goto(rpStart());
    await atRpCallback(page);
    assert.equal(rp.callbacks.length, before + 1);
    await noPasswordField(page);
  });
});

test('resource indicator with remembered consent: sign in, back at the client, token for that API', async () => {
  const audience = bankApiAudience();
  const params = { resource: audience, scope: 'read:accounts' };
  await consentOnce(rpStart(params));
  await inFreshBrowser('resource-indicator', async (page) => {
    const cb = await signInAtRp(page, params);
    const claims = JSON.parse(Buffer.from(cb.tokens.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.aud, audience);
  });
});

test('pushed request (RFC 9126): sign in and consent by reference, back at the client', async () => {
  await inFreshBrowser('pushed-request', async (page) => {
    await page.goto(rpStart({ par: '1', scope: 'openid read:transactions' }));
    await page.getByLabel('Username').waitFor();
    // Only the reference crosses the browser: the request itself was pushed.
    const at = new URL(page.url());
    assert.match(at.searchParams.get('request_uri') || '', /^urn:ietf:params:oauth:request_uri:/);
    assert.equal(at.searchParams.get('redirect_uri'), null);
    await signInHere(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    const cb = await atRpCallback(page);
    const claims = JSON.parse(Buffer.from(cb.tokens.body.access_token.split('.')[1], 'base64url').toString());
    assert.deepEqual(claims.scope.split(' ').sort(), ['openid', 'read:transactions']);
  });
});

test('pushed request with prompt=login: a signed-in customer is asked again, back at the client', async () => {
  await consentOnce(rpStart());
  await inFreshBrowser('pushed-request-prompt-login', async (page) => {
    await signInAtRp(page);
    const before = rp.callbacks.length;
    await signInAtRp(page, { par: '1', prompt: 'login' });
    assert.equal(rp.callbacks.length, before + 1);
  });
});

test('logout: the confirmation form ends the session and reaches the post-logout page', async () => {
  await consentOnce(rpStart());
  await inFreshBrowser('logout', async (page) => {
    await signInAtRp(page);
    const bye = new URL(`${world.issuer}/logout`);
    bye.searchParams.set('client_id', rp.client.client_id);
    bye.searchParams.set('post_logout_redirect_uri', `${rp.origin}/bye`);
    bye.searchParams.set('state', 'so-long');
    await page.goto(bye.href);
    await page.getByRole('button', { name: /sign out/i }).click();
    await page.getByRole('heading', { name: 'Signed out of LedgerApp' }).waitFor();
    const at = new URL(page.url());
    assert.equal(at.origin, rp.origin);
    assert.equal(at.searchParams.get('state'), 'so-long');
    // The session is gone: the next authorization asks for the password again.
    await page.goto(rpStart());
    await page.getByLabel('Password').waitFor();
  });
});

// openid-client as a FAPI-style client: private_key_jwt, a DPoP key (getDPoPHandle)
// for the pushed request (RFC 9449 §10.1 binds the code to it) and the code
// redemption, nonces on (SIGNET_DPOP_NONCES's default; the library retries once
// on use_dpop_nonce), and the bound token at bank-api only with proofs.
test('openid-client with DPoP: pushed request, Chromium sign-in and consent, a bound token at bank-api', async () => {
  const redirect = 'http://localhost:9/openid-client/callback'; // answered by page.route below
  const kc = await world.addKeyClient({
    grants: ['authorization_code'],
    redirectUris: [redirect],
    metadata: { dpop_bound_access_tokens: true },
  });
  assert.equal(kc.registered.dpop_bound_access_tokens, true);
  const config = await client.discovery(new URL(world.issuer), kc.client_id, undefined, client.PrivateKeyJwt(kc.key), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
  const exchanges = []; // what the library sent and got, to see the nonce round trip
  config[client.customFetch] = async (url, options) => {
    const r = await fetch(url, options);
    exchanges.push({ path: new URL(url).pathname, status: r.status, nonce: r.headers.has('dpop-nonce') });
    return r;
  };
  const keyPair = await client.randomDPoPKeyPair('ES256');
  const DPoP = client.getDPoPHandle(config, keyPair);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(
    config,
    {
      redirect_uri: redirect,
      scope: 'read:accounts',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    },
    { DPoP },
  );
  assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  assert.deepEqual(
    exchanges.filter((e) => e.path === '/par').map((e) => [e.status, e.nonce]),
    [[400, true], [201, true]],
    'Signet asked for a nonce (use_dpop_nonce) and the library retried with it',
  );

  let callback;
  await inFreshBrowser('openid-client-dpop', async (page) => {
    await page.route('http://localhost:9/**', (route) =>
      new URL(route.request().url()).pathname === '/openid-client/callback'
        ? route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>DPoP app</title><h1>Back at the DPoP app</h1>' })
        : route.fulfill({ status: 204 }),
    );
    await page.goto(url.href);
    await signInHere(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Back at the DPoP app' }).waitFor();
    callback = new URL(page.url());
  });
  assert.equal(callback.searchParams.get('iss'), world.issuer);

  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier, expectedState: state },
    undefined,
    { DPoP },
  );
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey));
  assert.equal(jose.decodeJwt(tokens.access_token).cnf?.jkt, jkt, 'bound to the handle\'s key');
  assert.equal(exchanges.filter((e) => e.path === '/token').at(-1).status, 200);

  const accounts = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    new URL(`${world.bankApi}/accounts`),
    'GET',
    null,
    new Headers(),
    { DPoP },
  );
  assert.equal(accounts.status, 200, await accounts.clone().text());
  const body = await accounts.json();
  assert.ok(body.accounts.length > 0 && body.accounts.every((a) => a.iban), JSON.stringify(body));
  // The same token as a bearer token is refused.
  const bearer = await fetch(`${world.bankApi}/accounts`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(bearer.status, 401);
});

// The audience of bank-api's registration, as `signet resource list` shows it.
function bankApiAudience() {
  const list = JSON.parse(world.cli(['resource', 'list']));
  const found = list.find((r) => r.audience === bankAudience);
  assert.ok(found, `bank-api is registered as ${bankAudience}: ${JSON.stringify(list)}`);
  assert.match(found.scope, /read:accounts/);
  return found.audience;
}
