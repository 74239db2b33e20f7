/**
 * The console's server side, without a browser (test/console.spec.ts drives the page in Chromium):
 * off by default, its files and its one state endpoint behind the admin path's protections, the
 * usage history on the virtual clock (at each change, expiries at their own instant, bounded), the
 * request log (bounded), and new license versions from the console.
 */
import assert from 'node:assert/strict';

import { CheckInLicenseCommand } from '@aws-sdk/client-license-manager';

import { HISTORY_POINTS, UsageHistory } from '../src/console/usage-history.js';
import { REQUEST_LOG_SIZE, RequestLog } from '../src/console/request-log.js';
import { optionsFromArgs } from '../src/cli-options.js';
import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  HOUR,
  MINUTE,
  TIERED_ARN,
  admin,
  checkout,
  expectAwsError,
  httpRequest,
  standardSeeds,
  useEmulator,
} from './support/emulator-fixture.js';

interface OverviewAnswer {
  epochMs: number;
  since: number;
  licenses: {
    LicenseArn: string;
    Status: string;
    Version: string;
    versions: number;
    Validity: { Begin: string; End?: string };
    Entitlements: { Name: string; held: number; consumed: number; history: [number, number, number][] }[];
  }[];
  consumptions: { token: string; kind: string; checkout: string; productSku: string; expiration: string | null }[];
  faults: unknown[];
  calls: { id: number; operation: string; outcome: string; status: number; error?: string; fault: boolean }[];
}

function entitlement(o: OverviewAnswer, arn: string, name: string) {
  const found = o.licenses.find((l) => l.LicenseArn === arn)?.Entitlements.find((e) => e.Name === name);
  assert.ok(found !== undefined, `${arn} ${name}`);
  return found;
}

describe('console: off by default', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  it('serves no page, no overview and records nothing without console: true', async () => {
    assert.equal(lm.running.consoleUrl, undefined);
    assert.equal((await admin(lm.running.url, 'GET', '/console/')).status, 404);
    assert.equal((await admin(lm.running.url, 'GET', '/overview')).status, 404);
    assert.equal(lm.running.emulator.history, undefined);
    assert.equal(lm.running.emulator.requestLog, undefined);
  });

  it('--console turns it on; without the flag it is off', () => {
    assert.equal((optionsFromArgs(['--console']) as { console?: boolean }).console, true);
    assert.equal((optionsFromArgs([]) as { console?: boolean }).console, undefined);
  });
});

