// A person in a real (headless) Chromium connects FinanceApp to her bank:
// finance app -> Signet login -> consent -> back to the finance app's numbers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

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

// Runs `body(page)` in a fresh browser context; on failure saves a screenshot and
// the servers' logs next to the build.
async function inPage(name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  try {
    await body(page);
  } catch (e) {
    fs.mkdirSync(artifactDir, { recursive: true });
    const shot = path.join(artifactDir, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${shot}\nurl: ${page.url()}\n${world.logs()}`;
    throw e;
  } finally {
    await context.close();
  }
}

async function signIn(page, user = world.user) {
  await page.goto(`${world.financeUrl}/`);
  await page.getByRole('link', { name: 'Connect your bank' }).first().click();
  // Now at the bank: Signet's login page, on the issuer's origin.
  await page.getByLabel('Username').waitFor();
  assert.equal(new URL(page.url()).origin, world.issuer);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The consent page names the app and what it asks for.
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /FinanceApp/);
  assert.match(text, /Read your transactions/);
}

// Exact sums of the bank's own numbers, in 1/10000 units.
function units(amount) {
  const m = /^(-?)(\d+)(?:\.(\d{0,4}))?$/.exec(String(amount));
  assert.ok(m, `not a decimal amount: ${amount}`);
  const v = BigInt(m[2]) * 10000n + BigInt((m[3] || '').padEnd(4, '0'));
  return m[1] ? -v : v;
}

test('a customer connects FinanceApp and sees her income and spending', async () => {
  await inPage('connect-allow', async (page) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    assert.equal(new URL(page.url()).origin, world.financeUrl, 'back at the finance app');
    assert.ok(!page.url().includes('code='), 'the code left the address bar');
    const income = await page.locator('data#income').getAttribute('value');
    const spending = await page.locator('data#spending').getAttribute('value');
    assert.match(income, /^-?\d+(\.\d+)?$/);
    assert.match(spending, /^-?\d+(\.\d+)?$/);

    // The numbers are the bank's: compare with bank-api's data for the same customer,
    // read through a client of our own.
    const own = world.addClient({
      name: 'Checker',
      redirectUris: ['http://127.0.0.1:9/cb'],
      scope: 'read:transactions',
    });
    const { token } = await tokenFor(own, 'read:transactions');
    const r = await fetch(`${world.bankApi}/transactions`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const { transactions } = await r.json();
    assert.ok(transactions.length > 0);
    const currency = transactions[0].currency;
    let inc = 0n;
    let out = 0n;
    for (const t of transactions.filter((t) => t.currency === currency)) {
      const v = units(t.amount);
      if (v > 0n) inc += v;
      else out += v;
    }
    assert.equal(units(income), inc, `income shown ${income}`);
    assert.equal(units(spending), out, `spending shown ${spending}`);
  });
});

test('a customer who denies is told so and FinanceApp gets nothing', async () => {
  // Another customer: alice's consent from the test above is remembered.
  const bob = world.addUser('bob', 'another long passphrase');
  await inPage('connect-deny', async (page) => {
    await signIn(page, bob);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('You declined to connect your bank.').waitFor();
    assert.equal(new URL(page.url()).origin, world.financeUrl);
    assert.equal(await page.locator('data#income').count(), 0);
    // Without a token the transactions page is refused.
    await page.goto(`${world.financeUrl}/transactions`);
    assert.equal(await page.getByRole('heading', { name: 'Income and spending' }).count(), 0);
  });
});

test('Signet pages cannot be framed by another site', async () => {
  // Control: a page without anti-framing headers does render inside the frame.
  const http = await import('node:http');
  const control = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<form><input name="password" type="password"></form>');
  });
  await new Promise((r) => control.listen(0, '127.0.0.1', r));
  const controlUrl = `http://127.0.0.1:${control.address().port}/`;
  try {
    await inPage('framing', async (page) => {
      const target = `${world.issuer}/authorize?response_type=code&client_id=${encodeURIComponent(
        world.financeClient.client_id,
      )}&redirect_uri=${encodeURIComponent(`${world.financeUrl}/callback`)}&scope=read%3Atransactions&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`;
      await page.setContent(
        `<iframe id="control" src="${controlUrl}"></iframe><iframe id="signet" src="${target.replace(/&/g, '&amp;')}"></iframe>`,
      );
      await page.waitForTimeout(1500);
      const passwordFields = async (prefix) => {
        let n = 0;
        for (const f of page.frames()) {
          if (f.url().startsWith(prefix)) n += await f.locator('input[name=password]').count().catch(() => 0);
        }
        return n;
      };
      assert.equal(await passwordFields(controlUrl), 1, 'control page did not render in a frame');
      assert.equal(await passwordFields(world.issuer), 0, 'Signet login form rendered inside a frame');
    });
  } finally {
    control.close();
  }
});

async function tokenFor(client, scope) {
  const { createHash, randomBytes } = await import('node:crypto');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = client.redirect_uris[0];
  const u = new URL(`${world.issuer}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirect,
    scope,
    state: 'x',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const cb = await signInAndConsent(world, u.href, world.user);
  const code = cb.searchParams.get('code');
  assert.ok(code, `no code in ${cb}`);
  const r = await fetch(`${world.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  return { token: j.access_token };
}
