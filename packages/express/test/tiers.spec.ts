/**
 * What only the Express adapter has around requireTier() (the shared tier scenarios run in
 * adapter-table.spec.ts): the app's own denial handler (`onDenied`), a gate made from options
 * started by the first request, the `status()` middleware's 503 before the gate runs, and
 * `req.license` / `lg.license(req)` across routes, gates and sub-apps.
 */
import assert from 'node:assert/strict';

import { TierRequiredError, type LicenseGate, type LicenseGateError } from '@licensegate/core';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';

import { licenseGate, type LicenseGateMiddleware, type LicenseGateMiddlewareOptions } from '../src/index.js';
import { tierApp } from './support/tier-app.js';
import { assertNoStack, TIERS, tieredLicense, useWorld } from './support/world.js';

const SKU = 'lg-express-tiered';

describe('express requireTier(): onDenied, a gate made from options, status()', () => {
  const world = useWorld(() => [tieredLicense(SKU, 'Intermediate')]);

  async function started(): Promise<LicenseGate> {
    const gate = world().gate({ productSku: SKU, tiers: TIERS });
    await gate.start();
    return gate;
  }

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

  it('a gate made from options is not started by licenseGate(); the first request starts it', async () => {
    const w = world();
    const lg = licenseGate(w.options({ productSku: SKU, tiers: TIERS }));
    w.track(lg.gate);
    assert.equal(lg.gate.status().state, 'idle', 'not started by licenseGate() itself');
    await request(tierApp(lg)).get('/intermediate').expect(200);
    assert.equal(lg.gate.status().state, 'running');
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
