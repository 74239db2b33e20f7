/**
 * Tiers through the Fastify plugin: `config.licensegate.tier` serves the tier bought and the lower
 * ones (request.license tells the handler), refuses a higher one with a 403 problem, answers 503
 * with Retry-After once License Manager has been down past the grace, and fails `ready()` on a
 * route that names an unknown tier or a misspelt key. Real Fastify apps over HTTP on 127.0.0.1,
 * against the emulator.
 */
import assert from 'node:assert/strict';

import type { LicenseGate } from '@licensegate/core';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';

import { licenseGatePlugin } from '../src/index.js';
import {
  assertProblem,
  MINUTE,
  PAST_REFRESH,
  TIERS,
  tieredLicense,
  until,
  useWorld,
  type FastifyWorld,
} from './support/world.js';

const SKU = 'lg-fastify-tiered';

/** Routes `/basic`, `/intermediate`, `/premium`, each requiring its tier; `served` gets the tiers whose handler ran. */
async function tierRoutes(app: FastifyInstance, served: string[]): Promise<void> {
  for (const tier of TIERS) {
    app.get(`/${tier.toLowerCase()}`, { config: { licensegate: { tier } } }, async (request) => {
      served.push(tier);
      return {
        tier: request.license.tier,
        hasPremium: request.license.hasTier('Premium'),
        hasBasic: request.license.hasTier('Basic'),
      };
    });
  }
  app.get('/open', async (request) => ({ tier: request.license.tier }));
}

describe('fastify plugin: config.licensegate.tier', () => {
  const world = useWorld(() => [tieredLicense(SKU, 'Intermediate')]);

  async function served(w: FastifyWorld, gate: LicenseGate): Promise<{ url: string; served: string[] }> {
    const app = w.app();
    await app.register(licenseGatePlugin, { gate });
    const ran: string[] = [];
    await tierRoutes(app, ran);
    return { url: await w.serve(app), served: ran };
  }

  async function started(w: FastifyWorld, graceMs?: number): Promise<LicenseGate> {
    const gate = w.gate({ productSku: SKU, tiers: TIERS, ...(graceMs === undefined ? {} : { graceMs }) });
    await gate.start();
    return gate;
  }

  it('serves the tier bought and every lower one, and request.license tells the handler the tier', async () => {
    const w = world();
    const app = await served(w, await started(w));
    for (const path of ['/basic', '/intermediate']) {
      const res = await request(app.url).get(path).expect(200);
      assert.deepEqual(res.body, { tier: 'Intermediate', hasPremium: false, hasBasic: true });
    }
    assert.deepEqual((await request(app.url).get('/open').expect(200)).body, { tier: 'Intermediate' });
    assert.deepEqual(app.served, ['Basic', 'Intermediate']);
  });

  it('refuses a higher tier with a 403 tier-required problem, and never runs the handler', async () => {
    const w = world();
    const app = await served(w, await started(w));
    const res = await request(app.url).get('/premium?x=1');
    assertProblem(res, {
      status: 403,
      type: 'tier-required',
      code: 'ERR_LG_TIER_REQUIRED',
      fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
    });
    assert.equal(res.headers['retry-after'], undefined, 'no Retry-After on a tier denial');
    assert.deepEqual(app.served, []);
  });

  it('serves the last good answer while License Manager is down, then 503 with Retry-After past the grace', async () => {
    const w = world();
    const gate = await started(w, 20 * MINUTE);
    const { url } = await served(w, gate);
    w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

    await w.advance(PAST_REFRESH);
    await until(() => gate.status().degraded, 'the failed refresh');
    await request(url).get('/intermediate').expect(200); // within the grace

    await w.advance(5 * MINUTE); // 21 minutes after the last good answer
    const res = await request(url).get('/basic');
    assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
    assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/, 'Retry-After in whole seconds');
  });

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
    await tierRoutes(owning, []);
    assert.equal(w.calls('CheckoutLicense'), before, 'not started by register() itself');
    const url = await w.serve(owning);
    assert.ok(w.calls('CheckoutLicense') > before, 'started before listen() resolved');
    await request(url).get('/intermediate').expect(200);
    assert.equal(owning.licenseGate.status().state, 'running');
    await owning.close();
    assert.equal(owning.licenseGate.status().state, 'stopped');
  });
});
