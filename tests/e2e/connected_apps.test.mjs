// A customer connects FinanceApp, then withdraws its access on Signet's
// connected-apps page in the same browser: the app disappears from the list and
// its next visit to the bank needs her consent again. And a customer with two
// grants of one app (Grant Management, action=create) ends one of them there:
// its token stops working, the other grant's keeps working.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { createHash, randomBytes } from 'node:crypto';

import { World, artifactDir, launchChromium, signInAndConsent } from './harness.mjs';

let world;
let browser;

before(async () => {
  world = await World.start({ financeApp: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('a customer revokes FinanceApp on the connected-apps page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  try {
    // 1. Connect FinanceApp (login + consent).
    await page.goto(`${world.financeUrl}/`);
    await page.getByRole('link', { name: 'Connect your bank' }).first().click();
    await page.getByLabel('Username').fill(world.user.username);
    await page.getByLabel('Password').fill(world.user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();

    // 2. The connected-apps page, same browser (same Signet session).
    await page.goto(`${world.issuer}/account/apps`);
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    const app = page.locator('li.app', { hasText: 'FinanceApp' });
    assert.equal(await app.count(), 1, 'FinanceApp is listed');
    assert.match(await app.innerText(), /Read your transactions/);
    assert.match(await app.innerText(), /Access granted since \d{4}-\d{2}-\d{2}/);

    // 3. Revoke access: the app is gone from the list.
    await app.getByRole('button', { name: 'Revoke access' }).click();
    await page.getByText('Access was revoked.').waitFor();
    assert.equal(await page.locator('li.app', { hasText: 'FinanceApp' }).count(), 0);

    // 4. FinanceApp's next visit to the bank needs consent again (the app forgets
    //    its own copy of the tokens first, so that it asks the bank).
    await page.goto(`${world.financeUrl}/`);
    const disconnect = page.getByRole('button', { name: 'Disconnect' });
    if (await disconnect.count()) await disconnect.click();
    await page.getByRole('link', { name: 'Connect your bank' }).first().click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.equal(new URL(page.url()).origin, world.issuer);
  } catch (e) {
    fs.mkdirSync(artifactDir, { recursive: true });
    const shot = path.join(artifactDir, 'connected-apps.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${shot}\nurl: ${page.url()}\n${world.logs()}`;
    throw e;
  } finally {
    await context.close();
  }
});

const basic = (c) =>
  'Basic ' +
  Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64');

// A new grant of `client` for the customer (grant_management_action=create),
// through Signet's pages driven by fetch; the token response.
async function newGrant(client, user, scope) {
  const verifier = randomBytes(32).toString('base64url');
  const redirect = client.redirect_uris[0];
  const u = new URL(`${world.issuer}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirect,
    scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    grant_management_action: 'create',
  }).toString();
  const cb = await signInAndConsent(world, u.href, user);
  const code = cb.searchParams.get('code');
  assert.ok(code, `no code in ${cb}`);
  const r = await fetch(`${world.issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  assert.ok(j.grant_id, 'the token response names the grant');
  return j;
}

async function active(client, token) {
  const r = await fetch(`${world.issuer}/introspect`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).active;
}

test('a customer with two grants of one app ends one on the connected-apps page', async () => {
  const user = world.addUser(`bob-${randomBytes(3).toString('hex')}`, 'correct horse battery staple');
  const app = world.addClient({
    name: 'LedgerApp',
    redirectUris: ['https://ledger.example/callback'],
    scope: 'read:accounts read:transactions',
    grants: ['authorization_code'],
  });
  const first = await newGrant(app, user, 'read:accounts');
  const second = await newGrant(app, user, 'read:transactions');
  assert.notEqual(first.grant_id, second.grant_id);

  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${world.issuer}/account/apps`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    const listed = page.locator('li.app', { hasText: 'LedgerApp' });
    assert.equal(await listed.count(), 1, 'one entry for the app');
    const grants = listed.locator('li.grant');
    assert.equal(await grants.count(), 2, 'each grant listed');
    const accounts = listed.locator('li.grant', { hasText: '(read:accounts)' });
    assert.equal(await accounts.count(), 1);
    assert.match(await accounts.innerText(), /Allowed on \d{4}-\d{2}-\d{2}/);

    // End the grant of read:accounts only.
    await accounts.getByRole('button', { name: /^End this access/ }).click();
    await page.getByText('That access was ended.').waitFor();
    const left = page.locator('li.app', { hasText: 'LedgerApp' }).locator('li.grant');
    assert.equal(await left.count(), 1);
    assert.match(await left.first().innerText(), /read:transactions/);
    assert.equal(await active(app, first.access_token), false, 'the ended grant\'s token is inactive');
    assert.equal(await active(app, second.access_token), true, 'the other grant keeps working');
    assert.deepEqual(errors, [], 'the console holds no error (no CSP violation)');
  } catch (e) {
    fs.mkdirSync(artifactDir, { recursive: true });
    const shot = path.join(artifactDir, 'connected-apps-grants.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${shot}\nurl: ${page.url()}\nconsole errors: ${JSON.stringify(errors)}\n${world.logs()}`;
    throw e;
  } finally {
    await context.close();
  }
});
