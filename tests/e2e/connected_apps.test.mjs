// A customer connects FinanceApp, then withdraws its access on Signet's
// connected-apps page in the same browser: the app disappears from the list and
// its next visit to the bank needs her consent again.
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
