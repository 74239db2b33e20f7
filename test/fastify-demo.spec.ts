/**
 * End to end: the Fastify demo app (examples/fastify) with its two gates built as its main.ts
 * builds them, against an in-process emulator seeded with packages/emulator/licenses/demo.json,
 * through the real AWS SDK over HTTP. Each route answers as main.ts's printed curl lines say, as the
 * Express demo's do (test/express-demo.spec.ts).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import {
  GetLicenseUsageCommand,
  LicenseManagerClient,
  ListReceivedLicensesCommand,
} from '@aws-sdk/client-license-manager';
import { createLicenseGate, type LicenseGate } from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { createDemoApp } from '@licensegate/example-fastify';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';

const DEMO_LICENSES = join(
  dirname(createRequire(import.meta.url).resolve('@licensegate/emulator/package.json')),
  'licenses',
  'demo.json',
);
const REGION = 'us-east-1';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A problem answer with the given status and type. */
function assertProblem(res: request.Response, status: number, type: string): Record<string, unknown> {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.equal(body['type'], `urn:licensegate:${type}`);
  assert.doesNotMatch(res.text, /\n\s+at |"stack"/);
  return body;
}

describe('examples/fastify: the demo app, route by route as main.ts prints them', () => {
  let lm: RunningEmulator;
  let tiers: LicenseGate;
  let usage: LicenseGate;
  let app: FastifyInstance;
  let url: string;
  let seller: LicenseManagerClient;

  /** What License Manager counts as consumed of the configurable product's entitlement. */
  async function consumed(entitlement: string): Promise<number> {
    const { Licenses } = await seller.send(
      new ListReceivedLicensesCommand({ Filters: [{ Name: 'ProductSKU', Values: ['lg-demo-configurable'] }] }),
    );
    const arn = Licenses?.[0]?.LicenseArn;
    assert.ok(arn !== undefined, 'the configurable demo license');
    const answer = await seller.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === entitlement)?.ConsumedValue ?? '0');
  }

  beforeEach(async () => {
    lm = await startEmulator({ licenses: DEMO_LICENSES });
    seller = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
    const clock = new ManualClock(lm.clock.now());
    const client = { endpoint: lm.url, region: REGION };
    // As main.ts builds them (plus a test clock and a quiet logger).
    tiers = createLicenseGate({
      productSku: 'lg-demo-tiered',
      tiers: ['Basic', 'Intermediate', 'Premium'],
      client,
      clock,
      logger: quiet,
    });
    usage = createLicenseGate({
      productSku: 'lg-demo-configurable',
      seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
      drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
      client,
      clock,
      logger: quiet,
    });
    await Promise.all([tiers.start(), usage.start()]);
    app = await createDemoApp({ tiers, usage });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    app.server.closeAllConnections();
    await app.close();
    await Promise.all([tiers.stop(), usage.stop()]);
    seller.destroy();
    await lm.close();
  });

  it('GET / answers anyone, with the tier', async () => {
    const res = await request(url).get('/').expect(200);
    assert.deepEqual(res.body, { hello: 'anyone may see this', tier: 'Intermediate' });
  });

  it('GET /reports/basic: 200, the demo license grants Intermediate', async () => {
    const res = await request(url).get('/reports/basic').expect(200);
    assert.deepEqual(res.body, { report: 'basic', tier: 'Intermediate' });
  });

  it('GET /reports/premium: 403 problem+json, Premium needed', async () => {
    const body = assertProblem(await request(url).get('/reports/premium'), 403, 'tier-required');
    assert.equal(body['requiredTier'], 'Premium');
    assert.equal(body['currentTier'], 'Intermediate');
  });

  it('login starts a session; /app sees its user; backups cost units; logout ends it', async () => {
    const ann = request.agent(url);
    assertProblem(await ann.get('/app'), 403, 'seat-required');
    await ann.post('/login').send({}).expect(400);

    const login = await ann.post('/login').send({ user: 'ann' }).expect(200);
    assert.deepEqual(login.body, { loggedIn: 'ann', seat: true });
    assert.equal(await consumed('ConcurrentUsers'), 1);
    assert.match(String(login.headers['set-cookie']), /sessionId=/, 'the session cookie');

    const inside = await ann.get('/app').expect(200);
    assert.deepEqual(inside.body, { area: 'members only', user: 'ann' });

    const backup = await ann.post('/backup?gb=25').expect(200);
    assert.deepEqual(backup.body, { backedUp: 25, unit: 'GB' });
    assert.equal(usage.drawdown.stats('DataConsumption').blockRemaining, 25, '25 of the first 50-unit block used');

    const tooBig = assertProblem(await ann.post('/backup?gb=5000'), 402, 'quota-exhausted');
    assert.equal(tooBig['dimension'], 'DataConsumption');
    assert.match(
      String(tooBig['detail']),
      /it needs 5000; 25 are left in the block/,
      'what the request needed, and what was left',
    );
    assert.equal(usage.drawdown.stats('DataConsumption').blockRemaining, 25, 'the refused backup took nothing');

    const out = await ann.post('/logout').expect(200);
    assert.deepEqual(out.body, { loggedOut: true });
    assert.equal(await consumed('ConcurrentUsers'), 0);
    assertProblem(await ann.get('/app'), 403, 'seat-required');
  });

  it('five users take the five seats; a sixth gets 403 seats-exhausted', async () => {
    const users = ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay'];
    const answers = await Promise.all(users.map((user) => request.agent(url).post('/login').send({ user })));
    assert.equal(answers.filter((r) => r.status === 200).length, 5);
    const [refused] = answers.filter((r) => r.status !== 200);
    assert.ok(refused !== undefined);
    const body = assertProblem(refused, 403, 'seats-exhausted');
    assert.equal(body['limit'], 5);
    assert.equal(await consumed('ConcurrentUsers'), 5);
  });

  it("a backup of no size, 0, a fraction or a word is the client's mistake: 400 before the charge, nothing debited", async () => {
    for (const query of ['', '?gb=', '?gb=0', '?gb=-5', '?gb=2.5', '?gb=lots', '?gb=99999999', '?gb=1&gb=2']) {
      const res = await request(url).post(`/backup${query}`);
      assert.equal(res.status, 400, `/backup${query}: ${res.text}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.match(res.body.detail, /whole number of gigabytes/);
    }
    assert.equal(usage.drawdown.stats('DataConsumption').pending, 0);
    assert.equal(usage.drawdown.stats('DataConsumption').open, 0);
    assert.equal(lm.calls('CheckoutLicense'), 1, 'only the tier checkout so far: no block for a bad size');
  });

  it('GET /status shows both gates running', async () => {
    const res = await request(url).get('/status').expect(200);
    assert.equal(res.body.tiers.state, 'running');
    assert.equal(res.body.tiers.tier, 'Intermediate');
    assert.equal(res.body.usage.state, 'running');
    assert.deepEqual(res.body.usage.seats, { entitlement: 'ConcurrentUsers', heldHere: 0, limit: 5 });
  });

  it('stopping as main.ts does (Ctrl-C): a backup in flight finishes, then the gates report the units spent', async () => {
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);
    const checkouts = lm.calls('CheckoutLicense');
    let answered = false;
    const inFlight = ann
      .post('/backup?gb=25')
      .then((res) => res)
      .finally(() => (answered = true));
    // The backup is in the app once it has asked License Manager for its block.
    while (lm.calls('CheckoutLicense') === checkouts && !answered) await new Promise((r) => setImmediate(r));
    assert.ok(!answered, 'the backup asked License Manager for a block before its answer');
    const closing = app.close();
    const backup = await inFlight;
    assert.equal(backup.status, 200, backup.text);
    assert.deepEqual(backup.body, { backedUp: 25, unit: 'GB' });
    await closing;
    await Promise.all([tiers.stop(), usage.stop()]);
    // reserve mode checks out whole blocks: the 25 units spent came out of one 50-unit block.
    assert.equal(await consumed('DataConsumption'), 50);
    assert.equal(await consumed('ConcurrentUsers'), 0, 'the seat returned');
    assert.equal(usage.status().state, 'stopped');
  });
});
