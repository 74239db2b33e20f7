/**
 * Shutting down with requests in flight, through an adapter: closing the app (the adapter's
 * shutdown recipe) lets the requests in flight finish and settles their charges before the gate
 * seals and reports, so every unit served is reported; a request still running at
 * `drainTimeoutMs` is not charged, and the report says so; a request that arrives while the gate
 * stops is told to go elsewhere (503); an aborted request gives its room under the batch bound back.
 */
import assert from 'node:assert/strict';

import type { DrawdownDimensionOptions, LicenseGate } from '@licensegate/core';
import request from 'supertest';

import { countedLicense } from '../licenses.js';
import { assertProblem } from '../problems.js';
import { rawPost } from '../raw-request.js';
import { until } from '../waiting.js';
import type { AdapterDriver, WorkApp } from './driver.js';
import { Probe } from './probe.js';
import { useTableWorld } from './table-world.js';

const SKU = 'lg-table-stop';
const DIMENSION = 'DataConsumption';
/** A batch that never fills and never falls due in a test. */
const QUIET_BATCH = { mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 } as const;

/** The graceful stop scenarios, run against `driver`. */
export function gracefulStopScenarios(driver: AdapterDriver): void {
  describe('graceful stop with requests in flight', function () {
    this.timeout(20_000);
    const world = useTableWorld(driver, () => [countedLicense(SKU, { units: 100_000 })]);

    async function setup(
      dimension: DrawdownDimensionOptions,
      drainTimeoutMs?: number,
    ): Promise<{ gate: LicenseGate; probe: Probe; app: WorkApp }> {
      const w = world();
      const gate = w.gate({
        productSku: SKU,
        drawdown: { [DIMENSION]: dimension },
        ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
      });
      await gate.start();
      const probe = new Probe();
      const app = await w.workApp({ gate, dimension: DIMENSION, units: 3, probe });
      // One request first: the server is then known to publish its finished responses (the hot path).
      await request(app.url).post('/work').expect(200);
      return { gate, probe, app };
    }

    for (const dimension of [
      QUIET_BATCH,
      { mode: 'sync' },
      { mode: 'reserve', blockUnits: 50 },
    ] satisfies DrawdownDimensionOptions[]) {
      it(`${dimension.mode}: 40 requests in flight when the app closes are served, and every unit is reported`, async () => {
        const w = world();
        const s = await setup(dimension);
        const calls = Array.from({ length: 40 }, () => request(s.app.url).post('/work?hold=1'));
        const answers = Promise.all(calls.map((call) => call.then((res) => res.status)));
        await until(() => s.probe.handled === 41, 'the 40 handlers to start');

        const closing = s.app.close(); // what the shutdown signal does
        await new Promise((resolve) => setImmediate(resolve));
        s.probe.hold.resolve(); // the work ends after the close began
        const statuses = await answers;
        await closing;
        const report = await s.gate.stop(); // the report of the stop the close made

        assert.deepEqual(
          statuses.filter((status) => status !== 200),
          [],
        );
        assert.equal(s.gate.status().state, 'stopped', 'closing the app stopped the gate');
        assert.equal(report.drained, true);
        assert.deepEqual(report.unreportedUnits, {});
        assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 0, 'nothing left unreported at exit');
        const consumed = await w.consumed(w.arnOf(SKU), DIMENSION);
        const unspent = s.gate.drawdown.stats(DIMENSION).blockRemaining ?? 0;
        assert.equal(consumed - unspent, 41 * 3, 'every unit served is reported');
      });
    }

    it('a request still running at drainTimeoutMs is not charged, and the report names its units', async () => {
      const w = world();
      const s = await setup(QUIET_BATCH, 5_000);
      const call = rawPost(`${s.app.url}/work?hold=1`);
      await until(() => s.probe.handled === 2, 'the handler to start');
      const stopping = s.gate.stop();
      await w.advance(5_000);
      const report = await stopping;
      assert.equal(report.drained, false);
      assert.deepEqual(report.openUnits, { [DIMENSION]: 3 });
      assert.equal(await w.consumed(w.arnOf(SKU), DIMENSION), 3, 'only the first request');
      assert.equal(w.logger.events('licensegate.drawdown.drain_timeout', 'warn').length, 1);
      s.probe.hold.resolve();
      call.abort();
    });

    it('a request that arrives while the gate stops gets 503 stopping with Retry-After', async () => {
      const s = await setup(QUIET_BATCH);
      const held = rawPost(`${s.app.url}/work?hold=1`);
      await until(() => s.probe.handled === 2, 'the handler to start');
      const stopping = s.gate.stop();
      const late = await request(s.app.url).post('/work');
      assertProblem(late, { status: 503, type: 'stopping' });
      assert.equal(late.headers['retry-after'], '1');
      s.probe.hold.resolve();
      await stopping;
      held.abort();
    });

    it('batch: an aborted request gives its room under the bound back at once', async () => {
      const w = world();
      const s = await setup({ mode: 'batch', batchUnits: 3, batchIntervalMs: 3_600_000 });
      await s.gate.drawdown.flush(); // the warm-up request's units reported: the bound is free
      const call = rawPost(`${s.app.url}/work?hold=1`);
      await until(() => s.probe.handled === 2, 'the handler to start');
      assert.equal(s.gate.drawdown.stats(DIMENSION).open, 3, 'the whole bound is held by the request in flight');
      call.abort();
      await until(
        () => s.gate.drawdown.stats(DIMENSION).open === 0,
        'the hold to be released when the connection closed',
      );
      await request(s.app.url).post('/work').expect(200); // admitted at once: no report was needed
      s.probe.hold.resolve();
      await s.gate.stop();
      assert.equal(
        await w.consumed(w.arnOf(SKU), DIMENSION),
        6,
        'the warm-up and the last request; not the aborted one',
      );
    });
  });
}
