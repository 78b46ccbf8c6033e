// Drives hookgate's /dashboard page in headless Chromium (Debian's, through
// playwright-core) against a running hookgate with seeded data. Run by
// tests/integration/dashboard_pgtest.cpp:
//
//   node dashboard.test.mjs --url http://127.0.0.1:<port> --screenshot <file.png>
//
// What to expect comes in the environment variable HOOKGATE_DASHBOARD_EXPECT
// (JSON), keys included, so that no key shows in a process list:
//   sk_key, pk_key            an sk_ key with every scope; a pk_ key that may read
//                             deliveries but not endpoints
//   endpoints                 ids of the account's endpoints
//   unauthorized_endpoint     the endpoint whose subscription lost its key
//   deliveries                every delivery id, newest first
//   failed                    ids of the failed deliveries, newest first
//   endpoint_filter           {endpoint, deliveries}: one endpoint and its deliveries
//   event_type_filter         {event_type, deliveries}: one type and its deliveries
//   retry                     the failed delivery to open and retry
// Exits 0 when every check passes, 1 (with the reason) otherwise.

import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, screenshot: { type: 'string' }, chromium: { type: 'string' } },
});
if (!args.url || !args.screenshot) {
  console.error('usage: node dashboard.test.mjs --url http://127.0.0.1:<port> --screenshot <file.png>');
  process.exit(2);
}
const expect = JSON.parse(process.env.HOOKGATE_DASHBOARD_EXPECT || '{}');
const sorted = (list) => [...list].sort();

const browser = await chromium.launch({
  executablePath: args.chromium || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});

