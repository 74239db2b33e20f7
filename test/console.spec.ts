/**
 * The emulator console (issue #17) in a real browser: playwright-core drives Debian's `chromium`
 * (`.ci/run` installs it; without it this suite says so in one line and skips). Each test starts
 * an emulator with the console and the demo licenses, talks to it through the real AWS SDK over
 * HTTP, and reads the page as a person would: text in cells, the chart's drawing, the log's rows.
 * No test may leave an error on the page's console, and axe-core checks its labels and roles.
 *
 * Screenshots of the main views go to `artifacts/console/` (git-ignored).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import {
  CheckoutLicenseCommand,
  LicenseManagerClient,
  RateLimitExceededException,
  type CheckoutLicenseCommandOutput,
} from '@aws-sdk/client-license-manager';
import { silentLogger } from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import { MARKETPLACE_ACCOUNT_ID, fingerprintOf, startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { createDemoApp } from '@licensegate/example-express';
import { REGION } from '@licensegate/testkit';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

import { startDemoGates } from './support/demo-gates.js';

const CHROMIUM = process.env['LICENSEGATE_CHROMIUM'] ?? '/usr/bin/chromium';
const DEMO_LICENSES = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/console/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const FINGERPRINT = fingerprintOf(MARKETPLACE_ACCOUNT_ID, 'AWS/Marketplace');
/** What the test's AWS SDK signs with (tools/test-env.cjs), accepted under strict auth. */
const KEY = { accessKeyId: 'AKIDLICENSEGATETEST', secretAccessKey: 'licensegate-test-secret' };

/** What the tests read of a `<canvas>` (the test project has no DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/**
 * Waits until `condition` holds, polling: the page updates once a second, on its own (real time).
 * Fails with the condition's text after `timeoutMs`.
 */
