import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CapturingLogger } from '@licensegate/core/testing';
import { licenseGate } from '@licensegate/express';
import express from 'express';
import request from 'supertest';

import { useRedisAndEmulator } from './redis-support/suite.js';
import { RedisWorld, UNITS, type WorldGate } from './redis-support/world.js';

// The shutdown recipe on Redis — `server.close()`, then `await gate.stop()` — with 40 requests in
// flight: every request is answered, every unit served is reported once, and nothing is logged as
// a charge that failed (the store's connection closes only after the charges have settled).

describe('Redis: a graceful stop with requests in flight', function () {
  this.timeout(20_000);
  const suite = useRedisAndEmulator();
  let world: RedisWorld;
  let server: Server | undefined;
  beforeEach(() => {
    world = RedisWorld.create(suite.lm, suite.redis, { seats: 5, units: 100_000 });
  });
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    await world.close();
  });

  for (const mode of ['batch', 'reserve', 'sync'] as const) {
    it(`${mode}: 40 requests in flight at the stop are answered, reported once, and no charge fails`, async () => {
      const logger = new CapturingLogger();
      const instance: WorldGate = await world.gate({
        seats: false,
        drawdown: { mode, batchUnits: 1_000, blockUnits: 50 },
        logger,
      });
      const { gate } = instance;
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      let handled = 0;
      const app = express();
      app.post('/work', licenseGate(gate).drawdown(UNITS, 3), async (_req, res) => {
        handled++;
        await hold;
        res.json({ done: true });
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server?.once('listening', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const answers = Promise.all(
        Array.from({ length: 40 }, () =>
          request(url)
            .post('/work')
            .then((r) => r.status),
        ),
      );
      for (let waited = 0; handled < 40 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      assert.equal(handled, 40, 'the 40 handlers started');

      server.close();
      const stopping = gate.stop();
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const statuses = await answers;
      const report = await stopping;
      instance.alive = false;

      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
      );
      assert.equal(report.drained, true);
      assert.deepEqual(report.unreportedUnits, {});
      const consumed = await world.consumed(UNITS);
      const unspent = gate.drawdown.stats(UNITS).blockRemaining ?? 0;
      assert.equal(consumed - unspent, 40 * 3, 'every unit served is reported, once');
      assert.deepEqual(
        logger.at('error').map((l) => l.fields['event']),
        [],
        'no charge failed at the stop',
      );
      assert.deepEqual(await world.records('drawdown').then((r) => r.filter((x) => !x.key.startsWith('block:'))), []);
    });
  }
});
