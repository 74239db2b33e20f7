/**
 * Drawdown through an adapter, judged by what is observable: statuses, problem answers, what
 * License Manager counts (GetLicenseUsage) and acknowledged (`unitsReported` events), and the
 * gate's `drawdown.stats()`. Units are charged only for responses that succeeded (held before the
 * handler, settled when the response finished), never for failures or aborted requests; a used-up
 * pool answers 402 in each mode; bad units from the app are a 500-class problem with a clear log
 * line and nothing debited.
 */
import assert from 'node:assert/strict';

import type { DrawdownDimensionOptions, LicenseGate, UnavailablePolicy } from '@licensegate/core';
import request from 'supertest';

import { MINUTE } from '../constants.js';
import { recordEvents, type EventLog } from '../events.js';
import { countedLicense } from '../licenses.js';
import { assertProblem } from '../problems.js';
import { rawPost } from '../raw-request.js';
import { deferred, until } from '../waiting.js';
import type { AdapterDriver, WorkApp, WorkUnits } from './driver.js';
import { Probe } from './probe.js';
import { useTableWorld } from './table-world.js';

const SKU = 'lg-table-units';
/** The drawdown dimension of every license here. */
const DIMENSION = 'DataConsumption';

interface Setup {
  gate: LicenseGate;
  events: EventLog;
  app: WorkApp;
  probe: Probe;
  /** Units License Manager counts as consumed. */
  consumed: () => Promise<number>;
  /** Units License Manager acknowledged to the gate (its unitsReported events). */
  reported: () => number;
}

/** Units read from the finished response's `x-units-used` header. */
const usedHeader: WorkUnits = { ofResponse: (header) => Number(header('x-units-used')) };
/** Units from the request's `?n=`. */
const fromQuery: WorkUnits = { ofRequest: (query) => Number(query['n']) };

