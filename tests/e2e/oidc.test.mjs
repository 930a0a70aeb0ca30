// OpenID Connect with certified, independent libraries: openid-client discovers
// Signet through /.well-known/openid-configuration and runs the code flow with a
// nonce (ID token checked by openid-client, signature and at_hash by jose);
// single sign-on across two FinanceApp instances in headless Chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as jose from 'jose';
import * as client from 'openid-client';
import { World, artifactDir, freePort, launchChromium, repoRoot, signInAndConsent } from './harness.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback'; // never fetched: the test reads the Location
let world;
let rp;
const apps = [];

before(async () => {
  world = await World.start({ financeApp: false });
  rp = world.addClient({ name: 'OidcRp', redirectUris: [REDIRECT], scope: 'openid profile email read:accounts' });
});

after(async () => {
  for (const a of apps) a.kill('SIGTERM');
  await world?.stop();
});

async function discover() {
  // algorithm 'oidc' (the default): /.well-known/openid-configuration.
  return client.discovery(new URL(world.issuer), rp.client_id, undefined, client.ClientSecretBasic(rp.client_secret), {
    execute: [client.allowInsecureRequests],
  });
}

async function codeFlow(config, scope) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signInAndConsent(world, url.href, world.user);
  return { callback, verifier, state, nonce };
}

test('openid-client discovers Signet through openid-configuration', async () => {
  const md = (await discover()).serverMetadata();
  assert.equal(md.issuer, world.issuer);
  assert.equal(md.userinfo_endpoint, `${world.issuer}/userinfo`);
  assert.equal(md.end_session_endpoint, `${world.issuer}/logout`);
  assert.deepEqual(md.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
  assert.deepEqual(md.subject_types_supported, ['public']);
  assert.ok(md.scopes_supported.includes('openid'));
});

test('code flow with nonce: openid-client validates the ID token; jose its signature and at_hash', async () => {
  const config = await discover();
  const { callback, verifier, state, nonce } = await codeFlow(config, 'openid profile');
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, world.issuer);
  assert.equal(claims.aud, rp.client_id);
  assert.equal(claims.sub, world.user.subject);
  assert.equal(claims.nonce, nonce);
  assert.equal(typeof claims.auth_time, 'number');
  assert.equal(claims.preferred_username, 'alice');

  const jwks = jose.createRemoteJWKSet(new URL(`${world.issuer}/jwks`));
  const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token, jwks, {
    issuer: world.issuer,
    audience: rp.client_id,
    typ: 'JWT',
    algorithms: ['RS256'],
  });
  const digest = createHash('sha256').update(tokens.access_token).digest();
  assert.equal(payload.at_hash, digest.subarray(0, 16).toString('base64url'));
  assert.equal(protectedHeader.alg, 'RS256');

  // The ID token is refused where an access token is expected (RFC 9068 typ).
  await assert.rejects(
    jose.jwtVerify(tokens.id_token, jwks, { issuer: world.issuer, typ: 'at+jwt' }),
    /typ/,
  );

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, world.user.subject);
  assert.equal(info.preferred_username, 'alice');
});

test('openid-client rejects an ID token whose nonce does not match', async () => {
  const config = await discover();
  const { callback, verifier, state } = await codeFlow(config, 'openid');
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: client.randomNonce(),
    }),
    (e) => {
      assert.match(e.message, /unexpected JWT claim value/);
      assert.equal(e.cause?.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED');
      assert.equal(e.cause?.cause?.claim, 'nonce', `refused for ${e.cause?.message}`);
      return true;
    },
  );
});

async function startFinanceApp(name) {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const registered = world.addClient({ name, redirectUris: [`${url}/callback`], scope: 'read:accounts read:transactions' });
  const file = path.join(world.logDir, `${name}.client.json`);
  fs.writeFileSync(file, JSON.stringify(registered));
  const log = fs.openSync(path.join(world.logDir, `${name}.log`), 'w');
  const child = spawn(process.execPath, [path.join(repoRoot, 'examples', 'finance-app', 'server.js')], {
    env: {
      ...world.baseEnv(),
      FINANCE_APP_LISTEN: `127.0.0.1:${port}`,
      FINANCE_APP_ISSUER: world.issuer,
      FINANCE_APP_BANK_API: world.bankApi,
      FINANCE_APP_CLIENT_FILE: file,
      FINANCE_APP_REDIRECT_URI: `${url}/callback`,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  apps.push(child);
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${name} did not start`);
}

test('single sign-on: the second app in the same browser goes straight to consent', async () => {
  const first = await startFinanceApp('FinanceAppOne');
  const second = await startFinanceApp('FinanceAppTwo');
  const browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  try {
    await page.goto(`${first}/`);
    await page.getByRole('link', { name: 'Connect your bank' }).first().click();
    await page.getByLabel('Username').fill(world.user.username);
    await page.getByLabel('Password').fill(world.user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();

    await page.goto(`${second}/`);
    await page.getByRole('link', { name: 'Connect your bank' }).first().click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.equal(new URL(page.url()).origin, world.issuer);
    assert.equal(await page.getByLabel('Password').count(), 0, 'no login page for the second app');
    assert.match(await page.locator('main').innerText(), /FinanceAppTwo/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    assert.equal(new URL(page.url()).origin, second);
  } catch (e) {
    fs.mkdirSync(artifactDir, { recursive: true });
    const shot = path.join(artifactDir, 'oidc-sso.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${shot}\nurl: ${page.url()}\n${world.logs()}`;
    throw e;
  } finally {
    await context.close();
    await browser.close();
  }
});
