/**
 * requireTier() through real Express 5 apps and supertest, against the emulator over HTTP: both
 * answers, upgrades without a restart, the no-license and unreachable answers, the app's own
 * denial handler, `req.license`, a gate made from options, and status().
 */
import assert from 'node:assert/strict';

import { TierRequiredError, type LicenseGate, type LicenseGateError } from '@licensegate/core';
import express, { type ErrorRequestHandler, type Express } from 'express';
import request from 'supertest';

import { licenseGate, type LicenseGateMiddleware, type LicenseGateMiddlewareOptions } from '../src/index.js';
import {
  assertNoStack,
  assertProblem,
  MINUTE,
  PAST_REFRESH,
  TIERS,
  tieredLicense,
  until,
  useWorld,
} from './support/world.js';

const SKU = 'lg-express-tiered';

/** Routes per tier; each handler shows what it finds on `req.license`, and counts its calls. */
function tierApp(lg: LicenseGateMiddleware, served: string[] = []): Express {
  const app = express();
  for (const tier of TIERS) {
    app.get(`/${tier.toLowerCase()}`, lg.requireTier(tier), (req, res) => {
      served.push(tier);
      res.json({
        tier: req.license?.tier ?? 'no req.license',
        hasPremium: req.license?.hasTier('Premium'),
        hasBasic: req.license?.hasTier('Basic'),
        seat: req.license?.seat ?? null,
      });
    });
  }
  app.get('/status', lg.status());
  return app;
}

