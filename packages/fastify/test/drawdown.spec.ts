/**
 * Drawdown through the Fastify plugin, judged by what License Manager counts (GetLicenseUsage on
 * the emulator): a route's `config.licensegate.drawdown` charges the units of responses that
 * succeeded and none for a 5xx, a 4xx or a failed handler; units come as a number, from the
 * request, or from the finished reply; a used-up pool answers 402 before any work; an unknown
 * dimension or bad units fail at startup. Real Fastify apps over HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';

import type { DrawdownDimensionOptions, LicenseGate } from '@licensegate/core';
import request from 'supertest';

import { licenseGatePlugin, type DrawdownUnits, type LicenseGatePluginOptions } from '../src/index.js';
import { assertProblem, countedLicense, useWorld } from './support/world.js';

const SKU = 'lg-fastify-units';
const DIMENSION = 'DataConsumption';

describe('fastify plugin: config.licensegate.drawdown', () => {
  const world = useWorld(() => [countedLicense(SKU, { units: 1000 })]);

  interface Setup {
    gate: LicenseGate;
    url: string;
    /** Requests whose handler ran. */
    handled: () => number;
    /** Units License Manager counts as consumed. */
    consumed: () => Promise<number>;
  }

  /**
   * `POST /work` charging `units`; the handler answers `?status=S` (default 200), fails on
   * `?throw=1`, and sets `x-units-used` from `?used=N`.
   */
  async function setup(
    mode: DrawdownDimensionOptions,
    units: DrawdownUnits,
    options: { sku?: string; pool?: number; chargeWhen?: LicenseGatePluginOptions['chargeWhen'] } = {},
  ): Promise<Setup> {
    const w = world();
    const sku = options.sku ?? SKU;
    if (options.pool !== undefined) w.addLicense(countedLicense(sku, { units: options.pool }));
    const gate = w.gate({ productSku: sku, drawdown: { [DIMENSION]: mode } });
    await gate.start();
    const app = w.app();
    await app.register(licenseGatePlugin, {
      gate,
      ...(options.chargeWhen === undefined ? {} : { chargeWhen: options.chargeWhen }),
    });
    let handled = 0;
    app.post(
      '/work',
      { config: { licensegate: { drawdown: { dimension: DIMENSION, units } } } },
      async (req, reply) => {
        handled++;
        const query = req.query as Record<string, string | undefined>;
        if (query['throw'] !== undefined) throw new Error('the handler failed');
        if (query['used'] !== undefined) void reply.header('x-units-used', query['used']);
        return reply.code(Number(query['status'] ?? 200)).send({ done: true });
      },
    );
    return {
      gate,
      url: await w.serve(app),
      handled: () => handled,
      consumed: () => w.consumed(w.arnOf(sku), DIMENSION),
    };
  }

  const batch: DrawdownDimensionOptions = { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 3_600_000 };

  it('batch, units from the request: 2xx responses are charged; a 5xx, a 4xx and a failed handler are not', async () => {
    const s = await setup(batch, (req) => Number((req.query as { n?: string }).n));
    const api = request(s.url);
    await api.post('/work?n=3').expect(200);
    await api.post('/work?n=5&status=201').expect(201);
    await api.post('/work?n=7&status=500').expect(500);
    await api.post('/work?n=11&status=503').expect(503);
    await api.post('/work?n=13&status=404').expect(404);
    await api.post('/work?n=17&throw=1').expect(500);
    await api.post('/work?n=19').expect(200);
    assert.equal(s.handled(), 7);
    assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 3 + 5 + 19, 'held and committed, not yet reported');
    await s.gate.stop(); // reports the batch
    assert.equal(await s.consumed(), 3 + 5 + 19);
  });

  it('sync, a number of units: checked out before the handler; a failed request’s units are kept as credit', async () => {
    const s = await setup({ mode: 'sync' }, 4);
    const api = request(s.url);
    await api.post('/work').expect(200);
    await api.post('/work?status=500').expect(500);
    assert.equal(
      s.gate.drawdown.stats(DIMENSION).credit,
      4,
      'PERPETUAL units cannot go back: the next request spends them',
    );
    await api.post('/work').expect(200);
    assert.equal(s.gate.drawdown.stats(DIMENSION).credit, 0);
    await s.gate.stop();
    assert.equal(await s.consumed(), 8, 'two successful requests of 4 units');
  });

  it('units read from the finished reply: (request, reply) => units', async () => {
    const s = await setup(batch, (_req, reply) => Number(reply.getHeader('x-units-used')));
    const api = request(s.url);
    await api.post('/work?used=40').expect(200);
    await api.post('/work?used=2').expect(200);
    await api.post('/work?used=9&status=500').expect(500);
    await s.gate.stop();
    assert.equal(await s.consumed(), 42);
  });

  it('chargeWhen decides which finished responses are charged', async () => {
    const s = await setup(batch, 1, { chargeWhen: (_req, reply) => reply.statusCode === 202 });
    const api = request(s.url);
    await api.post('/work').expect(200);
    await api.post('/work?status=202').expect(202);
    await api.post('/work?status=202').expect(202);
    await s.gate.stop();
    assert.equal(await s.consumed(), 2);
  });

  it('a used-up pool answers 402 quota-exhausted before any work; consumed equals what was served', async () => {
    const s = await setup({ mode: 'reserve', blockUnits: 10 }, 1, { sku: 'lg-fastify-pool-25', pool: 25 });
    const api = request(s.url);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await api.post('/work');
      statuses.push(res.status);
      if (res.status === 402) {
        assertProblem(res, {
          status: 402,
          type: 'quota-exhausted',
          code: 'ERR_LG_QUOTA_EXHAUSTED',
          fields: { dimension: DIMENSION },
        });
      }
    }
    assert.deepEqual(statuses, [...Array<number>(25).fill(200), ...Array<number>(5).fill(402)]);
    assert.equal(s.handled(), 25, 'no work for a refused request');
    await s.gate.stop();
    assert.equal(await s.consumed(), 25);
  });

  it('an unknown dimension or bad units fail at startup with a coded error', async () => {
    const w = world();
    const gate = w.gate({ productSku: SKU, drawdown: { [DIMENSION]: batch } });
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
});