describe('console: files and protection', () => {
  const lm = useEmulator(
    () => ({ licenses: standardSeeds(), console: true, auth: 'strict', accessKeys: [CREDENTIALS] }),
    { each: false },
  );
  const own = (): string => `127.0.0.1:${lm.running.port}`;

  it('consoleUrl carries the admin token in its fragment', () => {
    const url = new URL(lm.running.consoleUrl as string);
    assert.equal(url.pathname, '/_emulator/console/');
    assert.equal(url.hash, `#token=${lm.running.adminToken}`);
  });

  it('serves its page and files without the token, with a strict Content-Security-Policy', async () => {
    for (const [name, type] of [
      ['', 'text/html'],
      ['console.js', 'text/javascript'],
      ['chart.js', 'text/javascript'],
      ['dom.js', 'text/javascript'],
      ['console.css', 'text/css'],
      ['uPlot.iife.min.js', 'text/javascript'],
      ['uPlot.min.css', 'text/css'],
    ]) {
      const answer = await httpRequest(lm.running.url, {
        path: `/_emulator/console/${name}`,
        headers: { host: own() },
      });
      assert.equal(answer.status, 200, name);
      assert.match(String(answer.headers['content-type']), new RegExp(`^${type}`), name);
      assert.match(String(answer.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    }
    const redirect = await httpRequest(lm.running.url, { path: '/_emulator/console', headers: { host: own() } });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, '/_emulator/console/');
  });

  it('serves nothing else from the package (no path walking)', async () => {
    for (const name of ['../package.json', '..%2fpackage.json', 'index.html', 'types.js', 'console.d.ts', 'LICENSE']) {
      const answer = await httpRequest(lm.running.url, {
        path: `/_emulator/console/${name}`,
        headers: { host: own() },
      });
      assert.ok(answer.status === 404 || answer.status === 401, `${name}: ${answer.status}`);
      assert.doesNotMatch(answer.text, /"name"|Permission is hereby granted/, name);
    }
  });

  it('checks the Host of the page too (DNS rebinding)', async () => {
    const answer = await httpRequest(lm.running.url, {
      path: '/_emulator/console/',
      headers: { host: `attacker.example:${lm.running.port}` },
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.json?.['code'], 'ERR_LG_EMU_ADMIN_HOST');
  });

  it('the overview and the version route need the token under strict auth', async () => {
    const url = lm.running.url;
    assert.equal((await admin(url, 'GET', '/overview')).json?.['code'], 'ERR_LG_EMU_ADMIN_TOKEN');
    const refused = await admin(url, 'POST', '/licenses/version', { LicenseArn: TIERED_ARN, Status: 'DEACTIVATED' });
    assert.equal(refused.status, 401);
    assert.equal(lm.running.emulator.dump().licenses.find((l) => l.LicenseArn === TIERED_ARN)?.versions.length, 1);
    assert.equal((await admin(url, 'GET', '/overview', undefined, lm.running.adminToken)).status, 200);
  });
});

describe('console: overview, history and request log', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds(), console: true }), { each: false });
  const overview = async (query = ''): Promise<OverviewAnswer> => {
    const answer = await admin(lm.running.url, 'GET', `/overview${query}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.json as unknown as OverviewAnswer;
  };

  it('shows usage now and its changes on the virtual clock, an expiry at its own instant', async () => {
    const t0 = lm.running.clock.now();
    await checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }] });
    lm.running.clock.advance(10 * MINUTE);
    const second = await checkout(lm.client);
    lm.running.clock.advance(10 * MINUTE);
    await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: second.LicenseConsumptionToken }));
    let seats = entitlement(await overview(), CONFIGURABLE_ARN, 'ConcurrentUsers');
    assert.equal(seats.held, 2);
    assert.deepEqual(
      seats.history.map(([t, held]) => [Math.round((t - t0) / MINUTE), held]),
      [
        [0, 2],
        [10, 3],
        [20, 2],
      ],
    );
    // The first checkout's 60-minute lease runs out at t0 + 60 min; the clock is read at t0 + 80.
    lm.running.clock.advance(60 * MINUTE);
    const o = await overview('?window=' + 2 * HOUR);
    seats = entitlement(o, CONFIGURABLE_ARN, 'ConcurrentUsers');
    assert.equal(seats.held, 0);
    const last = seats.history[seats.history.length - 1] as [number, number, number];
    assert.equal(Math.round((last[0] - t0) / MINUTE), 60, 'recorded when the lease ran out, not when it was seen');
    assert.equal(last[1], 0);
    assert.equal(o.since, o.epochMs - 2 * HOUR);
  });

  it('starts the window with the last change before it, and tells tiers no history', async () => {
    await checkout(lm.client);
    lm.running.clock.advance(90 * MINUTE);
    const o = await overview(); // the last hour
    const seats = entitlement(o, CONFIGURABLE_ARN, 'ConcurrentUsers');
    assert.equal(seats.history.length, 2, 'the checkout (before the window) and its expiry');
    assert.ok((seats.history[0] as [number, number, number])[0] < o.since);
    assert.deepEqual(entitlement(o, TIERED_ARN, 'Intermediate').history, []);
  });

  it('lists live consumptions with the token cut short and the checkout they came from', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client);
    await checkout(lm.client, {
      type: 'PERPETUAL',
      entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '7' }],
    });
    const o = await overview();
    assert.equal(o.consumptions.length, 2);
    const provisional = o.consumptions.find((c) => c.kind === 'PROVISIONAL');
    assert.equal(provisional?.token, `${(LicenseConsumptionToken as string).slice(0, 8)}…`);
    assert.equal(provisional?.checkout, 'CheckoutLicense');
    assert.equal(provisional?.productSku, 'sku-configurable');
    assert.equal(o.consumptions.find((c) => c.kind === 'PERPETUAL')?.expiration, null);
    assert.ok(!JSON.stringify(o).includes(LicenseConsumptionToken as string), 'no whole token in the overview');
    assert.equal(entitlement(o, CONFIGURABLE_ARN, 'DataConsumption').consumed, 7);
  });

  it('logs each AWS call with its outcome, status and whether a fault struck', async () => {
    lm.running.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'RateLimitExceededException', times: 1 });
    await expectAwsError(checkout(lm.client), 'RateLimitExceededException', 429);
    await checkout(lm.client);
    await expectAwsError(checkout(lm.client, { sku: 'no-such-sku' }), 'ResourceNotFoundException', 400);
    lm.running.addFault({ kind: 'drop', times: 1 });
    await assert.rejects(checkout(lm.client));
    const calls = (await overview()).calls;
    assert.deepEqual(
      calls.map((c) => [c.id, c.operation, c.outcome, c.status, c.error ?? null, c.fault]),
      [
        [1, 'CheckoutLicense', 'error', 429, 'RateLimitExceededException', true],
        [2, 'CheckoutLicense', 'ok', 200, null, false],
        [3, 'CheckoutLicense', 'error', 400, 'ResourceNotFoundException', false],
        [4, 'CheckoutLicense', 'dropped', 0, null, true],
      ],
    );
    lm.running.reset();
    assert.deepEqual((await overview()).calls, [], 'reset empties the log');
  });

  it('refuses a bad window with ERR_LG_EMU_BAD_ADMIN_REQUEST', async () => {
    for (const query of ['?window=-1', '?window=abc', '?window=999999999999999']) {
      const answer = await admin(lm.running.url, 'GET', `/overview${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_ADMIN_REQUEST');
    }
  });
});

