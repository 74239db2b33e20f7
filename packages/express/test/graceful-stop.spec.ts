/**
 * The shutdown recipe of the README — `server.close()`, then `await gate.stop()` — with requests
 * in flight: their drawdown charges settle before the gate seals and reports, so every unit served
 * is reported; a request still running at `drainTimeoutMs` is not charged, and the report says so;
 * a request that arrives while the gate stops is told to go elsewhere (503).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';

import type { DrawdownDimensionOptions, LicenseGate } from '@licensegate/core';
import { licenseGate } from '../src/index.js';
import request from 'supertest';

import { DIMENSION, Probe, workApp } from './support/work-app.js';
import { assertProblem, countedLicense, rawPost, until, useWorld } from './support/world.js';

const SKU = 'lg-express-stop';

describe('express: graceful stop with requests in flight', function () {
  this.timeout(20_000);
  const world = useWorld(() => [countedLicense(SKU, { units: 100_000 })]);

  async function setup(
    dimension: DrawdownDimensionOptions,
    drainTimeoutMs?: number,
  ): Promise<{ gate: LicenseGate; probe: Probe; server: Server; url: string }> {
    const w = world();
    const gate = w.gate({
      productSku: SKU,
      drawdown: { [DIMENSION]: dimension },
      ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
    });
    await gate.start();
    const probe = new Probe();
    const served = await w.serve(workApp(licenseGate(gate), 3, probe));
    // One request first: the server is then known to publish its finished responses (the hot path).
    await request(served.url).post('/work').expect(200);
    return { gate, probe, server: served.server, url: served.url };
  }

  for (const dimension of [
    { mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 },
    { mode: 'sync' },
    { mode: 'reserve', blockUnits: 50 },
  ] satisfies DrawdownDimensionOptions[]) {
    it(`${dimension.mode}: 40 requests in flight at stop are served and every unit is reported`, async () => {
      const s = await setup(dimension);
      const calls = Array.from({ length: 40 }, () => request(s.url).post('/work?hold=1'));
      const answers = Promise.all(calls.map((call) => call.then((res) => res.status)));
      await until(() => s.probe.handled === 41, 'the 40 handlers to start');

      s.server.close(); // no new connections; the ones in flight go on
      const stopping = s.gate.stop();
      await new Promise((resolve) => setImmediate(resolve));
      s.probe.hold.resolve(); // the work ends after stop() began
      const statuses = await answers;
      const report = await stopping;

      assert.deepEqual(
        statuses.filter((status) => status !== 200),
        [],
      );
      assert.equal(report.drained, true);
      assert.deepEqual(report.unreportedUnits, {});
      assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 0, 'nothing left unreported at exit');
      const w = world();
      const consumed = await w.consumed(w.arnOf(SKU), DIMENSION);
      const unspent = s.gate.drawdown.stats(DIMENSION).blockRemaining ?? 0;
      assert.equal(consumed - unspent, 41 * 3, 'every unit served is reported');
    });
  }

  it('a request still running at drainTimeoutMs is not charged, and the report names its units', async () => {
    const s = await setup({ mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 }, 5_000);
    const call = rawPost(`${s.url}/work?hold=1`);
    await until(() => s.probe.handled === 2, 'the handler to start');
    const stopping = s.gate.stop();
    await world().advance(5_000);
    const report = await stopping;
    assert.equal(report.drained, false);
    assert.deepEqual(report.openUnits, { [DIMENSION]: 3 });
    const w = world();
    assert.equal(await w.consumed(w.arnOf(SKU), DIMENSION), 3, 'only the first request');
    assert.equal(w.logger.events('licensegate.drawdown.drain_timeout', 'warn').length, 1);
    s.probe.hold.resolve();
    call.abort();
  });

  it('a request that arrives while the gate stops gets 503 shutting-down with Retry-After', async () => {
    const s = await setup({ mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 });
    const held = rawPost(`${s.url}/work?hold=1`);
    await until(() => s.probe.handled === 2, 'the handler to start');
    const stopping = s.gate.stop();
    const late = await request(s.url).post('/work');
    assertProblem(late, { status: 503, type: 'stopping' });
    assert.equal(late.headers['retry-after'], '1');
    s.probe.hold.resolve();
    await stopping;
    held.abort();
  });

  it('batch: an aborted request gives its room under the bound back at once', async () => {
    const s = await setup({ mode: 'batch', batchUnits: 3, batchIntervalMs: 3_600_000 });
    await s.gate.drawdown.flush(); // the warm-up request's units reported: the bound is free
    const call = rawPost(`${s.url}/work?hold=1`);
    await until(() => s.probe.handled === 2, 'the handler to start');
    assert.equal(s.gate.drawdown.stats(DIMENSION).open, 3, 'the whole bound is held by the request in flight');
    call.abort();
    await until(
      () => s.gate.drawdown.stats(DIMENSION).open === 0,
      'the hold to be released when the connection closed',
    );
    await request(s.url).post('/work').expect(200); // admitted at once: no report was needed
    s.probe.hold.resolve();
    await s.gate.stop();
    const w = world();
    assert.equal(await w.consumed(w.arnOf(SKU), DIMENSION), 6, 'the warm-up and the last request; not the aborted one');
  });
});