/** The drawdown scenarios, run against `driver`. */
export function drawdownScenarios(driver: AdapterDriver): void {
  describe('drawdown', () => {
    const world = useTableWorld(driver, () => [countedLicense(SKU, { units: 1000 })]);

    async function setup(
      dimension: DrawdownDimensionOptions,
      units: WorkUnits,
      options: {
        sku?: string;
        pool?: number;
        onUnavailable?: UnavailablePolicy;
        graceMs?: number;
        chargeWhen?: (status: number) => boolean;
      } = {},
    ): Promise<Setup> {
      const w = world();
      const sku = options.sku ?? SKU;
      if (options.pool !== undefined) w.addLicense(countedLicense(sku, { units: options.pool }));
      const gate = w.gate({
        productSku: sku,
        drawdown: { [DIMENSION]: dimension },
        ...(options.onUnavailable !== undefined ? { onUnavailable: options.onUnavailable } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      });
      const events = recordEvents(gate);
      await gate.start();
      const probe = new Probe();
      const app = await w.workApp({
        gate,
        dimension: DIMENSION,
        units,
        probe,
        ...(options.chargeWhen !== undefined ? { chargeWhen: options.chargeWhen } : {}),
      });
      return {
        gate,
        events,
        app,
        probe,
        consumed: () => w.consumed(w.arnOf(sku), DIMENSION),
        reported: () => events.unitsReported.reduce((sum, e) => sum + e.units, 0),
      };
    }

    describe('charges only what succeeded', () => {
      it('sync: a 2xx or 3xx response is charged; a 4xx, a 5xx and a failed handler are not', async () => {
        const w = world();
        const s = await setup({ mode: 'sync' }, 5);
        const api = request(s.app.url);
        await api.post('/work').expect(200);
        await until(() => s.reported() === 5, 'the first charge');
        await api.post('/work?status=500').expect(500);
        await api.post('/work?status=404').expect(404);
        await api.post('/work?throw=1').expect(500);
        await api.post('/work?status=302').expect(302);
        await until(() => s.reported() === 10, 'the redirect to be charged');
        await api.post('/work?status=201').expect(201);
        await until(() => s.reported() === 15, 'the 201 to be charged');

        assert.equal(s.probe.handled, 6);
        await s.gate.stop();
        assert.equal(await s.consumed(), 15);
        assert.equal(s.reported(), 15);
        assert.equal(w.calls('CheckoutLicense'), 3, 'one PERPETUAL checkout per charged request, none for the others');
      });

      it('batch: no License Manager call on the request path; a flush reports exactly the successful units', async () => {
        const w = world();
        const s = await setup({ mode: 'batch', batchUnits: 10_000, batchIntervalMs: 60 * MINUTE }, fromQuery);
        const api = request(s.app.url);
        let expected = 0;
        for (let i = 1; i <= 20; i++) {
          const fails = i % 4 === 0;
          await api.post(`/work?n=${i}${fails ? '&status=503' : ''}`).expect(fails ? 503 : 200);
          if (!fails) expected += i;
        }
        assert.equal(w.calls('CheckoutLicense'), 0, 'batch mode debits locally');
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === expected, 'the last commit');
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), expected);
        assert.equal(s.reported(), expected);
      });

      it('reserve: a handler that fails gives its units back to the block', async () => {
        const s = await setup({ mode: 'reserve', blockUnits: 100 }, 30);
        await request(s.app.url).post('/work?throw=1').expect(500);
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 0, 'the reservation to be cancelled');
        assert.equal(s.gate.drawdown.stats(DIMENSION).blockRemaining, 100);
        await request(s.app.url).post('/work').expect(200);
        await until(() => s.gate.drawdown.stats(DIMENSION).blockRemaining === 70, 'the commit');
      });

      it('chargeWhen decides which finished responses are charged', async () => {
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, 3, { chargeWhen: (status) => status === 201 });
        const api = request(s.app.url);
        await api.post('/work').expect(200);
        await api.post('/work?status=201').expect(201);
        await api.post('/work?status=201').expect(201);
        await api.post('/work?status=500').expect(500);
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 6, 'the commits');
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), 6);
      });

      it('units of the response are read when it has finished, and not at all for a failure', async () => {
        const reads: number[] = [];
        const units: WorkUnits = {
          ofResponse: (header) => {
            const used = Number(header('x-units-used'));
            reads.push(used);
            return used;
          },
        };
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, units);
        const api = request(s.app.url);
        await api.post('/work?used=7').expect(200);
        await api.post('/work?used=11').expect(200);
        await api.post('/work?used=50&status=500').expect(500);
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 18, 'the late debits');
        assert.deepEqual(reads, [7, 11]);
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), 18);
      });
    });

    describe('aborted requests', () => {
      it('batch: a client that aborts before the handler answers is not charged', async () => {
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, 9);
        const call = rawPost(`${s.app.url}/work?hold=1`);
        await until(() => s.probe.handled === 1, 'the handler to start');
        call.abort();
        await until(() => s.probe.closed === 1, 'the server to see the abort');
        s.probe.hold.resolve(); // the handler answers into a closed connection
        await request(s.app.url).post('/work').expect(200); // a later request is charged as usual
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 9, 'the later commit');
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), 9);
      });

      it('reserve: the units of an aborted request go back to the block', async () => {
        const s = await setup({ mode: 'reserve', blockUnits: 100 }, 30);
        const call = rawPost(`${s.app.url}/work?hold=1`);
        await until(() => s.probe.handled === 1, 'the handler to start');
        assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 30, 'held while the handler runs');
        call.abort();
        await until(() => s.probe.closed === 1, 'the server to see the abort');
        s.probe.hold.resolve();
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 0, 'the reservation to be cancelled');
        assert.equal(s.gate.drawdown.stats(DIMENSION).blockRemaining, 100);
      });

      it('an abort while the charge is opening cancels it and skips the handler', async () => {
        const w = world();
        const s = await setup({ mode: 'reserve', blockUnits: 100 }, 30);
        w.lm.addFault({ operation: 'CheckoutLicense', kind: 'latency', latencyMs: 150, times: 1 });
        const call = rawPost(`${s.app.url}/work`);
        await until(() => s.probe.arrived === 1, 'the request to arrive');
        call.abort();
        await until(() => s.probe.closed === 1, 'the server to see the abort');
        // blockRemaining reads 0 while the block checkout is in flight, then 70 or 100 once it is in.
        await until(() => (s.gate.drawdown.stats(DIMENSION).blockRemaining ?? 0) > 0, 'the block checkout');
        const settled = (): boolean =>
          s.gate.drawdown.stats(DIMENSION).pending === 0 && s.gate.drawdown.stats(DIMENSION).blockRemaining === 100;
        await until(settled, 'the reservation to be cancelled, its units back in the block');
        assert.equal(s.probe.handled, 0, 'the handler never ran');
      });

      it('reserve: an abort before the drawdown step runs (a slow auth step) is neither served nor holds units', async () => {
        // The response closed before the drawdown step could watch it: the reservation that step
        // opens must be settled some other way (or not be opened at all).
        const s = await setup({ mode: 'reserve', blockUnits: 100 }, 30);
        const auth = deferred();
        s.probe.before = auth.promise;
        const call = rawPost(`${s.app.url}/work`);
        await until(() => s.probe.arrived === 1, 'the request to arrive');
        call.abort();
        await until(() => s.probe.closed === 1, 'the server to see the abort');
        auth.resolve();
        await request(s.app.url).post('/work').expect(200); // sent after the aborted one went on
        const settled = await until(() => s.gate.drawdown.stats(DIMENSION).pending === 0, 'settled', 1_000).then(
          () => true,
          () => false,
        );
        const stats = s.gate.drawdown.stats(DIMENSION);
        assert.ok(settled, `the aborted request still holds ${stats.pending} units of the block`);
        assert.equal(s.probe.handled, 1, 'the aborted request did no work');
        assert.equal(stats.blockRemaining, 70, 'only the later request used units');
      });

      it('batch: an abort before the drawdown step runs is neither charged nor served (the hot path holds nothing)', async () => {
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, 9);
        const auth = deferred();
        s.probe.before = auth.promise;
        const call = rawPost(`${s.app.url}/work`);
        await until(() => s.probe.arrived === 1, 'the request to arrive');
        call.abort();
        await until(() => s.probe.closed === 1, 'the server to see the abort');
        auth.resolve();
        await request(s.app.url).post('/work').expect(200); // sent after the aborted one went on
        await until(() => s.gate.drawdown.stats(DIMENSION).pending === 9, 'the later commit');
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), 9, 'only the later request is charged');
        assert.equal(s.probe.handled, 1, 'the aborted request did no work');
      });
    });

    describe('a used-up pool answers 402', () => {
      it('reserve: serves exactly the purchase, then refuses up front; consumed equals charged', async () => {
        const s = await setup({ mode: 'reserve', blockUnits: 10 }, 1, { sku: 'lg-table-pool-25', pool: 25 });
        const api = request(s.app.url);
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
        assert.equal(s.probe.handled, 25, 'no work for a refused request');
        await s.gate.stop();
        assert.equal(await s.consumed(), 25);
      });

      it('reserve: a request for more than is left is refused before any work', async () => {
        const s = await setup({ mode: 'reserve', blockUnits: 50 }, fromQuery);
        const api = request(s.app.url);
        await api.post('/work?n=25').expect(200);
        assertProblem(await api.post('/work?n=5000'), {
          status: 402,
          type: 'quota-exhausted',
          fields: { dimension: DIMENSION },
        });
        assert.equal(s.probe.handled, 1);
        await api.post('/work?n=25').expect(200);
        await s.gate.stop();
        assert.equal(await s.consumed(), 50);
      });

      it('batch: exhaustion found mid-stream; over-service at most one batch; consumed equals what was charged', async () => {
        const s = await setup({ mode: 'batch', batchUnits: 10 }, 1, { sku: 'lg-table-pool-25', pool: 25 });
        const api = request(s.app.url);
        let served = 0;
        let refused = 0;
        for (let i = 0; i < 60 && refused < 5; i++) {
          const res = await api.post('/work');
          if (res.status === 200) {
            assert.equal(refused, 0, 'nothing is served after the first 402');
            served++;
          } else {
            assertProblem(res, { status: 402, type: 'quota-exhausted', fields: { dimension: DIMENSION } });
            refused++;
          }
        }
        assert.equal(refused, 5);
        assert.ok(served >= 25 && served <= 25 + 10, `served ${served}: the purchase, plus at most one batch`);
        assert.equal(s.probe.handled, served);
        await s.gate.stop();
        assert.equal(await s.consumed(), 25);
        assert.equal(s.reported(), 25, 'every acknowledged unit is what License Manager counts');
        assert.equal(s.gate.drawdown.stats(DIMENSION).unbillable, served - 25);
      });

      it('sync: exact — each request is checked out before its work; the one past the pool gets 402 unserved', async () => {
        const s = await setup({ mode: 'sync' }, 1, { sku: 'lg-table-pool-5', pool: 5 });
        const api = request(s.app.url);
        for (let i = 0; i < 5; i++) {
          await api.post('/work').expect(200);
          assert.equal(s.reported(), i + 1, 'granted before the response');
        }
        assertProblem(await api.post('/work'), { status: 402, type: 'quota-exhausted' });
        assert.equal(s.probe.handled, 5, 'the refused request did no work');
        assert.equal(s.gate.drawdown.isExhausted(DIMENSION), true);
        assertProblem(await api.post('/work'), { status: 402, type: 'quota-exhausted' });
        assert.equal(await s.consumed(), 5);
        assert.equal(s.gate.drawdown.stats(DIMENSION).unbillable, 0);
      });

      it('sync: concurrent requests against a small pool — exactly the pool is served, the rest 402 before any work', async () => {
        const s = await setup({ mode: 'sync' }, 3, { sku: 'lg-table-pool-10', pool: 10 });
        const answers = await Promise.all(Array.from({ length: 12 }, () => request(s.app.url).post('/work')));
        const served = answers.filter((a) => a.status === 200).length;
        assert.equal(served, 3, '3 requests of 3 units fit a pool of 10');
        assert.ok(answers.every((a) => a.status === 200 || a.status === 402));
        assert.equal(s.probe.handled, served);
        assert.equal(await s.consumed(), 9);
      });

      it('units of the response: refused up front once the pool is known to be used up', async () => {
        const s = await setup({ mode: 'sync' }, usedHeader, { sku: 'lg-table-pool-5', pool: 5 });
        const api = request(s.app.url);
        await api.post('/work?used=5').expect(200);
        await until(() => s.reported() === 5, 'the charge');
        await api.post('/work?used=1').expect(200);
        await until(() => s.gate.drawdown.isExhausted(DIMENSION), 'the refused charge');
        assertProblem(await api.post('/work?used=1'), { status: 402, type: 'quota-exhausted' });
        assert.equal(s.probe.handled, 2);
      });
    });

    it('batch, License Manager unreachable: debits go on within the grace, then 503 with Retry-After; nothing is lost', async () => {
      const w = world();
      const s = await setup({ mode: 'batch', batchUnits: 5 }, 1, { graceMs: 10 * MINUTE });
      w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      const api = request(s.app.url);
      for (let i = 0; i < 8; i++) await api.post('/work').expect(200);
      await until(() => w.calls('CheckoutLicense') > 0, 'a report to be tried');

      await w.advance(11 * MINUTE);
      const res = await api.post('/work');
      assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
      assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/);
      assert.equal(s.probe.handled, 8);

      w.lm.clearFaults();
      await s.gate.stop();
      assert.equal(await s.consumed(), 8, 'the units served during the outage are reported after it');
    });

    describe('bad units from the app', () => {
      const cases: [string, unknown][] = [
        ['NaN', NaN],
        ['negative', -3],
        ['fractional', 1.5],
        ['huge', 2 ** 53],
        ['infinite', Infinity],
        ['a string', '5'],
        ['undefined', undefined],
      ];

      it('each is a 500 invalid-units problem, a clear error in the log, no work done and nothing debited', async () => {
        const w = world();
        let next: unknown;
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, { ofRequest: () => next });
        const api = request(s.app.url);
        for (const [name, value] of cases) {
          next = value;
          w.logger.clear();
          const body = assertProblem(await api.post('/work'), {
            status: 500,
            type: 'invalid-units',
            code: 'ERR_LG_INVALID_UNITS',
          });
          assert.match(body['detail'] as string, /whole number/, name);
          const logged = w.logger.events('licensegate.request.failed', 'error');
          assert.equal(logged.length, 1, `one error logged for ${name}`);
          assert.equal(logged[0]?.fields['code'], 'ERR_LG_INVALID_UNITS');
          assert.equal(logged[0]?.fields['path'], '/work');
          assert.match(
            String(logged[0]?.fields['error']),
            /DataConsumption units: units must be a whole number.*Nothing was debited/,
          );
        }
        assert.equal(s.probe.handled, 0);
        await s.gate.drawdown.flush();
        assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 0);
        assert.equal(w.calls('CheckoutLicense'), 0);
        assert.equal(await s.consumed(), 0);
      });

      it('bad units read at the end: the answer stands, the error is logged, nothing is debited', async () => {
        const w = world();
        const s = await setup({ mode: 'batch', batchUnits: 10_000 }, usedHeader);
        await request(s.app.url).post('/work?used=lots').expect(200);
        await until(
          () => w.logger.events('licensegate.drawdown.charge_failed').length === 1,
          'the failed charge to be logged',
        );
        const [logged] = w.logger.events('licensegate.drawdown.charge_failed', 'error');
        assert.equal(logged?.fields['code'], 'ERR_LG_INVALID_UNITS');
        assert.match(String(logged?.fields['error']), /Cannot debit NaN DataConsumption units/);
        await s.gate.drawdown.flush();
        assert.equal(await s.consumed(), 0);
      });

      it("a units function that throws is the app's error: answered as the app answers its errors, no work, nothing debited", async () => {
        const w = world();
        const s = await setup(
          { mode: 'batch', batchUnits: 10_000 },
          {
            ofRequest: () => {
              throw new Error('no size header');
            },
          },
        );
        const res = await request(s.app.url).post('/work');
        const expected = driver.appError('no size header');
        assert.equal(res.status, expected.status, res.text);
        assert.deepEqual(res.body, expected.body);
        assert.doesNotMatch(String(res.headers['content-type']), /problem\+json/, 'not a licensegate problem');
        assert.equal(s.probe.handled, 0);
        await s.gate.drawdown.flush();
        assert.equal(s.gate.drawdown.stats(DIMENSION).pending, 0);
        assert.equal(w.calls('CheckoutLicense'), 0);
      });
    });

    it('a gate made from options starts with the app and charges the first requests', async () => {
      const w = world();
      const probe = new Probe();
      const app = await w.workApp({
        gate: w.options({ productSku: SKU, drawdown: { [DIMENSION]: { mode: 'sync' } } }),
        dimension: DIMENSION,
        units: 4,
        probe,
      });
      const answers = await Promise.all(Array.from({ length: 5 }, () => request(app.url).post('/work')));
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200, 200, 200, 200],
      );
      await app.close();
      assert.equal(await w.consumed(w.arnOf(SKU), DIMENSION), 20);
    });
  });
}
