import assert from 'node:assert/strict';

import type { SeedLicense } from '@licensegate/emulator';

import {
  LicenseGateConfigurationError,
  QuotaExhaustedError,
  SeatsExhaustedError,
  type GateHealth,
  type LicenseGate,
  type ModelHealth,
  type UnavailablePolicy,
} from '../src/index.js';
import { HealthCheck } from '../src/http/index.js';
import { MINUTE, PAST_REFRESH, SKU, tieredLicense, useHarness, type Harness } from './support/gate-harness.js';

const OUTAGE = { operation: '*', kind: 'error', error: 'ServerInternalException' } as const;
const COUNTED = 'lg-test-counted';

/** A license of `COUNTED` with `ConcurrentUsers` seats and/or `DataConsumption` units. */
function countedLicense(counts: { seats?: number; units?: number }, overrides: Partial<SeedLicense> = {}): SeedLicense {
  const entitlements: SeedLicense['Entitlements'] = [];
  if (counts.seats !== undefined) {
    entitlements.push({
      Name: 'ConcurrentUsers',
      MaxCount: counts.seats,
      Overage: false,
      Unit: 'Count',
      AllowCheckIn: true,
    });
  }
  if (counts.units !== undefined) {
    entitlements.push({
      Name: 'DataConsumption',
      MaxCount: counts.units,
      Overage: false,
      Unit: 'Count',
      AllowCheckIn: true,
    });
  }
  return tieredLicense(COUNTED, [], { Entitlements: entitlements, ...overrides });
}

function model(health: GateHealth, which: 'tiers' | 'seats' | `drawdown:${string}`): ModelHealth {
  const found = which.startsWith('drawdown:')
    ? health.models.drawdown?.[which.slice('drawdown:'.length)]
    : health.models[which as 'tiers' | 'seats'];
  assert.ok(found !== undefined, `no ${which} in ${JSON.stringify(health)}`);
  return found;
}

/** Asserts the gate's liveness, readiness, and one model's code and `serving`. */
function assertHealth(
  gate: LicenseGate,
  which: Parameters<typeof model>[1],
  expected: { code: string; serving: boolean; live?: boolean; ready?: boolean; degraded?: boolean },
): ModelHealth {
  const health = gate.health();
  const m = model(health, which);
  assert.equal(m.code, expected.code, `${which}: ${m.message}`);
  assert.equal(m.serving, expected.serving, `${which} serving`);
  assert.equal(health.live, expected.live ?? true, 'live');
  assert.equal(health.ready, expected.ready ?? expected.serving, 'ready');
  if (expected.degraded !== undefined) assert.equal(m.degraded, expected.degraded, 'degraded');
  assert.ok(m.message.length > 0);
  return m;
}

