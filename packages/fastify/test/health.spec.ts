/**
 * The health table (`@licensegate/testkit`) against `@licensegate/fastify`: `licenseGateHealthPlugin`
 * in a real Fastify 5 app, beside nothing else.
 */
import assert from 'node:assert/strict';

import { createLicenseGate, silentLogger } from '@licensegate/core';
import type { HealthReport } from '@licensegate/core/http';
import { runHealthTable } from '@licensegate/testkit';
import Fastify from 'fastify';

import { licenseGateHealthPlugin } from '../src/index.js';

runHealthTable({
  name: 'fastify',
  async serve(gates) {
    const app = Fastify();
    await app.register(licenseGateHealthPlugin, { gates });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  gatesOf: (body) => (body as HealthReport).gates,
});

describe('licenseGateHealthPlugin options', () => {
  const gate = createLicenseGate({ productSku: 'lg-health-options', tiers: ['Basic'], logger: silentLogger });

  it('a register() prefix moves the routes; false leaves a route out; paths are checked', async () => {
    const app = Fastify();
    await app.register(licenseGateHealthPlugin, { gates: gate, prefix: '/ops', liveness: false, readiness: '/ready' });
    await app.ready();
    try {
      const ready = await app.inject({ method: 'GET', url: '/ops/ready' });
      assert.equal(ready.statusCode, 503, 'not started: not ready');
      assert.equal(ready.json<HealthReport>().gates['lg-health-options']?.models.tiers?.code, 'starting');
      assert.equal(ready.headers['cache-control'], 'no-store');
      assert.equal((await app.inject({ method: 'GET', url: '/ops/healthz' })).statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it('bad options fail the registration with a coded error', async () => {
    for (const [options, code] of [
      [{ gates: gate, readiness: 'ready' }, 'ERR_LG_OPTIONS'],
      [{ gates: gate, readyness: '/r' }, 'ERR_LG_OPTION_UNKNOWN'],
      [{ gates: {} }, 'ERR_LG_OPTIONS'],
      [{ gates: gate, models: ['tier'] }, 'ERR_LG_OPTIONS'],
    ] as const) {
      const app = Fastify();
      await assert.rejects(
        async () => {
          await app.register(licenseGateHealthPlugin, options as never);
          await app.ready();
        },
        { code },
        `${code}: ${Object.keys(options).join(', ')}`,
      );
      await app.close().catch(() => undefined);
    }
  });
});