describe('express requireTier()', () => {
  const world = useWorld(() => [tieredLicense(SKU, 'Intermediate')]);

  async function started(options: { graceMs?: number } = {}): Promise<LicenseGate> {
    const gate = world().gate({ productSku: SKU, tiers: TIERS, ...options });
    await gate.start();
    return gate;
  }

  it('serves the tier bought and every lower one, with req.license telling the handler the tier', async () => {
    const gate = await started();
    const served: string[] = [];
    const app = tierApp(licenseGate(gate), served);

    for (const path of ['/basic', '/intermediate']) {
      const res = await request(app).get(path).expect(200);
      assert.deepEqual(res.body, { tier: 'Intermediate', hasPremium: false, hasBasic: true, seat: null });
    }
    assert.deepEqual(served, ['Basic', 'Intermediate']);
  });

  it('refuses a higher tier with a 403 tier-required problem naming both tiers, and never runs the handler', async () => {
    const gate = await started();
    const served: string[] = [];
    const res = await request(tierApp(licenseGate(gate), served)).get('/premium');

    const body = assertProblem(res, {
      status: 403,
      type: 'tier-required',
      code: 'ERR_LG_TIER_REQUIRED',
      fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
    });
    assert.equal(body['title'], 'Tier required');
    assert.match(body['detail'] as string, /Premium/);
    assert.equal(res.headers['retry-after'], undefined, 'no Retry-After on a tier denial');
    assert.deepEqual(served, []);
  });

  it('answers from the cache: fifty requests make no License Manager call', async () => {
    const gate = await started();
    const app = tierApp(licenseGate(gate));
    const before = world().lm.calls();
    for (let i = 0; i < 25; i++) {
      await request(app).get('/basic').expect(200);
      await request(app).get('/premium').expect(403);
    }
    assert.equal(world().lm.calls(), before);
  });

  it('sees an upgrade, then a downgrade, at the next refresh without a restart', async () => {
    const w = world();
    const arn = w.arnOf(SKU);
    const gate = await started();
    const app = tierApp(licenseGate(gate));
    await request(app).get('/premium').expect(403);

    await w.revise(arn, [{ Name: 'Premium', Value: 'Enabled', Unit: 'None' }]);
    await request(app).get('/premium').expect(403); // not before the refresh
    await w.advance(PAST_REFRESH);
    await until(() => gate.tier === 'Premium', 'the upgrade to be seen');
    const res = await request(app).get('/premium').expect(200);
    assert.equal(res.body.tier, 'Premium');
    assert.equal(res.body.hasPremium, true);

    await w.revise(arn, [{ Name: 'Basic', Value: 'Enabled', Unit: 'None' }]);
    await w.advance(PAST_REFRESH);
    await until(() => gate.tier === 'Basic', 'the downgrade to be seen');
    assertProblem(await request(app).get('/intermediate'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Intermediate', currentTier: 'Basic' },
    });
    await request(app).get('/basic').expect(200);
  });

  it('answers 403 no-license when License Manager has no license for the product', async () => {
    const gate = world().gate({ productSku: 'lg-express-not-bought', tiers: TIERS });
    await gate.start();
    const res = await request(tierApp(licenseGate(gate))).get('/basic');
    const body = assertProblem(res, { status: 403, type: 'no-license', code: 'ERR_LG_NO_LICENSE' });
    assert.equal(typeof body['reason'], 'string');
  });

  it('serves the last good answer while License Manager is down, then 503 with Retry-After past the grace', async () => {
    const w = world();
    const gate = await started({ graceMs: 20 * MINUTE });
    const app = tierApp(licenseGate(gate));
    w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

    await w.advance(PAST_REFRESH);
    await until(() => gate.status().degraded, 'the failed refresh');
    await request(app).get('/intermediate').expect(200); // within the grace
    await request(app).get('/premium').expect(403); // the grace never grants more

    await w.advance(5 * MINUTE); // 21 minutes after the last good answer
    const res = await request(app).get('/basic');
    assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
    const retryAfter = res.headers['retry-after'];
    assert.match(String(retryAfter), /^[1-9]\d*$/, 'Retry-After in whole seconds');

    w.lm.clearFaults();
    await w.advance(Number(retryAfter) * 1000);
    await until(() => !gate.status().degraded, 'the recovery');
    await request(app).get('/basic').expect(200);
  });

  it('lets the app answer a denial its own way: an HTML page', async () => {
    const gate = await started();
    const seen: LicenseGateError[] = [];
    const onDenied: LicenseGateMiddlewareOptions['onDenied'] = (_req, res, _next, error) => {
      seen.push(error);
      const need = error instanceof TierRequiredError ? error.requiredTier : '?';
      res.status(403).type('html').send(`<!doctype html><h1>Upgrade to ${need}</h1>`);
    };
    const res = await request(tierApp(licenseGate(gate, { onDenied })))
      .get('/premium')
      .expect(403);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.text, '<!doctype html><h1>Upgrade to Premium</h1>');
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof TierRequiredError);
    assert.equal(seen[0]?.code, 'ERR_LG_TIER_REQUIRED');
  });

  it('lets the app answer a denial its own way: a redirect, or next(error) to its error handler', async () => {
    const gate = await started();
    const redirecting = licenseGate(gate, {
      onDenied: (_req, res, _next, error) =>
        res.redirect(303, `/pricing?need=${(error as TierRequiredError).requiredTier}`),
    });
    const res = await request(tierApp(redirecting)).get('/premium').expect(303);
    assert.equal(res.headers['location'], '/pricing?need=Premium');

    const passing = licenseGate(gate, { onDenied: (_req, _res, next, error) => next(error) });
    const app = tierApp(passing);
    const handler: ErrorRequestHandler = (error: LicenseGateError, _req, res, _next) => {
      res.status(418).json({ handledBy: 'app', code: error.code });
    };
    app.use(handler);
    const passed = await request(app).get('/premium').expect(418);
    assert.deepEqual(passed.body, { handledBy: 'app', code: 'ERR_LG_TIER_REQUIRED' });
  });

  it('starts a gate made from options on the first requests: 25 at once make ONE CheckoutLicense', async () => {
    const w = world();
    const lg = licenseGate(w.options({ productSku: SKU, tiers: TIERS }));
    w.track(lg.gate);
    const app = tierApp(lg);
    assert.equal(lg.gate.status().state, 'idle', 'not started by licenseGate() itself');

    const answers = await Promise.all(Array.from({ length: 25 }, () => request(app).get('/intermediate')));
    assert.deepEqual(
      answers.map((r) => r.status),
      answers.map(() => 200),
    );
    assert.equal(w.calls('CheckoutLicense'), 1);
    assert.equal(lg.gate.status().state, 'running');
    assertProblem(await request(app).get('/premium'), { status: 403, type: 'tier-required' });
    assert.equal(w.calls('CheckoutLicense'), 1);
  });

  it('status(): 503 until a gate made from options runs, then 200 with the gate status as JSON', async () => {
    const w = world();
    const lg = licenseGate(w.options({ productSku: SKU, tiers: TIERS }));
    w.track(lg.gate);
    const app = tierApp(lg);

    const before = await request(app).get('/status').expect(503);
    assert.match(String(before.headers['content-type']), /^application\/json/);
    assert.notEqual(before.body.state, 'running');
    assertNoStack(before.text);

    await lg.gate.start();
    const after = await request(app).get('/status').expect(200);
    assert.equal(after.body.state, 'running');
    assert.equal(after.body.tier, 'Intermediate');
    assert.equal(after.body.productSku, SKU);
    assert.deepEqual(after.body.tiers, TIERS);
    assert.doesNotMatch(after.text, /token/i, 'a status holds no token');
  });

  it('status(): 503 for a gate handed in but never started', async () => {
    const gate = world().gate({ productSku: SKU, tiers: TIERS });
    const res = await request(tierApp(licenseGate(gate)))
      .get('/status')
      .expect(503);
    assert.equal(res.body.state, 'idle');
  });
});

