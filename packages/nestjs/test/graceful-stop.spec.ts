/**
 * The Nest shutdown recipe of the README — `app.enableShutdownHooks()`, so that SIGTERM runs
 * `app.close()`: the HTTP server stops taking connections, then the module stops the gate — with
 * requests in flight: their charges settle first and every unit served is reported.
 */
import assert from 'node:assert/strict';

import type { DrawdownDimensionOptions } from '@licensegate/core';
import request from 'supertest';

import { LicenseGateModule, LicenseGateService } from '../src/index.js';
import { DIMENSION, Probe, probeRequests, workModule } from './support/work-app.js';
import { countedLicense, until, useWorld } from './support/world.js';

const SKU = 'lg-nest-stop';

describe('nestjs: graceful stop (app.close()) with requests in flight', function () {
  this.timeout(20_000);
  const world = useWorld(() => [countedLicense(SKU, { units: 100_000 })]);

  for (const dimension of [
    { mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 },
    { mode: 'sync' },
    { mode: 'reserve', blockUnits: 50 },
  ] satisfies DrawdownDimensionOptions[]) {
    it(`${dimension.mode}: 20 requests in flight when the app closes are served, and every unit is reported`, async () => {
      const w = world();
      const probe = new Probe();
      const { app, url } = await w.serve(
        workModule(
          LicenseGateModule.forRoot({ gate: w.options({ productSku: SKU, drawdown: { [DIMENSION]: dimension } }) }),
          3,
          probe,
        ),
        probeRequests(probe),
      );
      const { gate } = app.get(LicenseGateService);
      await request(url).post('/work').expect(200); // the server is then known to publish finished responses
      const answers = Promise.all(
        Array.from({ length: 20 }, () =>
          request(url)
            .post('/work?hold=1')
            .then((res) => res.status),
        ),
      );
      await until(() => probe.handled === 21, 'the 20 handlers to start');

      const closing = app.close(); // what SIGTERM does with enableShutdownHooks()
      await new Promise((resolve) => setImmediate(resolve));
      probe.hold.resolve();
      const statuses = await answers;
      await closing;

      assert.deepEqual(
        statuses.filter((status) => status !== 200),
        [],
      );
      assert.equal(gate.status().state, 'stopped', 'the module stopped the gate');
      assert.equal(gate.drawdown.stats(DIMENSION).pending, 0, 'nothing left unreported');
      const consumed = await w.consumed(w.arnOf(SKU), DIMENSION);
      const unspent = gate.drawdown.stats(DIMENSION).blockRemaining ?? 0;
      assert.equal(consumed - unspent, 21 * 3, 'every unit served is reported');
    });
  }
});