describe('console: new license versions', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds(), console: true }), { each: false });
  const version = (body: unknown) => admin(lm.running.url, 'POST', '/licenses/version', body);
  const current = () => {
    const license = lm.running.emulator.dump().licenses.find((l) => l.LicenseArn === CONFIGURABLE_ARN);
    return license?.versions[license.versions.length - 1] as Record<string, unknown> & {
      Status: string;
      Version: string;
      Validity: { End: string };
      Entitlements: { Name: string; MaxCount?: number }[];
    };
  };

  it('upgrades: new entitlements, the rest restated; checkouts see it at once', async () => {
    const answer = await version({
      LicenseArn: CONFIGURABLE_ARN,
      Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', MaxCount: 7, Overage: false, AllowCheckIn: true }],
    });
    assert.equal(answer.status, 201, answer.text);
    assert.deepEqual(answer.json, { LicenseArn: CONFIGURABLE_ARN, Version: '2', Status: 'AVAILABLE' });
    assert.deepEqual(
      current().Entitlements.map((e) => [e.Name, e.MaxCount]),
      [['ConcurrentUsers', 7]],
    );
    await checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '7' }] });
  });

  it('cancels (DEACTIVATED), renews (+365d from the virtual now) and expires now', async () => {
    assert.equal((await version({ LicenseArn: CONFIGURABLE_ARN, Status: 'DEACTIVATED' })).status, 201);
    assert.equal(current().Status, 'DEACTIVATED');
    await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
    lm.running.clock.advance(400 * 24 * HOUR);
    assert.equal(
      (await version({ LicenseArn: CONFIGURABLE_ARN, Status: 'AVAILABLE', Validity: { End: '+365d' } })).status,
      201,
    );
    const end = Date.parse(current().Validity.End);
    assert.ok(Math.abs(end - (lm.running.clock.now() + 365 * 24 * HOUR)) < 2000, current().Validity.End);
    await checkout(lm.client);
    assert.equal((await version({ LicenseArn: CONFIGURABLE_ARN, Validity: { End: 'now' } })).status, 201);
    assert.equal(current().Status, 'EXPIRED');
    assert.equal(current().Version, '4');
  });

  it('refuses a bad change with ERR_LG_EMU_BAD_ADMIN_REQUEST and makes no version', async () => {
    for (const body of [
      { LicenseArn: 'arn:aws:license-manager::294406891311:license:l-00000000000000000000000000000000' },
      { LicenseArn: CONFIGURABLE_ARN, Statsu: 'DEACTIVATED' },
      { LicenseArn: CONFIGURABLE_ARN, Validity: { End: 'tomorrow-ish' } },
      { LicenseArn: CONFIGURABLE_ARN, Validity: { Begin: '+1d', End: 'now' } },
      { LicenseArn: CONFIGURABLE_ARN, Entitlements: [{ Name: 'x' }] },
      { LicenseArn: CONFIGURABLE_ARN, Status: 'SOLD' },
      [],
    ]) {
      const answer = await version(body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_ADMIN_REQUEST');
      assert.equal(current().Version, '1', JSON.stringify(body));
    }
  });
});

describe('console: bounded memory', () => {
  it('the history keeps the last points of an entitlement, and forgets what a clock set back undid', () => {
    const history = new UsageHistory();
    for (let t = 0; t < HISTORY_POINTS * 3; t++) history.record('arn', 'Seats', { held: t, consumed: 0 }, t);
    const points = history.pointsOf('arn', 'Seats');
    assert.ok(points.length <= HISTORY_POINTS * 1.25 && points.length >= HISTORY_POINTS, String(points.length));
    assert.equal(points[points.length - 1]?.t, HISTORY_POINTS * 3 - 1);
    history.record('arn', 'Seats', { held: 1, consumed: 0 }, 100 + HISTORY_POINTS * 2);
    assert.equal(history.pointsOf('arn', 'Seats').at(-1)?.t, 100 + HISTORY_POINTS * 2);
    assert.equal(history.pointsOf('arn', 'Seats').at(-2)?.t, 99 + HISTORY_POINTS * 2);
  });

  it('the request log keeps the last calls, oldest first', () => {
    const log = new RequestLog();
    const call = {
      at: '',
      virtualAt: '',
      operation: 'GetLicense',
      outcome: 'ok',
      status: 200,
      latencyMs: 1,
      fault: false,
    } as const;
    for (let i = 0; i < REQUEST_LOG_SIZE + 5; i++) log.add(call);
    const kept = log.list();
    assert.equal(kept.length, REQUEST_LOG_SIZE);
    assert.equal(kept[0]?.id, 6);
    assert.equal(kept.at(-1)?.id, REQUEST_LOG_SIZE + 5);
  });
});