let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Expected failed loads, which Chromium logs: the 403s of the key's
    // missing scopes and the browser's own request for /favicon.ico.
    if (message.type() !== 'error') return;
    if (/status of 403/.test(message.text()) || /\/favicon\.ico$/.test(message.location().url || '')) return;
    problems.push(`console: ${message.text()} (${message.location().url || 'no url'})`);
  });

  const step = (name) => console.log(`- ${name}`);

  // Helpers reading what the page shows.
  const deliveryIds = () => page.locator('#deliveries tbody tr.delivery').evaluateAll(
    (rows) => rows.map((row) => row.dataset.id));
  const deliveriesReady = () => page.waitForSelector('#deliveries-panel[data-state="ready"]');
  async function useKey(key) {
    await page.fill('#key', key);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#endpoints-panel[data-state="ready"]');
    await deliveriesReady();
  }
  async function filter({ endpoint = '', status = '', eventType = '' }) {
    await page.fill('#filter-endpoint', endpoint);
    await page.selectOption('#filter-status', status);
    await page.selectOption('#filter-event-type', eventType);
    await page.click('#filters button[type="submit"]');
    await deliveriesReady();
    return deliveryIds();
  }

  step('the page loads with a strict Content-Security-Policy');
  const response = await page.goto(`${args.url}/dashboard`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.match(response.headers()['content-security-policy'] || '', /script-src 'self'/);
  await page.waitForSelector('#key-form');

  step('an sk_ key sees the endpoints and their subscriptions');
  await useKey(expect.sk_key);
  assert.equal(await page.locator('#endpoints-panel .panel-error').isVisible(), false);
  const endpointIds = await page.locator('#endpoints li.endpoint').evaluateAll((items) => items.map((i) => i.dataset.id));
  assert.deepEqual(sorted(endpointIds), sorted(expect.endpoints));
  const unauthorized = page.locator(`#endpoints li.endpoint[data-id="${expect.unauthorized_endpoint}"] .unauthorized`);
  assert.match(await unauthorized.first().textContent(), /not authorized \(key_revoked\)/);
  const authorizedCount = await page.locator('#endpoints .subscriptions li.authorized').count();
  assert.ok(authorizedCount >= 2, `authorized subscriptions shown: ${authorizedCount}`);
  // The key is nowhere but in the page's memory.
  assert.equal(await page.inputValue('#key'), '');
  assert.ok(!page.url().includes(expect.sk_key));
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);

  step('the deliveries appear, newest first');
  assert.deepEqual(await deliveryIds(), expect.deliveries);

  step('filters change the list: status=failed, one endpoint, one event type');
  assert.deepEqual(await filter({ status: 'failed' }), expect.failed);
  const statuses = await page.locator('#deliveries tbody tr.delivery').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.ok(statuses.every((s) => s === 'failed'), `statuses after the filter: ${statuses}`);
  assert.deepEqual(await filter({ endpoint: expect.endpoint_filter.endpoint }), expect.endpoint_filter.deliveries);
  assert.deepEqual(await filter({ eventType: expect.event_type_filter.event_type }), expect.event_type_filter.deliveries);
  assert.deepEqual(await filter({ status: 'failed' }), expect.failed);

  step('a delivery shows its attempts and payload');
  await page.click(`#deliveries tbody tr.delivery[data-id="${expect.retry}"]`);
  await page.waitForSelector('#detail-panel[data-state="ready"]');
  assert.equal(await page.textContent('#detail-id'), expect.retry);
  const attempts = page.locator('#attempts tbody tr.attempt');
  assert.equal(await attempts.count(), 1);
  assert.match(await attempts.first().textContent(), /failed.*500/s);
  assert.match(await page.textContent('#payload'), /order\.accepted/);

  step('Retry with the sk_ key reports success');
  assert.equal(await page.isVisible('#retry'), true);
  await page.click('#retry');
  await page.waitForSelector('#retry-result.ok');
  assert.match(await page.textContent('#retry-result'), /Retry scheduled: the delivery is pending/);
  await deliveriesReady();
  await page.waitForSelector('#detail-panel[data-state="ready"]');
  assert.match(await page.textContent('#detail-summary'), /pending/);
  assert.equal(await page.locator('#retries li code').count(), 1, 'the detail lists the retry just asked for');
  assert.match(await page.textContent('#retry-result'), /Retry scheduled/);
  const failedRow = page.locator(`#deliveries tbody tr.delivery[data-id="${expect.retry}"]`);
  assert.equal(await failedRow.count(), 0, 'the retried delivery left the failed list');
  await page.screenshot({ path: args.screenshot, fullPage: true });

  step('a pk_ key without webhooks.endpoints:read sees SCOPE_REQUIRED, and still its deliveries');
  await page.click('#forget');
  assert.equal(await page.isVisible('#main'), false);
  await useKey(expect.pk_key);
  const scopeError = page.locator('#endpoints-panel .panel-error');
  assert.equal(await scopeError.isVisible(), true);
  assert.match(await scopeError.getAttribute('class'), /scope/);
  assert.match(await scopeError.textContent(), /webhooks\.endpoints:read/);
  assert.match(await scopeError.textContent(), /SCOPE_REQUIRED/);
  assert.equal(await page.locator('#endpoints li.endpoint').count(), 0);
  assert.equal(await page.locator('#deliveries-panel .panel-error').isVisible(), false);
  assert.deepEqual(sorted(await deliveryIds()), sorted(expect.deliveries));

  step('the pk_ key sees attempts but neither the payload nor a Retry button');
  await page.click(`#deliveries tbody tr.delivery[data-id="${expect.failed[expect.failed.length - 1]}"]`);
  await page.waitForSelector('#detail-panel[data-state="ready"]');
  assert.equal(await page.locator('#attempts tbody tr.attempt').count(), 1);
  assert.equal(await page.isVisible('#payload-withheld'), true);
  assert.match(await page.textContent('#payload-withheld'), /store\.orders:read/);
  assert.equal(await page.isVisible('#retry'), false);

  assert.deepEqual(problems, [], 'the page logged no errors (no CSP violations, no exceptions)');
  console.log('dashboard: all checks passed');
} catch (error) {
  failed = true;
  console.error(`dashboard test failed: ${error.stack || error}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
