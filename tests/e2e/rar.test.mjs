// Rich authorization requests (RFC 9396) in Chromium through the demo:
// FinanceApp asks to read the accounts the customer chooses, and she ticks one
// of her two accounts on the bank's consent page; bank-api then shows FinanceApp
// only that account. And "Pay your rent": she approves one payment in words,
// a changed amount is refused, FinanceApp pays it once, and a second payment
// under the same consent is refused. No console error on any page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { World, artifactDir, launchChromium } from './harness.mjs';

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

// A fresh browser: `body(page)` runs in it; every console error fails the test.
async function inBrowser(name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await body(page);
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

async function signIn(page) {
  await page.getByLabel('Username').fill(world.user.username);
  await page.getByLabel('Password').fill(world.user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('she chooses one of her accounts and FinanceApp sees only that one', async () => {
  await inBrowser('rar-accounts', async (page) => {
    await page.goto(`${world.financeUrl}/`);
    await page.getByRole('link', { name: 'Choose accounts to share' }).click();
    await signIn(page);
    await page.getByRole('heading', { name: 'See your account information' }).waitFor();
    const everyday = page.getByRole('checkbox', { name: /Everyday account/ });
    const savings = page.getByRole('checkbox', { name: /Savings account/ });
    assert.equal(await everyday.count(), 1, 'her Everyday account is offered');
    assert.equal(await savings.count(), 1, 'her Savings account is offered');
    // (Allow with nothing ticked, or a forged account, is refused: rar_it.)
    await everyday.check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Income and spending' }).waitFor();
    const text = await page.locator('main').innerText();
    assert.match(text, /Everyday account/);
    assert.doesNotMatch(text, /Savings account/, 'the account she did not tick stays hidden');
  });
});

test('she approves one rent payment; a changed amount is refused, it is paid once and never again', async () => {
  await inBrowser('rar-rent', async (page) => {
    await page.goto(`${world.financeUrl}/`);
    await page.getByRole('link', { name: 'Pay your rent' }).click();
    await signIn(page);
    await page.getByRole('heading', { name: 'Make one payment' }).waitFor();
    const payment = await page.locator('section.detail', { hasText: 'Make one payment' }).innerText();
    assert.match(payment, /950\.00 EUR/);
    assert.match(payment, /Lindenstrasse Properties/);
    assert.match(payment, /DE89 3704 0044 0532 0130 00/);
    assert.match(payment, /Rent December/);
    await page.getByRole('checkbox', { name: /Everyday account/ }).check();
    await page.getByRole('button', { name: 'Allow' }).click();

    // Another amount than she approved is refused, and spends nothing.
    await page.getByRole('button', { name: 'Try to pay 1950.00 EUR instead' }).click();
    await page.locator('#payment-result', { hasText: 'refused' }).waitFor();
    assert.match(await page.locator('#payment-result').innerText(), /HTTP 403/);

    await page.getByRole('button', { name: 'Pay again' }).click();
    const result = page.locator('#payment-result', { hasText: 'Paid' });
    await result.waitFor();
    assert.match(await result.innerText(), /Paid: 950\.00 EUR to Lindenstrasse Properties/);

    // The consent was for one payment: a second one is refused by the bank.
    await page.getByRole('button', { name: 'Pay again' }).click();
    await page.locator('#payment-result', { hasText: 'refused' }).waitFor();
    assert.match(await page.locator('#payment-result').innerText(), /HTTP 403/);
  });
});
