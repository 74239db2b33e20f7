/**
 * The health table (`@licensegate/testkit`) against `@licensegate/express`: `lg.health()` for an
 * app with one gate, `healthCheck({ ...gates })` for several, in a real Express 5 app.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import assert from 'node:assert/strict';

import { createLicenseGate, silentLogger, type GateHealth } from '@licensegate/core';
import { runHealthTable } from '@licensegate/testkit';
import express from 'express';

import { healthCheck, licenseGate, type HealthReport } from '../src/index.js';

runHealthTable({
  name: 'express',
  async serve(gates) {
    const app = express();
    const entries = Object.entries(gates);
    const [only] = entries;
    if (entries.length === 1 && only !== undefined) {
      // One gate: the middleware's own handler. Its body names the gate by product SKU: renamed here.
      const lg = licenseGate(only[1]);
      app.get('/healthz', lg.health({ probe: 'liveness' }));
      app.get('/readyz', lg.health());
    } else {
      app.get('/healthz', healthCheck(gates, { probe: 'liveness' }));
      app.get('/readyz', healthCheck(gates, { probe: 'readiness' }));
    }
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
  gatesOf(body) {
    const report = body as HealthReport;
    const byName: Record<string, GateHealth> = {};
    for (const [name, health] of Object.entries(report.gates)) {
      // lg.health() names its gate by product SKU; the table names gates by role.
      byName[name === 'lg-health-tiered' ? 'tiers' : name === 'lg-health-counted' ? 'usage' : name] = health;
    }
    return byName;
  },
});

describe('lg.health() and healthCheck() options', () => {
  it('bad options throw a coded error when the route is declared', () => {
    const gate = createLicenseGate({ productSku: 'lg-health-options', tiers: ['Basic'], logger: silentLogger });
    const lg = licenseGate(gate);
    assert.throws(() => lg.health({ probe: 'ready' as 'readiness' }), { code: 'ERR_LG_OPTIONS' });
    assert.throws(() => lg.health({ prob: 'liveness' } as object), { code: 'ERR_LG_OPTION_UNKNOWN' });
    assert.throws(() => healthCheck([]), { code: 'ERR_LG_OPTIONS' });
    assert.throws(() => healthCheck({ a: gate, b: {} as typeof gate }), { code: 'ERR_LG_OPTIONS' });
  });
});
