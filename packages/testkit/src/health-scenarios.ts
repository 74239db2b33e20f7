/**
 * The health table: what every adapter's liveness (`/healthz`) and readiness (`/readyz`) routes
 * answer, under each `onUnavailable` policy and in each state of the license, driven over HTTP
 * against the emulator. An adapter's suite is one spec file:
 *
 * ```ts
 * import { runHealthTable } from '@licensegate/testkit';
 * runHealthTable(expressHealthDriver);
 * ```
 */
import assert from 'node:assert/strict';

import type { GateHealth, LicenseGate, LicenseGateOptions } from '@licensegate/core';
import request from 'supertest';

import { PAST_REFRESH, MINUTE, TIERS } from './constants.js';
import { countedLicense, tieredLicense } from './licenses.js';
import { AdapterWorld, useWorldOf } from './world.js';

/** An app serving the health routes of an adapter. */
export interface HealthApp {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Closes the app (the gates are the world's). */
  close(): Promise<void>;
}

/** How the health table serves an adapter's health routes. */
export interface HealthDriver {
  /** The adapter's name in the table's titles. */
  readonly name: string;
  /**
   * Serves `GET /healthz` (liveness) and `GET /readyz` (readiness) over `gates` (started by the
   * table, by name) on 127.0.0.1, the adapter's way.
   */
  serve(gates: Readonly<Record<string, LicenseGate>>): Promise<HealthApp>;
  /** Each gate's `gate.health()` as the adapter's body carries it. */
  gatesOf(body: unknown): Readonly<Record<string, GateHealth>>;
}

const OUTAGE = { operation: '*', kind: 'error', error: 'ServerInternalException' } as const;
const TIERED = 'lg-health-tiered';
const COUNTED = 'lg-health-counted';

class HealthWorld extends AdapterWorld {
  readonly apps: HealthApp[] = [];