describe('express req.license and lg.license(req)', () => {
  const OTHER = 'lg-express-other';
  const world = useWorld(() => [tieredLicense(SKU, 'Intermediate'), tieredLicense(OTHER, 'Premium')]);

  async function gates(): Promise<[LicenseGateMiddleware, LicenseGateMiddleware]> {
    const a = world().gate({ productSku: SKU, tiers: TIERS });
    const b = world().gate({ productSku: OTHER, tiers: TIERS });
    await Promise.all([a.start(), b.start()]);
    return [licenseGate(a), licenseGate(b)];
  }

  /** What a handler sees: req.license's tier, whether it is the request's own property, and each gate's view. */
  function seen(a: LicenseGateMiddleware, b: LicenseGateMiddleware): express.RequestHandler {
    return (req, res) => {
      res.json({
        tier: req.license?.tier ?? null,
        own: Object.hasOwn(req, 'license'),
        a: a.license(req).tier,
        b: b.license(req).tier,
      });
    };
  }

  it('one gate: requireTier writes nothing on the request, and req.license answers on every route of the app', async () => {
    const [a, b] = await gates();
    const app = express();
    app.get('/gated', a.requireTier('Basic'), seen(a, b));
    app.get('/open', seen(a, b));
    const before = await request(app).get('/open').expect(200);
    assert.equal(before.body.tier, null, 'no licensegate middleware has run in this app yet');
    const gated = await request(app).get('/gated').expect(200);
    assert.deepEqual(gated.body, { tier: 'Intermediate', own: false, a: 'Intermediate', b: 'Premium' });
    const open = await request(app).get('/open').expect(200);
    assert.equal(open.body.tier, 'Intermediate', 'the app prototype answers it from now on');
    assert.equal(open.body.own, false);
  });

  it("two gates: each route's req.license is the gate that gated it; lg.license(req) is each gate's own", async () => {
    const [a, b] = await gates();
    const app = express();
    app.get('/a', a.requireTier('Basic'), seen(a, b));
    app.get('/b', b.requireTier('Premium'), seen(a, b));
    app.get('/ba', b.requireTier('Basic'), a.requireTier('Basic'), seen(a, b));
    assert.equal((await request(app).get('/a').expect(200)).body.tier, 'Intermediate');
    const onB = await request(app).get('/b').expect(200);
    assert.deepEqual(onB.body, { tier: 'Premium', own: true, a: 'Intermediate', b: 'Premium' });
    const both = await request(app).get('/ba').expect(200);
    assert.equal(both.body.tier, 'Premium', 'the first gate on the route');
    assert.equal(
      (await request(app).get('/a').expect(200)).body.tier,
      'Intermediate',
      'the app prototype is unchanged',
    );
  });

  it("a sub-app has its own request prototype; an app's own req.license is left alone", async () => {
    const [a, b] = await gates();
    const sub = express();
    sub.get('/x', b.requireTier('Basic'), seen(a, b));
    const app = express();
    app.get('/a', a.requireTier('Basic'), seen(a, b));
    app.use('/sub', sub);
    assert.equal((await request(app).get('/a').expect(200)).body.tier, 'Intermediate');
    assert.equal((await request(app).get('/sub/x').expect(200)).body.tier, 'Premium');

    const mine = express();
    Object.defineProperty(mine.request, 'license', { value: 'the app’s own', writable: true });
    mine.get('/', a.requireTier('Basic'), (req, res) => res.json({ license: req.license, a: a.license(req).tier }));
    const res = await request(mine).get('/').expect(200);
    assert.deepEqual(res.body, { license: 'the app’s own', a: 'Intermediate' });
  });
});
