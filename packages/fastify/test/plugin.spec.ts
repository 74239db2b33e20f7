/**
 * The Fastify plugin itself, beyond the adapter table's scenarios (which run through
 * `./adapter-table.spec.ts`): route configs checked at registration (unknown tier, dimension or
 * seat step, bad units, misspelt keys), plugin options, encapsulation, who starts and stops the
 * gate, and routes declared before the plugin loaded failing closed. Real Fastify apps against the
 * emulator.
 */
import assert from 'node:assert/strict';

import type { LicenseGate } from '@licensegate/core';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';

import { licenseGatePlugin } from '../src/index.js';
import { assertProblem, countedLicense, TIERS, tieredLicense, useWorld, type FastifyWorld } from './support/world.js';

const SKU = 'lg-fastify-tiered';
const UNITS_SKU = 'lg-fastify-units';
const SEATS_SKU = 'lg-fastify-seats';
const DIMENSION = 'DataConsumption';
const batch = { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 3_600_000 } as const;

/** Routes `/basic`, `/intermediate`, `/premium`, each requiring its tier; `served` gets the tiers whose handler ran. */
function tierRoutes(app: FastifyInstance, served: string[]): void {
  for (const tier of TIERS) {
    app.get(`/${tier.toLowerCase()}`, { config: { licensegate: { tier } } }, async (request) => {
      served.push(tier);
      return { tier: request.license.tier };
    });
  }
  app.get('/open', async (request) => ({ tier: request.license.tier }));
}