async function eventually(
  condition: () => Promise<boolean>,
  context: () => string = () => '',
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${condition.toString()} ${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the emulator console, in Chromium', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  let lm: RunningEmulator;
  let page: Page;
  let client: LicenseManagerClient;
  /** Errors the page reported: console errors, uncaught exceptions, failed requests. */
  let pageErrors: string[];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`  the console's browser tests are skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  /** A new emulator (strict auth: the page must carry the admin token) and a page on its console. */
  async function openConsole(options: { strict?: boolean } = {}): Promise<void> {
    lm = await startEmulator({
      licenses: DEMO_LICENSES,
      console: true,
      ...(options.strict === false ? {} : { auth: 'strict' as const, accessKeys: [KEY] }),
    });
    client = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
    page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    pageErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('requestfailed', (request) => pageErrors.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.goto(lm.consoleUrl as string);
    await page.locator('article.license').nth(2).waitFor();
  }

  afterEach(async () => {
    // Read before the page closes: closing aborts the poll in flight, which is no error of the page.
    const errors = [...pageErrors];
    await page?.close();
    client?.destroy();
    await lm?.close();
    assert.deepEqual(errors, [], 'no errors on the page');
  });

  function license(sku: string) {
    return page.locator(`article.license[data-sku="${sku}"]`);
  }

  function cell(sku: string, entitlement: string, column: 'held' | 'consumed' | 'max') {
    return license(sku).locator(`tr[data-entitlement="${entitlement}"] td.${column}`);
  }

  async function checkout(sku: string, name: string, value: number): Promise<CheckoutLicenseCommandOutput> {
    return client.send(
      new CheckoutLicenseCommand({
        ProductSKU: sku,
        CheckoutType: 'PROVISIONAL',
        KeyFingerprint: FINGERPRINT,
        Entitlements: [{ Name: name, Unit: 'Count', Value: String(value) }],
        ClientToken: crypto.randomUUID(),
      }),
    );
  }

  /** Pixels of a chart's canvas in the colour of its "in use" line (#1f6feb) or near it. */
  function bluePixels(canvas: Locator): Promise<number> {
    return canvas.evaluate((element) => {
      const c = element as unknown as CanvasLike;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
        if (r < 90 && g > 80 && g < 150 && b > 200) n++;
      }
      return n;
    });
  }

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  }

  it('shows every license; a license issued by the form and seats taken through the AWS SDK show in the numbers, the chart and the tokens', async () => {
    await openConsole();
    assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    assert.equal(await license('lg-demo-tiered').locator('.badge').textContent(), 'AVAILABLE');
    assert.equal(await cell('lg-demo-configurable', 'ConcurrentUsers', 'max').textContent(), '5');

    await page.getByLabel('Product SKU').fill('lg-console-test');
    await page.getByLabel('Product name').fill('Console test');
    await page.locator('#issue-form').getByRole('button', { name: 'Issue license' }).click();
    await license('lg-console-test').waitFor();
    assert.equal(await cell('lg-console-test', 'Seats', 'max').textContent(), '10');
    assert.equal(await cell('lg-console-test', 'Seats', 'held').textContent(), '0');

    const chart = license('lg-console-test').locator('figure.chart');
    const before = await bluePixels(chart.locator('canvas'));
    const { LicenseConsumptionToken } = await checkout('lg-console-test', 'Seats', 3);
    await checkout('lg-console-test', 'Seats', 4);
    await eventually(async () => (await cell('lg-console-test', 'Seats', 'held').textContent()) === '7');
    await eventually(async () => (await chart.getAttribute('data-held')) === '7');
    assert.match((await chart.locator('.chart-summary').textContent()) ?? '', /^7 in use, 0 consumed of 10; 2 change/);
    const after = await bluePixels(chart.locator('canvas'));
    assert.ok(after > before + 100, `the chart drew the seats in use: ${before} blue pixels before, ${after} after`);

    const tokens = page.locator('#tokens tbody tr');
    assert.equal(await tokens.count(), 2);
    const shown = (await tokens.first().locator('code').textContent()) ?? '';
    assert.match(shown, /^[0-9a-f]{8}…$/, 'tokens are truncated');
    assert.ok(LicenseConsumptionToken?.startsWith(shown.slice(0, 8)) || (await page.content()).includes(shown));
    assert.ok(!(await page.content()).includes(LicenseConsumptionToken as string), 'no whole token on the page');
    assert.match((await tokens.first().textContent()) ?? '', /CheckoutLicense \(PROVISIONAL\).*Seats 3|Seats 4/);
    await shot('licenses');
  });

  it('advancing the virtual clock by the buttons lets seats expire, at their expiry on the chart', async () => {
    await openConsole();
    const seats = () => cell('lg-demo-configurable', 'ConcurrentUsers', 'held').textContent();
    const advance = async (label: string, offset: RegExp): Promise<void> => {
      await page.getByRole('button', { name: label }).click();
      await eventually(async () => offset.test((await page.locator('#clock-offset').textContent()) ?? ''));
    };
    await checkout('lg-demo-configurable', 'ConcurrentUsers', 1);
    await advance('+15 min', /15 min ahead/);
    await checkout('lg-demo-configurable', 'ConcurrentUsers', 2);
    await advance('+15 min', /30 min ahead/);
    await checkout('lg-demo-configurable', 'ConcurrentUsers', 1);
    await client.send(
      new CheckoutLicenseCommand({
        ProductSKU: 'lg-demo-configurable',
        CheckoutType: 'PERPETUAL',
        KeyFingerprint: FINGERPRINT,
        Entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '120' }],
        ClientToken: crypto.randomUUID(),
      }),
    );
    await eventually(async () => (await seats()) === '4');
    assert.equal(await cell('lg-demo-configurable', 'DataConsumption', 'consumed').textContent(), '120');
    await advance('+1 h', /1 h 30 min ahead/);
    // The first seat's 60-minute lease ran out 30 minutes ago, the second's 15 minutes ago, the last's now.
    await eventually(async () => (await seats()) === '0');
    const chart = license('lg-demo-configurable').locator('figure.chart').first();
    // In the last hour: 3 held at its start, then 4, then back to 3, 1 and 0 as the leases ran out.
    assert.match((await chart.locator('.chart-summary').textContent()) ?? '', /^0 in use, 0 consumed of 5; 4 change/);
    const tokens = page.locator('#tokens tbody tr');
    assert.equal(await tokens.count(), 1, 'only the PERPETUAL consumption is left');
    assert.match((await tokens.textContent()) ?? '', /PERPETUAL.*DataConsumption 120.*never/);
    await shot('clock');
    await license('lg-demo-configurable').screenshot({ path: `${ARTIFACTS}chart.png` });
  });

  it('an injected fault shows in the request log, which filters by text and outcome', async () => {
    await openConsole();
    await page.getByLabel('Operation').selectOption('CheckoutLicense');
    await page.getByLabel('Fault', { exact: true }).selectOption('throttle');
    await page.getByLabel('Times (empty: until cleared)').fill('1');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await page.locator('#faults li[data-fault]').waitFor();
    await assert.rejects(checkout('lg-demo-configurable', 'ConcurrentUsers', 1), RateLimitExceededException);
    await checkout('lg-demo-configurable', 'ConcurrentUsers', 1);
    await client.send(new CheckoutLicenseCommand({} as never)).catch(() => undefined); // a ValidationException

    const rows = page.locator('#log tbody tr');
    await eventually(async () => (await rows.count()) === 3);
    const throttled = page.locator('#log tbody tr[data-outcome="error"]', { hasText: 'RateLimitExceeded' });
    assert.match(
      (await throttled.textContent()) ?? '',
      /CheckoutLicenseerror \(injected fault\)429\d+ msRateLimitExceededException/,
    );
    assert.equal(await page.locator('#faults li[data-fault]').count(), 0, 'a times: 1 fault is used up');

    await page.getByLabel('Outcome').selectOption('error');
    assert.equal(await rows.count(), 2);
    await page.getByLabel('Filter').fill('ratelimit');
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Outcome').selectOption('ok');
    assert.equal(await page.locator('#log tbody').textContent(), 'No calls.');
    await page.getByLabel('Filter').fill('');
    await page.getByLabel('Outcome').selectOption('');

    // The other kinds, listed until cleared.
    await page.getByLabel('Operation').selectOption('*');
    await page.getByLabel('Times (empty: until cleared)').fill('');
    for (const kind of ['5xx', 'latency', 'drop']) {
      await page.getByLabel('Fault', { exact: true }).selectOption(kind);
      await page.getByRole('button', { name: 'Inject fault' }).click();
    }
    await eventually(async () => (await page.locator('#faults li[data-fault]').count()) === 3);
    assert.match(
      (await page.locator('#faults').textContent()) ?? '',
      /ServerInternalException on every operation, until cleared.*\+2000 ms on every operation.*dropped connection/,
    );
    await page.getByRole('button', { name: 'Clear all faults' }).click();
    await eventually(async () => (await page.locator('#faults li[data-fault]').count()) === 0);
    assert.equal(lm.emulator.faults.list().length, 0);
    await shot('request-log');
  });

  it("an upgrade through the form turns the Express demo's /reports/premium from 403 to 200 within one refresh", async () => {
    await openConsole({ strict: false });
    const clock = new ManualClock(lm.clock.now());
    const gates = await startDemoGates({ endpoint: lm.url, region: REGION, clock, logger: silentLogger });
    const server = createDemoApp(gates, { consoleUrl: lm.consoleUrl }).listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${app}/reports/premium`)).status, 403);

      // By keyboard: the summary opens the form, Tab reaches the entitlement's name.
      const tiered = license('lg-demo-tiered');
      await tiered.locator('summary').focus();
      await page.keyboard.press('Enter');
      const name = tiered.getByLabel('Name', { exact: true });
      assert.equal(await name.inputValue(), 'Intermediate');
      await name.fill('Premium');
      await tiered.getByRole('button', { name: 'Create version' }).click();
      await eventually(async () => (await tiered.getAttribute('data-version')) === '2');
      assert.equal(await tiered.locator('tr[data-entitlement] th').textContent(), 'Premium');
      assert.equal((await fetch(`${app}/reports/premium`)).status, 403, 'the app still has the old version');

      // The app's own page: its status, a link to the console, and a refresh of its licenses.
      const side = await (browser as Browser).newPage();
      await side.goto(`${app}/_status`);
      assert.equal(await side.locator('#tier').textContent(), 'Intermediate');
      assert.equal(await side.getByRole('link', { name: /console/ }).getAttribute('href'), lm.consoleUrl);
      // Each gate's readiness, and the counters its metrics read (the configurable gate's seats and units).
      assert.match((await side.locator('#health').textContent()) ?? '', /tiers: ready \(tiers ok\)/);
      assert.match(
        (await side.locator('#health').textContent()) ?? '',
        /usage: ready \(seats ok, DataConsumption ok\)/,
      );
      const held = side.locator('#metrics tr', { hasText: 'licensegate.seats.held' });
      assert.equal(await held.locator('td').nth(2).textContent(), String(gates.usage.seats.stats().held));
      await side.getByRole('button', { name: 'Refresh the licenses now' }).click();
      await side.waitForURL(`${app}/_status`);
      assert.equal(await side.locator('#tier').textContent(), 'Premium');
      await side.close();
      assert.equal((await fetch(`${app}/reports/premium`)).status, 200);

      // The scheduled refresh does the same: a downgrade is seen once the refresh interval has passed.
      await tiered.locator('summary').click();
      assert.equal(
        await tiered.getByLabel('Name', { exact: true }).inputValue(),
        'Premium',
        'the form shows version 2',
      );
      await tiered.getByLabel('Name', { exact: true }).fill('Basic');
      await tiered.getByRole('button', { name: 'Create version' }).click();
      await eventually(async () => (await tiered.getAttribute('data-version')) === '3');
      assert.equal((await fetch(`${app}/reports/premium`)).status, 200);
      clock.advance(gates.tiers.options.refreshIntervalMs);
      await eventually(
        async () => (await fetch(`${app}/reports/premium`)).status === 403,
        () => JSON.stringify(gates.tiers.status()),
        10_000,
      );
      await shot('upgrade');
    } finally {
      server.closeAllConnections();
      server.close();
      await Promise.all([gates.tiers.stop(), gates.usage.stop()]);
    }
  });

  it('renew, cancel and expire make new versions; reset goes back to the seed licenses', async () => {
    await openConsole();
    const tiered = license('lg-demo-tiered');
    await tiered.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => (await tiered.getAttribute('data-status')) === 'DEACTIVATED');
    await tiered.getByRole('button', { name: 'Renew for a year' }).click();
    await eventually(async () => (await tiered.getAttribute('data-status')) === 'AVAILABLE');
    await tiered.getByRole('button', { name: 'Expire now' }).click();
    await eventually(async () => (await tiered.getAttribute('data-status')) === 'EXPIRED');
    assert.equal(await tiered.getAttribute('data-version'), '4');
    await page.getByLabel('Set to (UTC)').fill('2031-05-06T07:08:09');
    await page.getByRole('button', { name: 'Set clock' }).click();
    await eventually(async () => ((await page.locator('#clock').textContent()) ?? '').startsWith('2031-05-06T07:08'));
    await page.getByRole('button', { name: 'Back to real time' }).click();
    await eventually(async () => (await page.locator('#clock-offset').textContent()) === '(real time)');
    await page.getByRole('button', { name: 'Reset to the seed licenses' }).click();
    await eventually(async () => (await license('lg-demo-tiered').getAttribute('data-version')) === '1');
    assert.equal(await license('lg-demo-tiered').getAttribute('data-status'), 'AVAILABLE');
  });

  it('is usable by keyboard and labelled for a screen reader (axe-core finds no violation)', async () => {
    await openConsole();
    await checkout('lg-demo-configurable', 'ConcurrentUsers', 2);
    await eventually(async () => (await page.locator('#tokens tbody tr code').count()) === 1);
    await page.locator('#issue-json-form textarea').fill('{}'); // a form with content, and an error message
    // Evaluated, not added as a script tag: the page's Content-Security-Policy allows no script but its own.
    await page.evaluate(readFileSync(AXE, 'utf8'));
    const violations = (await page.evaluate(
      `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }).then((r) =>
         r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
    )) as string[];
    assert.deepEqual(violations, []);

    // Every control can be reached with Tab, and "+1 h" works from the keyboard.
    const reached = new Set<string>();
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('Tab');
      const name = (await page.evaluate(
        `(() => { const e = document.activeElement; return e ? e.tagName + ':' + (e.id || e.textContent.trim()) : '' })()`,
      )) as string;
      reached.add(name);
      if (name === 'BUTTON:+1 h') break;
    }
    assert.ok(reached.has('SELECT:chart-window') && reached.has('INPUT:log-filter'), [...reached].join(' | '));
    assert.ok(reached.has('BUTTON:+1 h'), 'Tab reaches the clock buttons');
    await page.keyboard.press('Enter');
    await eventually(async () => /1 h ahead/.test((await page.locator('#clock-offset').textContent()) ?? ''));
  });
});
