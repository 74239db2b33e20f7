/**
 * The demo table: what the three example apps promise alike — the routes and answers their
 * `main.ts` files print as curl lines — written once against a {@link DemoDriver} and driven over
 * HTTP only, against an in-process emulator seeded with packages/emulator/licenses/demo.json,
 * through the real AWS SDK. An example's suite is one spec file:
 *
 * ```ts
 * import { runDemoTable } from './support/demo-scenarios.js';
 * import { expressDemoDriver } from './support/express-demo-driver.js';
 *
 * runDemoTable(expressDemoDriver);
 * ```
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import {
  GetLicenseUsageCommand,
  LicenseManagerClient,
  ListReceivedLicensesCommand,
} from '@aws-sdk/client-license-manager';
import { silentLogger, type GateHealth, type UnavailablePolicy } from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { assertProblem, REGION, until } from '@licensegate/testkit';
import request from 'supertest';

import type { DemoDriver, ServedDemo } from './demo-driver.js';

export type { DemoDriver, DemoWorld, ServedDemo } from './demo-driver.js';

const DEMO_LICENSES = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
/** The product whose seats and units the demo's `usage` gate enforces. */
const CONFIGURABLE = 'lg-demo-configurable';

/** A test's world: the emulator, a seller's view of what it counted, and the served demo app. */
interface TableWorld {
  readonly lm: RunningEmulator;
  /** The gates' clock (time passes only when a test moves it, with the emulator's). */
  readonly clock: ManualClock;
  readonly demo: ServedDemo;
  /** What License Manager counts as consumed of the configurable product's `entitlement`. */
  consumed(entitlement: 'ConcurrentUsers' | 'DataConsumption'): Promise<number>;
}

/** A new emulator and app for each test of the block; everything closed after it. */
function useDemoWorld(driver: DemoDriver, onUnavailable?: UnavailablePolicy): () => TableWorld {
  let world: TableWorld | undefined;
  let seller: LicenseManagerClient | undefined;
  let lm: RunningEmulator | undefined;

  beforeEach(async () => {
    lm = await startEmulator({ licenses: DEMO_LICENSES });
    const admin = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
    seller = admin;
    const clock = new ManualClock(lm.clock.now());
    const demo = await driver.serve({
      endpoint: lm.url,
      region: REGION,
      clock,
      logger: silentLogger,
      ...(onUnavailable === undefined ? {} : { onUnavailable }),
    });
    world = {
      lm,
      clock,
      demo,
      async consumed(entitlement) {
        const { Licenses } = await admin.send(
          new ListReceivedLicensesCommand({ Filters: [{ Name: 'ProductSKU', Values: [CONFIGURABLE] }] }),
        );
        const arn = Licenses?.[0]?.LicenseArn;
        assert.ok(arn !== undefined, 'the configurable demo license');
        const answer = await admin.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
        const usage = answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === entitlement);
        return Number(usage?.ConsumedValue ?? '0');
      },
    };
  });

  afterEach(async () => {
    await world?.demo.dispose();
    seller?.destroy();
    await lm?.close();
    world = seller = lm = undefined;
  });

  return () => {
    assert.ok(world !== undefined, 'the demo world exists only inside a test');
    return world;
  };
}

/** The public route and the tiered product's reports. */
function tierScenarios(world: () => TableWorld): void {
  it('GET / answers anyone, with the tier', async () => {
    const res = await request(world().demo.url).get('/').expect(200);
    assert.deepEqual(res.body, { hello: 'anyone may see this', tier: 'Intermediate' });
  });

  it('GET /reports/basic: 200, the demo license grants Intermediate', async () => {
    const res = await request(world().demo.url).get('/reports/basic').expect(200);
    assert.deepEqual(res.body, { report: 'basic', tier: 'Intermediate' });
  });

  it('GET /reports/premium: 403 problem+json, Premium needed', async () => {
    assertProblem(await request(world().demo.url).get('/reports/premium'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
    });
  });
}

