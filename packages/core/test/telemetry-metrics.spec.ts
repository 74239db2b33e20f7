/**
 * The gate's OpenTelemetry metrics (issue 16), read through a real `@opentelemetry/sdk-metrics`
 * MeterProvider and a pull reader, after scenarios against the License Manager emulator (the real
 * AWS SDK over HTTP, time only through the ManualClock moved with the emulator's clock).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { metrics as otelMetrics } from '@opentelemetry/api';

import {
  LicenseGateConfigurationError,
  MemoryStore,
  type DrawdownDimensionOptions,
  type LicenseGateOptions,
} from '../src/index.js';
import { globalMeter } from '../src/telemetry/otel-api.js';
import { HOUR, MINUTE, PAST_REFRESH, SKU, tieredLicense, useHarness, type Harness } from './support/gate-harness.js';
import { MetricsWorld } from './support/metric-reader.js';
import { seatSeed, SEAT_ENTITLEMENT } from './support/seat-world.js';

const OUTAGE = { operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' } as const;
const DIMENSION = 'DataConsumption';

/** A MemoryStore that says it is shared by processes (as Redis is): batch debits are journaled one by one. */
class SharedMemoryStore extends MemoryStore {
  override readonly shared: boolean = true;
}

/** A license with `seats` ConcurrentUsers and `units` DataConsumption, for a gate without tiers. */
function usageSeed(sku: string, seats: number, units: number): ReturnType<typeof seatSeed> {
  const seed = seatSeed(sku, seats);
  return {
    ...seed,
    Entitlements: [
      ...(seed.Entitlements ?? []),
      { Name: DIMENSION, MaxCount: units, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ],
  } as ReturnType<typeof seatSeed>;
}

describe('metrics (OpenTelemetry, through the SDK against the emulator)', function () {
  this.timeout(20_000);
  const harness = useHarness();
  let h: Harness;
  let world: MetricsWorld;
  beforeEach(() => {
    h = harness();
    world = new MetricsWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  /** Reads the drawdown instruments of the gate of `sku`. */
  function readDrawdown(sku: string): () => Promise<Record<string, number | undefined>> {
    const attributes = { 'licensegate.product_sku': sku, 'licensegate.dimension': DIMENSION };
    return async () => {
      const got = await world.collect();
      return Object.fromEntries(
        ['debited', 'pending', 'reported', 'unbillable', 'exhausted'].map((n) => [
          n,
          got.value(`licensegate.drawdown.${n}`, attributes),
        ]),
      );
    };
  }

  /** A usage gate (seats and batch drawdown, no tiers) on its own license. */
  function usageGate(seats: number, units: number, options: Partial<LicenseGateOptions> = {}) {
    const sku = `lg-metrics-${randomUUID()}`;
    h.addLicense(usageSeed(sku, seats, units));
    return h.gate({
      productSku: sku,
      tiers: undefined,
      seats: { entitlement: SEAT_ENTITLEMENT, wait: { timeoutMs: 30_000, pollMs: 60_000 } },
      drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 8 } },
      store: new MemoryStore({ sweepIntervalMs: 2 ** 31 - 1 }),
      metrics: { meterProvider: world.provider },
      ...options,
    }).gate;
  }

  describe('tiers', () => {
    it('licensegate.tier.decisions: every check counted by the tier asked for, outcome and reason', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ metrics: { meterProvider: world.provider } });
      await gate.start();
      const basic = gate.tierCheck('Basic');
      const premium = gate.tierCheck('Premium');

      for (let i = 0; i < 3; i++) basic();
      premium();
      premium();
      assert.equal(gate.hasTier('Intermediate'), true);
      assert.equal(gate.checkTier('Premium').allowed, false);

      // License Manager goes away: within the grace the last answer is served, degraded; past it, refused.
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      basic();
      await h.advance(HOUR);
      assert.equal(basic().allowed, false);

      const got = await world.collect();
      const sku = { 'licensegate.product_sku': SKU };
      const decisions = 'licensegate.tier.decisions';
      assert.equal(got.metric(decisions).descriptor.unit, '{decision}');
      const of = (tier: string, outcome: string, reason: string): number | undefined =>
        got.value(decisions, {
          ...sku,
          'licensegate.tier': tier,
          'licensegate.outcome': outcome,
          'licensegate.reason': reason,
        });
      assert.equal(of('Basic', 'allowed', 'granted'), 3);
      assert.equal(of('Basic', 'allowed', 'degraded'), 1);
      assert.equal(of('Basic', 'denied', 'license-unavailable'), 1);
      assert.equal(of('Premium', 'denied', 'tier-required'), 3);
      assert.equal(of('Intermediate', 'allowed', 'granted'), 1);
      assert.equal(got.points(decisions).length, 5, 'no other series');
    });

    it('licensegate.tier.decisions: a license that grants no tier counts no-license denials', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate'], { Status: 'DEACTIVATED' }));
      const { gate } = h.gate({ metrics: { meterProvider: world.provider } });
      await gate.start();
      gate.tierCheck('Basic')();
      const got = await world.collect();
      assert.equal(
        got.value('licensegate.tier.decisions', { 'licensegate.tier': 'Basic', 'licensegate.reason': 'no-license' }),
        1,
      );
      assert.equal(
        got.value('licensegate.gate.state', { 'licensegate.state': 'refusing' }),
        1,
        'a gate whose license grants no tier refuses everyone',
      );
    });

    it('licensegate.license_manager.call.duration and .attempts: by operation and outcome, with the AWS error name', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ metrics: { meterProvider: world.provider } });
      await gate.start(); // CheckoutLicense, GetLicense
      h.lm.addFault({ ...OUTAGE, times: 2 }); // both attempts of the next refresh (FAST_RETRY: 2)
      await h.step(gate, PAST_REFRESH);
      assert.equal(gate.status().degraded, true);

      const got = await world.collect();
      const name = 'licensegate.license_manager.call.duration';
      assert.equal(got.metric(name).descriptor.unit, 's');
      const common = { 'licensegate.product_sku': SKU, 'rpc.system': 'aws-api', 'rpc.service': 'LicenseManager' };
      const ok = got.histogram(name, { ...common, 'rpc.method': 'CheckoutLicense', 'licensegate.outcome': 'success' });
      assert.equal(ok?.count, 1);
      assert.ok((ok?.sum ?? -1) >= 0);
      assert.equal(
        got.histogram(name, { ...common, 'rpc.method': 'GetLicense', 'licensegate.outcome': 'success' })?.count,
        1,
      );
      const failed = got.histogram(name, {
        ...common,
        'rpc.method': 'CheckoutLicense',
        'licensegate.outcome': 'transient',
        'error.type': 'ServerInternalException',
      });
      assert.equal(failed?.count, 1, 'one call (its two attempts) failed');
      assert.equal(got.points(name).length, 3);
      assert.equal(got.value('licensegate.license_manager.attempts', { 'licensegate.product_sku': SKU }), 4);
    });

    it('licensegate.gate.state and licensegate.grace.remaining: running, then in grace, then refusing, then running again', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ metrics: { meterProvider: world.provider }, refreshJitter: 0 });
      await gate.start();
      const stateOf = async (): Promise<{ state: string[]; grace: number | undefined }> => {
        const got = await world.collect();
        const points = got.points('licensegate.gate.state', { 'licensegate.product_sku': SKU });
        assert.equal(points.length, 6, 'one series per state');
        return {
          state: points.filter((p) => p.value === 1).map((p) => String(p.attributes['licensegate.state'])),
          grace: got.has('licensegate.grace.remaining') ? got.value('licensegate.grace.remaining') : undefined,
        };
      };

      assert.deepEqual(await stateOf(), { state: ['running'], grace: 3600 });
      await h.step(gate, 10 * MINUTE);
      assert.deepEqual(await stateOf(), { state: ['running'], grace: 3000 });

      h.lm.addFault(OUTAGE);
      await h.step(gate, 6 * MINUTE); // the refresh at 15 minutes fails
      assert.deepEqual(await stateOf(), { state: ['grace'], grace: 2640 });

      await h.advance(HOUR);
      assert.deepEqual(await stateOf(), { state: ['refusing'], grace: 0 });

      h.lm.clearFaults();
      await gate.refresh();
      assert.deepEqual(await stateOf(), { state: ['running'], grace: 3600 });
    });

    it('licensegate.gate.state: degraded under the allow policy; no grace series under deny', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const allow = h.gate({ metrics: { meterProvider: world.provider }, onUnavailable: 'allow' }).gate;
      await allow.start();
      h.lm.addFault(OUTAGE);
      await h.step(allow, PAST_REFRESH);
      let got = await world.collect();
      assert.equal(got.value('licensegate.gate.state', { 'licensegate.state': 'degraded' }), 1);
      assert.equal(got.has('licensegate.grace.remaining'), false);
      await allow.stop();

      h.lm.clearFaults();
      const deny = h.gate({ metrics: { meterProvider: world.provider }, onUnavailable: 'deny' }).gate;
      await deny.start();
      h.lm.addFault(OUTAGE);
      await h.step(deny, PAST_REFRESH);
      got = await world.collect();
      assert.equal(got.value('licensegate.gate.state', { 'licensegate.state': 'refusing' }), 1);
      assert.equal(got.has('licensegate.grace.remaining'), false);
    });
  });

  describe('seats', () => {
    it('licensegate.seats.held, .waiting, .refused and .limit', async () => {
      const gate = usageGate(2, 100);
      await gate.start();
      const attributes = {
        'licensegate.product_sku': gate.options.productSku,
        'licensegate.entitlement': SEAT_ENTITLEMENT,
      };
      await gate.seats.acquire('ann');
      await gate.seats.acquire('bob');
      const waiting = gate.seats.acquire('cid').catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 50)); // its checkout was refused; it waits now

      let got = await world.collect();
      assert.equal(got.value('licensegate.seats.held', attributes), 2);
      assert.equal(got.metric('licensegate.seats.held').descriptor.unit, '{seat}');
      assert.equal(got.value('licensegate.seats.waiting', attributes), 1);
      assert.equal(
        got.value('licensegate.seats.refused', { ...attributes, 'licensegate.reason': 'seats-exhausted' }),
        0,
      );
      assert.equal(got.value('licensegate.seats.limit', attributes), 2);

      await h.advance(31_000);
      assert.equal(((await waiting) as Error).name, 'SeatsExhaustedError');
      await gate.seats.release('ann');

      got = await world.collect();
      assert.equal(got.value('licensegate.seats.held', attributes), 1);
      assert.equal(got.value('licensegate.seats.waiting', attributes), 0);
      assert.equal(
        got.value('licensegate.seats.refused', { ...attributes, 'licensegate.reason': 'seats-exhausted' }),
        1,
      );
      assert.equal(got.value('licensegate.seats.refused', { ...attributes, 'licensegate.reason': 'no-license' }), 0);
      const refusedCheckouts = got.histogram('licensegate.license_manager.call.duration', {
        'rpc.method': 'CheckoutLicense',
        'licensegate.outcome': 'definitive',
        'error.type': 'NoEntitlementsAllowedException',
      });
      assert.equal(refusedCheckouts?.count, 1);
    });
  });

  describe('drawdown', () => {
    for (const shared of [false, true]) {
      it(`licensegate.drawdown.debited, .pending, .reported, .unbillable and .exhausted, by dimension (batch, ${shared ? 'a shared store' : 'MemoryStore'})`, async () => {
        const store = shared ? new SharedMemoryStore({ sweepIntervalMs: 2 ** 31 - 1 }) : undefined;
        const gate = usageGate(2, 10, store === undefined ? {} : { store });
        await gate.start();
        const read = readDrawdown(gate.options.productSku);

        const reservation = await gate.drawdown.reserve(DIMENSION, 4);
        await reservation.commit();
        const cancelled = await gate.drawdown.reserve(DIMENSION, 2);
        cancelled.cancel();
        await gate.drawdown.debit(DIMENSION, 3);
        assert.deepEqual(await read(), { debited: 7, pending: 7, reported: 0, unbillable: 0, exhausted: 0 });

        await gate.drawdown.flush();
        assert.deepEqual(await read(), { debited: 7, pending: 0, reported: 7, unbillable: 0, exhausted: 0 });

        // 6 more against 3 left: 3 are reported, 3 are refused (served, unbillable) and the pool is used up.
        await gate.drawdown.debit(DIMENSION, 6);
        await gate.drawdown.flush();
        assert.deepEqual(await read(), { debited: 13, pending: 0, reported: 10, unbillable: 3, exhausted: 1 });
        const got = await world.collect();
        assert.equal(got.metric('licensegate.drawdown.debited').descriptor.unit, '{unit}');
      });
    }

    for (const mode of ['sync', 'reserve'] as const) {
      it(`licensegate.drawdown.debited counts commits and debits, not cancels (${mode})`, async () => {
        const options: DrawdownDimensionOptions = mode === 'reserve' ? { mode, blockUnits: 5 } : { mode };
        const gate = usageGate(2, 100, { drawdown: { [DIMENSION]: options } });
        await gate.start();
        const read = readDrawdown(gate.options.productSku);
        const committed = await gate.drawdown.reserve(DIMENSION, 4);
        await committed.commit();
        (await gate.drawdown.reserve(DIMENSION, 2)).cancel();
        await gate.drawdown.debit(DIMENSION, 3);
        const late = gate.drawdown.reserveLater(DIMENSION);
        await late.commitNow(2);
        const got = await read();
        assert.equal(got['debited'], 9);
        assert.equal(got['unbillable'], 0);
      });
    }
  });

  describe('where the meter comes from', () => {
    it('uses the global meter provider of @opentelemetry/api when one is registered at start()', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      otelMetrics.setGlobalMeterProvider(world.provider);
      try {
        await gate.start();
        gate.tierCheck('Basic')();
      } finally {
        otelMetrics.disable();
      }
      const got = await world.collect();
      assert.equal(got.value('licensegate.tier.decisions', { 'licensegate.tier': 'Basic' }), 1);
      assert.equal(got.metric('licensegate.tier.decisions').descriptor.name, 'licensegate.tier.decisions');
    });

    it('finds no meter when no provider is registered (the API hands out its no-op meter then)', () => {
      assert.equal(globalMeter(), undefined);
      otelMetrics.setGlobalMeterProvider(world.provider);
      try {
        assert.notEqual(globalMeter(), undefined);
      } finally {
        otelMetrics.disable();
      }
    });

    it('creates nothing when no provider is registered, or with metrics: false', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      otelMetrics.setGlobalMeterProvider(world.provider);
      const off = h.gate({ metrics: false }).gate;
      try {
        await off.start();
      } finally {
        otelMetrics.disable();
      }
      const none = h.gate().gate; // no provider registered now
      await none.start();
      off.tierCheck('Basic')();
      none.tierCheck('Basic')();
      const { resourceMetrics } = await world.reader.collect();
      assert.deepEqual(
        resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)),
        [],
      );
      assert.equal(none.hasTier('Intermediate'), true);
    });

    it('takes a meter as it is', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const meter = world.provider.getMeter('my-app');
      const { gate } = h.gate({ metrics: { meter } });
      await gate.start();
      const { resourceMetrics } = await world.reader.collect();
      assert.deepEqual(
        resourceMetrics.scopeMetrics.map((s) => s.scope.name),
        ['my-app'],
      );
    });

    it('a meter that throws is logged (licensegate.gate.metrics_unavailable) and the gate runs without metrics', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const broken = world.provider.getMeter('broken');
      const meter = Object.assign(Object.create(broken) as typeof broken, {
        createHistogram: () => {
          throw new Error('no histograms here');
        },
      });
      const { gate } = h.gate({ metrics: { meter } });
      await gate.start();
      assert.equal(gate.hasTier('Intermediate'), true);
      assert.equal(h.logger.events('licensegate.gate.metrics_unavailable', 'warn').length, 1);
    });

    it('stops observing at stop(): the gate is not kept by the provider', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ metrics: { meterProvider: world.provider } });
      await gate.start();
      await gate.stop();
      const got = await world.collect();
      assert.equal(got.has('licensegate.gate.state'), false);
    });

    for (const [metrics, why] of [
      [true, 'not an object'],
      [{ meterProvider: {} }, 'no getMeter'],
      [{ meter: { createHistogram() {} } }, 'not a meter'],
      [{}, 'neither'],
      [{ meterProvider: { getMeter() {} }, meterprovider: {} }, 'unknown key'],
    ] as const) {
      it(`refuses metrics: ${JSON.stringify(metrics)} (${why}) with ERR_LG_OPTION_METRICS`, () => {
        assert.throws(
          () => h.gate({ metrics: metrics as unknown as LicenseGateOptions['metrics'] }),
          (error: unknown) => error instanceof LicenseGateConfigurationError && error.code === 'ERR_LG_OPTION_METRICS',
        );
      });
    }
  });
});