describe('fastify plugin', () => {
  const world = useWorld(() => [
    tieredLicense(SKU, 'Intermediate'),
    countedLicense(UNITS_SKU, { units: 1000 }),
    countedLicense(SEATS_SKU, { seats: 2 }),
  ]);

  async function started(w: FastifyWorld): Promise<LicenseGate> {
    const gate = w.gate({ productSku: SKU, tiers: TIERS });
    await gate.start();
    return gate;
  }

  it('an unknown tier in a route config fails ready(), naming the tiers', async () => {
    const w = world();
    const app = w.app();
    // Not awaited: the routes of a plugin registered after it are checked as ready() loads them.
    void app.register(licenseGatePlugin, { gate: await started(w) });
    void app.register(async (routes) => {
      routes.get('/gold', { config: { licensegate: { tier: 'Gold' } } }, async () => 'never');
    });
    await assert.rejects(
      async () => {
        await app.ready();
      },
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_LG_UNKNOWN_TIER');
        assert.match(error.message, /Premium/);
        return true;
      },
    );
  });

  it('after an awaited register, a bad route config throws from the route declaration itself', async () => {
    const w = world();
    const app = w.app();
    await app.register(licenseGatePlugin, { gate: await started(w) });
    assert.throws(
      () => app.get('/x', { config: { licensegate: { teir: 'Premium' } as never } }, async () => 'never'),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_LG_OPTION_UNKNOWN');
        assert.match(error.message, /GET \/x/);
        assert.match(error.message, /did you mean "tier"/);
        return true;
      },
    );
    assert.throws(() => app.get('/y', { config: { licensegate: { tier: 3 } as never } }, async () => 'never'), {
      code: 'ERR_LG_OPTIONS',
    });
    assert.throws(() => app.get('/z', { config: { licensegate: 'Premium' as never } }, async () => 'never'), {
      code: 'ERR_LG_OPTIONS',
    });
  });

  it('bad plugin options fail register with a coded error', async () => {
    const w = world();
    const gate = await started(w);
    const unknown = w.app();
    await assert.rejects(
      async () => {
        await unknown.register(licenseGatePlugin, { gate, chargeWen: () => true } as never);
      },
      (error: Error & { code?: string }) => error.code === 'ERR_LG_OPTION_UNKNOWN' && /chargeWhen/.test(error.message),
    );
    const missing = w.app();
    await assert.rejects(
      async () => {
        await missing.register(licenseGatePlugin, {} as never);
      },
      { code: 'ERR_LG_OPTIONS' },
    );
    const twice = w.app();
    await twice.register(licenseGatePlugin, { gate });
    await assert.rejects(
      async () => {
        await twice.register(licenseGatePlugin, { gate });
      },
      { code: 'ERR_LG_OPTIONS' },
    );
  });

  it('encapsulation: registered in one scope, it gates and decorates that scope only', async () => {
    const w = world();
    const gate = await started(w);
    const app = w.app();
    await app.register(async (scope) => {
      await scope.register(licenseGatePlugin, { gate });
      scope.get('/inside', { config: { licensegate: { tier: 'Premium' } } }, async () => 'never');
    });
    app.get('/outside', async (request) => ({ decorated: 'license' in request }));
    const url = await w.serve(app);
    assertProblem(await request(url).get('/inside'), { status: 403, type: 'tier-required' });
    assert.deepEqual((await request(url).get('/outside').expect(200)).body, { decorated: false });
  });

  it('a gate handed in is left running by close(); a gate made from options starts at ready() and stops at close()', async () => {
    const w = world();
    const gate = await started(w);
    const handed = w.app();
    await handed.register(licenseGatePlugin, { gate });
    await handed.ready();
    await handed.close();
    assert.equal(gate.status().state, 'running', 'the app owns the gate it handed in');

    const owning = w.app();
    const before = w.calls('CheckoutLicense');
    void owning.register(licenseGatePlugin, { gate: w.options({ productSku: SKU, tiers: TIERS }) });
    void owning.register(async (routes) => tierRoutes(routes, [])); // routes in a plugin loaded after it
    assert.equal(w.calls('CheckoutLicense'), before, 'not started by register() itself');
    const url = await w.serve(owning);
    assert.ok(w.calls('CheckoutLicense') > before, 'started before listen() resolved');
    await request(url).get('/intermediate').expect(200);
    assertProblem(await request(url).get('/premium'), { status: 403, type: 'tier-required' });
    assert.equal(owning.licenseGate.status().state, 'running');
    await owning.close();
    assert.equal(owning.licenseGate.status().state, 'stopped');
  });
  it('an unknown dimension or bad units fail at startup with a coded error', async () => {
    const w = world();
    const gate = w.gate({ productSku: UNITS_SKU, drawdown: { [DIMENSION]: batch } });
    const unknown = w.app();
    void unknown.register(licenseGatePlugin, { gate });
    void unknown.register(async (routes) => {
      routes.post(
        '/x',
        { config: { licensegate: { drawdown: { dimension: 'Storage', units: 1 } } } },
        async () => 'never',
      );
    });
    await assert.rejects(
      async () => {
        await unknown.ready();
      },
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_LG_UNKNOWN_DIMENSION');
        assert.match(error.message, /DataConsumption/);
        return true;
      },
    );

    const bad = w.app();
    await bad.register(licenseGatePlugin, { gate });
    for (const units of [-1, 1.5, '3', null]) {
      assert.throws(
        () =>
          bad.post(
            `/bad${String(units)}`,
            { config: { licensegate: { drawdown: { dimension: DIMENSION, units: units as never } } } },
            async () => 'never',
          ),
        { code: 'ERR_LG_OPTIONS' },
        `units ${String(units)}`,
      );
    }
    assert.throws(
      () =>
        bad.post(
          '/y',
          { config: { licensegate: { drawdown: { dimension: DIMENSION, unit: 1 } as never } } },
          async () => 'never',
        ),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_LG_OPTION_UNKNOWN' && /did you mean "units"/.test(error.message),
    );
  });
  it('a seat route on a gate without seats fails ready() with ERR_LG_NO_SEATS', async () => {
    const w = world();
    const gate = await started(w);
    const app: FastifyInstance = w.app();
    await app.register(licenseGatePlugin, { gate });
    assert.throws(() => app.post('/login', { config: { licensegate: { seat: 'acquire' } } }, async () => ({})), {
      code: 'ERR_LG_NO_SEATS',
    });
  });

  it('a seat step that is not acquire, release or require is refused with ERR_LG_OPTIONS', async () => {
    const w = world();
    const gate = w.gate({ productSku: SEATS_SKU, seats: { entitlement: 'ConcurrentUsers' } });
    await gate.start();
    const app = w.app();
    await app.register(licenseGatePlugin, { gate });
    assert.throws(
      () => app.post('/login', { config: { licensegate: { seat: 'take' as 'acquire' } } }, async () => ({})),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_LG_OPTIONS');
        assert.match(error.message, /POST \/login.*seat must be 'acquire', 'release' or 'require'; got "take"/);
        return true;
      },
    );
  });

  it('seatKey that is not a function is refused at registration with ERR_LG_OPTIONS', async () => {
    const w = world();
    const gate = w.gate({ productSku: SEATS_SKU, seats: { entitlement: 'ConcurrentUsers' } });
    await gate.start();
    const app = w.app();
    await assert.rejects(
      async () => {
        await app.register(licenseGatePlugin, { gate, seatKey: 'user' as never });
      },
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_LG_OPTIONS');
        assert.match(error.message, /seatKey must be a function/);
        return true;
      },
    );
  });

  it('routes declared before the plugin loaded (register not awaited) fail closed with ERR_LG_PLUGIN_ORDER', async () => {
    const w = world();
    const gate = await started(w);
    const app = w.app();
    void app.register(licenseGatePlugin, { gate }); // not awaited: the routes below are declared first
    tierRoutes(app, []);
    const url = await w.serve(app);
    const res = await request(url).get('/premium').expect(500);
    assert.equal(res.body.code, 'ERR_LG_PLUGIN_ORDER');
    assert.match(res.body.message, /GET \/premium.*await app\.register\(licenseGatePlugin/);
    await request(url).get('/basic').expect(500);
    assert.deepEqual(
      (await request(url).get('/open').expect(200)).body,
      { tier: 'Intermediate' },
      'ungated routes serve',
    );
  });

  it('an app that registers the plugin first gets no request-time route check', async () => {
    const w = world();
    const app = w.app();
    await app.register(licenseGatePlugin, { gate: await started(w) });
    const served: string[] = [];
    tierRoutes(app, served);
    await app.ready();
    const routes = app.printRoutes({ includeHooks: true });
    assert.match(routes, /headRouteOnSendHandler/, 'printRoutes lists hooks');
    assert.doesNotMatch(routes, /licensegateUngatedRoute/);
    // Gated all the same, and with no hook at all: the tier check runs in front of the handler.
    assert.doesNotMatch(routes, /licensegate/);
    assert.equal((await app.inject({ method: 'GET', url: '/premium' })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: '/basic' })).statusCode, 200);
    assert.deepEqual(served, ['Basic']);
  });
});