/** Login, the seat-only area, backups and logout; the five seats. */
function accountScenarios(driver: DemoDriver, world: () => TableWorld): void {
  it('login starts a session and takes 1 of 5 seats; /app serves with it; backups cost units; logout returns the seat', async () => {
    const { demo, consumed } = world();
    const ann = request.agent(demo.url);
    assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required' });
    const nobody = await ann.post('/login').send({}).expect(400);
    assert.deepEqual(nobody.body, { error: 'send {"user": "name"}' });
    assert.equal(await consumed('ConcurrentUsers'), 0, 'a refused login takes no seat');

    const login = await ann.post('/login').send({ user: 'ann' }).expect(200);
    assert.deepEqual(login.body, { loggedIn: 'ann', seat: true });
    assert.equal(await consumed('ConcurrentUsers'), 1);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    assert.ok(
      cookies.some((cookie) => cookie.startsWith(`${driver.sessionCookie}=`)),
      `the session cookie ${driver.sessionCookie}: ${cookies.join('; ')}`,
    );

    const inside = await ann.get('/app').expect(200);
    assert.deepEqual(inside.body, { area: 'members only', user: 'ann' });

    const backup = await ann.post('/backup?gb=25').expect(200);
    assert.deepEqual(backup.body, { backedUp: 25, unit: 'GB' });
    const stats = () => demo.usage.drawdown.stats('DataConsumption');
    assert.equal(stats().blockRemaining, 25, '25 of the first 50-unit block used');

    const tooBig = assertProblem(await ann.post('/backup?gb=5000'), {
      status: 402,
      type: 'quota-exhausted',
      fields: { dimension: 'DataConsumption' },
    });
    assert.match(
      String(tooBig['detail']),
      /it needs 5000; 25 are left in the block/,
      'what the request needed, and what was left',
    );
    assert.equal(stats().blockRemaining, 25, 'the refused backup took nothing');

    const out = await ann.post('/logout').expect(200);
    assert.deepEqual(out.body, { loggedOut: true });
    assert.equal(await consumed('ConcurrentUsers'), 0);
    assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required' });
  });

  it('five users take the five seats; a sixth gets 403 seats-exhausted', async () => {
    const { demo, consumed } = world();
    const users = ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay'];
    const answers = await Promise.all(users.map((user) => request.agent(demo.url).post('/login').send({ user })));
    assert.equal(answers.filter((r) => r.status === 200).length, 5);
    const [refused, ...more] = answers.filter((r) => r.status !== 200);
    assert.ok(refused !== undefined && more.length === 0, 'one login refused');
    assertProblem(refused, { status: 403, type: 'seats-exhausted', fields: { limit: 5 } });
    assert.equal(await consumed('ConcurrentUsers'), 5);
  });

  it("a backup of no size, 0, a fraction or a word is the client's mistake: 400 before the charge, nothing debited", async () => {
    const { demo, lm } = world();
    for (const query of ['', '?gb=', '?gb=0', '?gb=-5', '?gb=2.5', '?gb=lots', '?gb=99999999', '?gb=1&gb=2']) {
      const res = await request(demo.url).post(`/backup${query}`);
      assert.equal(res.status, 400, `/backup${query}: ${res.text}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `/backup${query}`);
      assert.deepEqual(res.body, {
        type: 'urn:licensegate-demo:bad-size',
        title: 'Bad backup size',
        status: 400,
        detail: '?gb must be a whole number of gigabytes from 1 to 10000.',
      });
    }
    assert.equal(demo.usage.drawdown.stats('DataConsumption').pending, 0);
    assert.equal(demo.usage.drawdown.stats('DataConsumption').open, 0);
    assert.equal(lm.calls('CheckoutLicense'), 1, 'only the tier checkout so far: no block for a bad size');
  });
}

/** Both gates' status; and, where the example has it, its page at /_status. */
function statusScenarios(world: () => TableWorld, driver: DemoDriver): void {
  if (driver.statusPage === true) {
    it("GET /_status: the app's side as a page — the tier, each gate ready, the seats its metrics count", async () => {
      const { demo } = world();
      const seatsHeld = (html: string): string | undefined =>
        /<code>licensegate\.seats\.held<\/code><\/td><td>ConcurrentUsers<\/td><td>(\d+)<\/td>/.exec(html)?.[1];
      const ann = request.agent(demo.url);
      await ann.post('/login').send({ user: 'ann' }).expect(200);
      const page = await request(demo.url)
        .get('/_status')
        .expect(200)
        .expect('content-type', /text\/html/);
      assert.match(page.text, /Tier granted now: <strong id="tier">Intermediate<\/strong>/);
      assert.match(page.text, /<li>tiers: ready \(tiers ok\)<\/li>/);
      assert.match(page.text, /<li>usage: ready \(seats ok, DataConsumption ok\)<\/li>/);
      assert.equal(seatsHeld(page.text), '1', 'the seat ann took');
      await ann.post('/logout').expect(200);
      assert.equal(seatsHeld((await request(demo.url).get('/_status').expect(200)).text), '0', 'returned at logout');
    });
  }

  it('GET /status shows both gates running', async () => {
    const res = await request(world().demo.url).get('/status').expect(200);
    assert.equal(res.body.tiers.state, 'running');
    assert.equal(res.body.tiers.tier, 'Intermediate');
    assert.equal(res.body.usage.state, 'running');
    assert.deepEqual(res.body.usage.seats, { entitlement: 'ConcurrentUsers', heldHere: 0, limit: 5 });
  });
}

/** The Kubernetes probes: liveness and readiness over both gates. */
function healthScenarios(world: () => TableWorld): void {
  it('GET /healthz and GET /readyz: 200 while both gates run, each model ok', async () => {
    const { demo } = world();
    await request(demo.url).get('/healthz').expect(200);
    const res = await request(demo.url).get('/readyz').expect(200);
    const gates = healthOf(res.body);
    assert.equal(gates['tiers']?.models.tiers?.code, 'ok');
    assert.equal(gates['usage']?.models.seats?.code, 'ok');
    assert.equal(gates['usage']?.models.drawdown?.['DataConsumption']?.code, 'ok');
  });
}

/**
 * The case of issue 16: with the `deny` policy and License Manager unreachable, the gated routes
 * answer 503 — and so does readiness now, while liveness stays 200 (restarting would not help).
 */
function denyScenarios(world: () => TableWorld): void {
  it('deny policy, License Manager unreachable: the gated route 503, /readyz 503 (refusing), /healthz 200', async () => {
    const { demo, lm, clock } = world();
    await request(demo.url).get('/readyz').expect(200);
    lm.addFault({ operation: '*', kind: 'error', error: 'ServerInternalException' });
    lm.clock.advance(16 * 60_000);
    await clock.advance(16 * 60_000);
    await Promise.all([demo.tiers.refresh(), demo.usage.refresh()]);

    assertProblem(await request(demo.url).get('/reports/basic'), { status: 503, type: 'license-unavailable' });
    const ready = await request(demo.url).get('/readyz');
    assert.equal(ready.status, 503, ready.text);
    assert.equal(healthOf(ready.body)['tiers']?.models.tiers?.code, 'refusing');
    const live = await request(demo.url).get('/healthz');
    assert.equal(live.status, 200, live.text);
    assert.equal(healthOf(live.body)['tiers']?.live, true);

    lm.clearFaults();
    await demo.tiers.refresh();
    await request(demo.url).get('/readyz').expect(200);
    await request(demo.url).get('/reports/basic').expect(200);
  });
}

/** Each gate's health in a probe's body: `{ gates }` (Express, Fastify) or terminus's `{ details: { licensegate: { gates } } }` (Nest). */
function healthOf(body: unknown): Record<string, GateHealth> {
  const b = body as {
    gates?: Record<string, GateHealth>;
    details?: { licensegate?: { gates?: Record<string, GateHealth> } };
  };
  const gates = b.gates ?? b.details?.licensegate?.gates;
  assert.ok(gates !== undefined, `no gates in ${JSON.stringify(body)}`);
  return gates;
}

/** Ctrl-C, as the example's `main.ts` handles it. */
function stopScenarios(world: () => TableWorld): void {
  it('stopping as main.ts does (Ctrl-C): a backup in flight finishes, the units spent are reported, the seats returned', async () => {
    const { demo, lm, consumed } = world();
    const ann = request.agent(demo.url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);
    const checkouts = lm.calls('CheckoutLicense');
    let answered = false;
    const inFlight = ann
      .post('/backup?gb=25')
      .then((res) => res)
      .finally(() => (answered = true));
    // The backup is in the app once it has asked License Manager for its block.
    await until(() => lm.calls('CheckoutLicense') > checkouts || answered, 'the backup to ask for its block');
    assert.ok(!answered, 'the backup asked License Manager for a block before its answer');

    const stopping = demo.stop();
    const backup = await inFlight;
    assert.equal(backup.status, 200, backup.text);
    assert.deepEqual(backup.body, { backedUp: 25, unit: 'GB' });
    await stopping;

    assert.equal(demo.tiers.status().state, 'stopped');
    assert.equal(demo.usage.status().state, 'stopped');
    // reserve mode checks out whole blocks: the 25 units spent came out of one 50-unit block.
    assert.equal(await consumed('DataConsumption'), 50);
    assert.equal(await consumed('ConcurrentUsers'), 0, 'the seat returned');
  });
}

/** Runs every scenario of the demo table against `driver`, under `demo table [examples/…]`. */
export function runDemoTable(driver: DemoDriver): void {
  describe(`demo table [${driver.example}]: the demo app, route by route as main.ts prints them`, () => {
    const world = useDemoWorld(driver);
    tierScenarios(world);
    accountScenarios(driver, world);
    statusScenarios(world, driver);
    healthScenarios(world);
    stopScenarios(world);
  });
  describe(`demo table [${driver.example}], deny policy`, () => {
    denyScenarios(useDemoWorld(driver, 'deny'));
  });
}