  protected override async closeApps(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
  }
}

/** Runs the health table against `driver`. */
export function runHealthTable(driver: HealthDriver): void {
  describe(`health table [${driver.name}]: /healthz (liveness) and /readyz (readiness)`, () => {
    const world = useWorldOf((lm) => new HealthWorld(lm));

    async function serve(
      gates: Record<string, Partial<LicenseGateOptions> & { productSku: string }>,
    ): Promise<{ url: string; gates: Record<string, LicenseGate> }> {
      const made: Record<string, LicenseGate> = {};
      for (const [name, options] of Object.entries(gates)) made[name] = world().gate(options);
      await Promise.all(Object.values(made).map((gate) => gate.start()));
      const app = await driver.serve(made);
      world().apps.push(app);
      return { url: app.url, gates: made };
    }

    /** GETs a probe; asserts its status; answers each gate's health. */
    async function probe(
      url: string,
      path: '/healthz' | '/readyz',
      status: number,
    ): Promise<Readonly<Record<string, GateHealth>>> {
      const res = await request(url).get(path);
      assert.equal(res.status, status, `${path}: ${res.text}`);
      assert.match(String(res.headers['content-type']), /json/);
      return driver.gatesOf(res.body);
    }

    const tiered = (onUnavailable?: LicenseGateOptions['onUnavailable']) => ({
      productSku: TIERED,
      tiers: TIERS,
      ...(onUnavailable === undefined ? {} : { onUnavailable }),
      graceMs: 60 * MINUTE,
    });
    const counted = (extra: Partial<LicenseGateOptions> = {}) => ({
      productSku: COUNTED,
      seats: { entitlement: 'ConcurrentUsers' },
      drawdown: { DataConsumption: { mode: 'sync' as const } },
      ...extra,
    });

    it('both probes answer 200 while the gates run; the body has each gate, by name, model by model', async () => {
      world().addLicense(tieredLicense(TIERED, 'Intermediate'));
      world().addLicense(countedLicense(COUNTED, { seats: 2, units: 10 }));
      const { url } = await serve({ tiers: tiered(), usage: counted() });
      await probe(url, '/healthz', 200);
      const gates = await probe(url, '/readyz', 200);
      assert.equal(gates['tiers']?.models.tiers?.code, 'ok');
      assert.equal(gates['tiers']?.ready, true);
      assert.equal(gates['usage']?.models.seats?.code, 'ok');
      assert.equal(gates['usage']?.models.drawdown?.['DataConsumption']?.code, 'ok');
    });

    it('deny policy, License Manager unreachable: readiness 503 (refusing) while liveness answers 200', async () => {
      world().addLicense(tieredLicense(TIERED, 'Intermediate'));
      const { url, gates } = await serve({ tiers: tiered('deny') });
      await probe(url, '/readyz', 200);
      world().lm.addFault(OUTAGE);
      await world().advance(PAST_REFRESH);
      await gates['tiers']?.refresh();
      const ready = await probe(url, '/readyz', 503);
      assert.equal(ready['tiers']?.models.tiers?.code, 'refusing');
      assert.equal(ready['tiers']?.live, true);
      await probe(url, '/healthz', 200);
      world().lm.clearFaults();
      await gates['tiers']?.refresh();
      await probe(url, '/readyz', 200);
    });

    it('grace policy, License Manager unreachable: 200 in grace, 503 once the grace is over; live throughout', async () => {
      world().addLicense(tieredLicense(TIERED, 'Intermediate'));
      const { url, gates } = await serve({ tiers: tiered('grace') });
      world().lm.addFault(OUTAGE);
      await world().advance(PAST_REFRESH);
      await gates['tiers']?.refresh();
      const inGrace = await probe(url, '/readyz', 200);
      assert.equal(inGrace['tiers']?.models.tiers?.code, 'in-grace');
      assert.ok(inGrace['tiers']?.models.tiers?.graceEndsAt !== null);
      await world().advance(45 * MINUTE);
      const over = await probe(url, '/readyz', 503);
      assert.equal(over['tiers']?.models.tiers?.code, 'grace-ended');
      await probe(url, '/healthz', 200);
    });

    it('allow policy, License Manager unreachable: 200, unverified', async () => {
      world().addLicense(tieredLicense(TIERED, 'Intermediate'));
      const { url, gates } = await serve({ tiers: tiered('allow') });
      world().lm.addFault(OUTAGE);
      await world().advance(PAST_REFRESH);
      await gates['tiers']?.refresh();
      const ready = await probe(url, '/readyz', 200);
      assert.equal(ready['tiers']?.models.tiers?.code, 'unverified');
    });

    it('no license: readiness 503 (no-license), liveness 200', async () => {
      const { url } = await serve({ tiers: tiered() });
      const ready = await probe(url, '/readyz', 503);
      assert.equal(ready['tiers']?.models.tiers?.code, 'no-license');
      await probe(url, '/healthz', 200);
    });

    it('an expired license (on the injected clock): readiness 503 (license-expired)', async () => {
      world().addLicense({ ...tieredLicense(TIERED, 'Premium'), Validity: { Begin: '-1d', End: '+30m' } });
      const { url } = await serve({ tiers: tiered() });
      await probe(url, '/readyz', 200);
      await world().advance(31 * MINUTE);
      const ready = await probe(url, '/readyz', 503);
      assert.equal(ready['tiers']?.models.tiers?.code, 'license-expired');
    });

    it('every seat out: still ready (those who hold one are served), seats-exhausted', async () => {
      world().addLicense(countedLicense(COUNTED, { seats: 1, units: 10 }));
      const { url, gates } = await serve({ usage: counted() });
      await gates['usage']?.seats.acquire('ann');
      await assert.rejects(gates['usage']?.seats.acquire('bob') ?? Promise.reject(new Error('no gate')));
      const ready = await probe(url, '/readyz', 200);
      assert.equal(ready['usage']?.models.seats?.code, 'seats-exhausted');
    });

    it('a drawdown pool used up: readiness 503 (quota-exhausted), liveness 200', async () => {
      world().addLicense(countedLicense(COUNTED, { seats: 1, units: 3 }));
      const { url, gates } = await serve({ usage: counted() });
      await gates['usage']?.drawdown.debit('DataConsumption', 3);
      await assert.rejects(
        gates['usage']?.drawdown.debit('DataConsumption', 1) ?? Promise.reject(new Error('no gate')),
      );
      const ready = await probe(url, '/readyz', 503);
      assert.equal(ready['usage']?.models.drawdown?.['DataConsumption']?.code, 'quota-exhausted');
      await probe(url, '/healthz', 200);
    });

    it('a stopped gate: liveness 503 (restart the process), readiness 503', async () => {
      world().addLicense(tieredLicense(TIERED, 'Intermediate'));
      const { url, gates } = await serve({ tiers: tiered() });
      await gates['tiers']?.stop();
      const live = await probe(url, '/healthz', 503);
      assert.equal(live['tiers']?.live, false);
      assert.equal(live['tiers']?.models.tiers?.code, 'stopped');
      await probe(url, '/readyz', 503);
    });
  });
}