describe('gate.health() (real SDK against the emulator)', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  describe('tiers', () => {
    it('starting before start(), ok while running, not live once stopped', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      assertHealth(gate, 'tiers', { code: 'starting', serving: false, ready: false });
      assert.equal(gate.health().state, 'idle');
      await gate.start();
      const ok = assertHealth(gate, 'tiers', { code: 'ok', serving: true, degraded: false });
      assert.equal(ok.graceEndsAt, null);
      assert.equal(ok.lastError, null);
      assert.equal(gate.health().productSku, SKU);
      await gate.stop();
      assertHealth(gate, 'tiers', { code: 'stopped', serving: false, live: false, ready: false });
    });

    it('no license: live, not ready (every tier route answers 403)', async () => {
      const { gate } = h.gate();
      await gate.start();
      assertHealth(gate, 'tiers', { code: 'no-license', serving: false });
    });

    it('a license without the gate tiers: no-entitlement', async () => {
      h.addLicense(tieredLicense(SKU, ['Gold']));
      const { gate } = h.gate();
      await gate.start();
      assertHealth(gate, 'tiers', { code: 'no-entitlement', serving: false });
    });

    it('expired on the injected clock: license-expired, not ready', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium'], { Validity: { Begin: '-1d', End: '+30m' } }));
      const { gate } = h.gate();
      await gate.start();
      assertHealth(gate, 'tiers', { code: 'ok', serving: true });
      await h.step(gate, 31 * MINUTE);
      assertHealth(gate, 'tiers', { code: 'license-expired', serving: false });
    });

    it('a deactivated license: license-inactive', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Premium']));
      const { gate } = h.gate();
      await gate.start();
      await h.revise(arn, { status: 'DEACTIVATED' });
      await gate.refresh();
      assertHealth(gate, 'tiers', { code: 'license-inactive', serving: false });
    });

    it('grace policy, License Manager down: in-grace (live, ready), then grace-ended (live, not ready), then ok', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ onUnavailable: 'grace', graceMs: 60 * MINUTE });
      await gate.start();
      const learntAt = h.clock.now();
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      const inGrace = assertHealth(gate, 'tiers', { code: 'in-grace', serving: true, degraded: true });
      assert.equal(inGrace.graceEndsAt, new Date(learntAt + 60 * MINUTE).toISOString());
      assert.equal(inGrace.lastError?.code, 'ERR_LG_LICENSE_UNAVAILABLE');
      assert.match(inGrace.lastError?.message ?? '', /ServerInternalException/);
      assert.equal(gate.health().policy, 'grace');

      await h.step(gate, 45 * MINUTE);
      assertHealth(gate, 'tiers', { code: 'grace-ended', serving: false, degraded: true });

      h.lm.clearFaults();
      await gate.refresh();
      assertHealth(gate, 'tiers', { code: 'ok', serving: true, degraded: false });
    });

    it('deny policy, License Manager down: refusing (live, not ready)', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ onUnavailable: 'deny' });
      await gate.start();
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      const refusing = assertHealth(gate, 'tiers', { code: 'refusing', serving: false, degraded: true });
      assert.match(refusing.message, /deny policy/);
      assert.equal(gate.checkTier('Basic').allowed, false, 'and the routes refuse');
    });

    it('deny policy, License Manager down from the start: refusing', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      h.lm.addFault(OUTAGE);
      const { gate } = h.gate({ onUnavailable: 'deny' });
      await gate.start();
      assertHealth(gate, 'tiers', { code: 'refusing', serving: false });
    });

    it('grace policy, License Manager down from the start: refusing (nothing learnt to serve)', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      h.lm.addFault(OUTAGE);
      const { gate } = h.gate({ onUnavailable: 'grace' });
      await gate.start();
      const m = assertHealth(gate, 'tiers', { code: 'refusing', serving: false });
      assert.match(m.message, /nothing was learnt/);
    });

    it('allow policy, License Manager down: unverified (ready)', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ onUnavailable: 'allow' });
      await gate.start();
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      assertHealth(gate, 'tiers', { code: 'unverified', serving: true, degraded: true });
    });

    it('a license already cancelled is not served in grace: no-license stays not ready during an outage', async () => {
      const { gate } = h.gate({ onUnavailable: 'grace' });
      await gate.start();
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      assertHealth(gate, 'tiers', { code: 'no-license', serving: false, degraded: true });
    });
  });

  describe('seats', () => {
    const seatGate = (policy: UnavailablePolicy = 'grace'): LicenseGate =>
      h.gate({
        productSku: COUNTED,
        tiers: undefined,
        seats: { entitlement: 'ConcurrentUsers' },
        onUnavailable: policy,
      }).gate;

    it('ok; seats-exhausted while every seat is out (still ready); ok again once one is returned', async () => {
      h.addLicense(countedLicense({ seats: 1 }));
      const gate = seatGate();
      await gate.start();
      assertHealth(gate, 'seats', { code: 'ok', serving: true });
      await gate.seats.acquire('ann');
      await assert.rejects(gate.seats.acquire('bob'), SeatsExhaustedError);
      assertHealth(gate, 'seats', { code: 'seats-exhausted', serving: true, ready: true, degraded: false });
      await gate.seats.release('ann');
      assertHealth(gate, 'seats', { code: 'ok', serving: true });
      await gate.seats.acquire('bob');
      assertHealth(gate, 'seats', { code: 'ok', serving: true });
    });

    it('no license: no-license, not ready', async () => {
      const gate = seatGate();
      await gate.start();
      assertHealth(gate, 'seats', { code: 'no-license', serving: false });
    });

    it('a license without the seat entitlement: no-entitlement', async () => {
      h.addLicense(countedLicense({ units: 10 }));
      const gate = seatGate();
      await gate.start();
      assertHealth(gate, 'seats', { code: 'no-entitlement', serving: false });
    });

    it('expired on the injected clock: license-expired', async () => {
      h.addLicense(countedLicense({ seats: 3 }, { Validity: { Begin: '-1d', End: '+30m' } }));
      const gate = seatGate();
      await gate.start();
      assertHealth(gate, 'seats', { code: 'ok', serving: true });
      await h.advance(31 * MINUTE);
      assertHealth(gate, 'seats', { code: 'license-expired', serving: false });
    });

    for (const policy of ['grace', 'deny', 'allow'] as const) {
      it(`${policy} policy, License Manager down: license-manager-unreachable, seats held are served (ready)`, async () => {
        h.addLicense(countedLicense({ seats: 3 }));
        const gate = seatGate(policy);
        await gate.start();
        h.lm.addFault(OUTAGE);
        await h.advance(PAST_REFRESH);
        await gate.refresh();
        const m = assertHealth(gate, 'seats', { code: 'license-manager-unreachable', serving: true, degraded: true });
        assert.equal(m.lastError?.code !== undefined, true);
        h.lm.clearFaults();
        await gate.refresh();
        assertHealth(gate, 'seats', { code: 'ok', serving: true, degraded: false });
      });
    }
  });

  describe('drawdown', () => {
    const meterGate = (mode: 'sync' | 'batch', policy: UnavailablePolicy = 'grace'): LicenseGate =>
      h.gate({
        productSku: COUNTED,
        tiers: undefined,
        drawdown: { DataConsumption: mode === 'batch' ? { mode, batchUnits: 10 } : { mode } },
        onUnavailable: policy,
        graceMs: 30 * MINUTE,
      }).gate;

    it('ok, then quota-exhausted once the pool is used up: not ready', async () => {
      h.addLicense(countedLicense({ units: 5 }));
      const gate = meterGate('sync');
      await gate.start();
      assertHealth(gate, 'drawdown:DataConsumption', { code: 'ok', serving: true });
      await gate.drawdown.debit('DataConsumption', 5);
      await assert.rejects(gate.drawdown.debit('DataConsumption', 1), QuotaExhaustedError);
      assertHealth(gate, 'drawdown:DataConsumption', { code: 'quota-exhausted', serving: false });
    });

    const failing = async (policy: UnavailablePolicy): Promise<LicenseGate> => {
      h.addLicense(countedLicense({ units: 1000 }));
      const gate = meterGate('batch', policy);
      await gate.start();
      await gate.drawdown.debit('DataConsumption', 3);
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      await gate.drawdown.flush('DataConsumption');
      return gate;
    };

    it('grace policy, reports failing: in-grace (ready), then grace-ended (not ready)', async () => {
      const gate = await failing('grace');
      const since = h.clock.now();
      const m = assertHealth(gate, 'drawdown:DataConsumption', { code: 'in-grace', serving: true, degraded: true });
      assert.equal(m.graceEndsAt, new Date(since + 30 * MINUTE).toISOString());
      await h.advance(31 * MINUTE);
      assertHealth(gate, 'drawdown:DataConsumption', { code: 'grace-ended', serving: false });
    });

    it('deny policy, reports failing: refusing (not ready)', async () => {
      const gate = await failing('deny');
      assertHealth(gate, 'drawdown:DataConsumption', { code: 'refusing', serving: false, degraded: true });
    });

    it('allow policy, reports failing: unverified (ready)', async () => {
      const gate = await failing('allow');
      assertHealth(gate, 'drawdown:DataConsumption', { code: 'unverified', serving: true, degraded: true });
    });
  });

  describe('HealthCheck (the adapters answer)', () => {
    it('readiness 503 / liveness 200 under deny with License Manager down; error messages hidden unless asked', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate({ onUnavailable: 'deny' });
      await gate.start();
      const ready = new HealthCheck(gate, { probe: 'readiness' });
      const live = new HealthCheck([gate], { probe: 'liveness' });
      assert.equal(ready.answer().statusCode, 200);
      assert.equal(ready.answer().body.status, 'pass');
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      const answer = ready.answer();
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.body.status, 'fail');
      assert.equal(answer.body.probe, 'readiness');
      assert.equal(answer.body.gates[SKU]?.models.tiers?.code, 'refusing');
      assert.equal(answer.body.gates[SKU]?.models.tiers?.lastError?.message, '(in the log)');
      assert.equal(live.answer().statusCode, 200);
      assert.equal(live.answer().body.status, 'warn');
      const shown = new HealthCheck({ app: gate }, { showErrors: true }).answer();
      assert.match(shown.body.gates['app']?.models.tiers?.lastError?.message ?? '', /ServerInternalException/);
      await gate.stop();
      assert.equal(live.answer().statusCode, 503);
    });

    it('models leaves a used-up drawdown pool out of readiness when asked', async () => {
      h.addLicense(countedLicense({ units: 5 }));
      const { gate } = h.gate({
        productSku: COUNTED,
        tiers: undefined,
        drawdown: { DataConsumption: { mode: 'sync' } },
      });
      await gate.start();
      await gate.drawdown.debit('DataConsumption', 5);
      await assert.rejects(gate.drawdown.debit('DataConsumption', 1), QuotaExhaustedError);
      assert.equal(new HealthCheck(gate).answer().statusCode, 503);
      const tiersOnly = new HealthCheck(gate, { models: ['tiers', 'seats'] }).answer();
      assert.equal(tiersOnly.statusCode, 200);
      assert.equal(tiersOnly.body.status, 'pass');
    });

    it('bad gates and options are coded errors', () => {
      const { gate } = h.gate();
      const code = (f: () => unknown): string | undefined => {
        try {
          f();
        } catch (error) {
          assert.ok(error instanceof LicenseGateConfigurationError, String(error));
          return error.code;
        }
        return undefined;
      };
      assert.equal(
        code(() => new HealthCheck([] as LicenseGate[])),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck({ a: {} as LicenseGate })),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck([gate, gate])),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck(gate, { probe: 'ready' as 'readiness' })),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck(gate, { models: ['tier' as 'tiers'] })),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck(gate, { showErrors: 'yes' as unknown as boolean })),
        'ERR_LG_OPTIONS',
      );
      assert.equal(
        code(() => new HealthCheck(gate, { prob: 'liveness' } as object)),
        'ERR_LG_OPTION_UNKNOWN',
      );
      assert.equal(
        code(() => new HealthCheck(gate, null as unknown as object)),
        'ERR_LG_OPTIONS',
      );
    });
  });
});
