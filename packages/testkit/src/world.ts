/**
 * A test's world: a License Manager emulator on 127.0.0.1 (a new one per test), a ManualClock
 * that starts at the emulator's time, gates that reach the emulator through the real AWS SDK over
 * HTTP, a capturing logger, and seller-side reads of what License Manager counted.
 */
import assert from 'node:assert/strict';

import {
  CreateLicenseVersionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  LicenseManagerClient,
  type Entitlement,
} from '@aws-sdk/client-license-manager';
import { createLicenseGate, MemoryStore, type LicenseGate, type LicenseGateOptions } from '@licensegate/core';
import { CapturingLogger, ManualClock } from '@licensegate/core/testing';
import { startEmulator, type EmulatorOptions, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';

import { FAST_RETRY, REGION } from './constants.js';
import { assertDocumented } from './log-table.js';

/** The longest timer delay: the MemoryStore's sweep never falls due in a test. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A test's world; an adapter's suite extends it with how it serves an app, and closes its apps in
 * {@link AdapterWorld.closeApps}. See {@link useWorldOf}.
 */
export class AdapterWorld {
  readonly lm: RunningEmulator;
  readonly clock: ManualClock;
  readonly logger = new CapturingLogger();
  /** A seller-side client (GetLicenseUsage, CreateLicenseVersion). */
  readonly admin: LicenseManagerClient;
  /** The ARN of each license added, by product SKU (the last one added for a SKU). */
  readonly arns = new Map<string, string>();
  readonly #gates: LicenseGate[] = [];

  constructor(lm: RunningEmulator) {
    this.lm = lm;
    this.clock = new ManualClock(lm.clock.now());
    this.admin = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
  }

  /** Adds one license; returns its ARN. */
  addLicense(seed: SeedLicense): string {
    const [arn] = this.lm.addLicenses([seed]);
    assert.ok(arn !== undefined);
    this.arns.set(seed.ProductSKU, arn);
    return arn;
  }

  /** The ARN of the license of `sku`. */
  arnOf(sku: string): string {
    const arn = this.arns.get(sku);
    assert.ok(arn !== undefined, `no license for ${sku}`);
    return arn;
  }

  /** Gate options against the emulator: the world's clock and logger, fast retries, a quiet MemoryStore. */
  options(options: Partial<LicenseGateOptions> & { productSku: string }): LicenseGateOptions {
    return {
      client: { endpoint: this.lm.url, region: REGION },
      clock: this.clock,
      logger: this.logger,
      retry: FAST_RETRY,
      store: new MemoryStore({ sweepIntervalMs: MAX_TIMER_MS }),
      ...options,
    };
  }

  /** A gate (not started); stopped after the test. */
  gate(options: Partial<LicenseGateOptions> & { productSku: string }): LicenseGate {
    return this.track(createLicenseGate(this.options(options)));
  }

  /** Stops `gate` after the test. */
  track(gate: LicenseGate): LicenseGate {
    if (!this.#gates.includes(gate)) this.#gates.push(gate);
    return gate;
  }

  /** Moves both clocks by `ms`: the emulator's first, then the gates' (running their due timers). */
  async advance(ms: number): Promise<void> {
    this.lm.clock.advance(ms);
    await this.clock.advance(ms);
  }

  /** License Manager calls of one operation (or all) so far. */
  calls(operation?: string): number {
    return this.lm.calls(operation);
  }

  /** What License Manager counts as consumed of an entitlement (seller side, GetLicenseUsage). */
  async consumed(arn: string, entitlement: string): Promise<number> {
    const answer = await this.admin.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    const usage = answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === entitlement);
    return Number(usage?.ConsumedValue ?? '0');
  }

  /** Restates a license with other entitlements (an upgrade or a new purchase): CreateLicenseVersion. */
  async revise(arn: string, entitlements: SeedLicense['Entitlements']): Promise<void> {
    const { License: current } = await this.admin.send(new GetLicenseCommand({ LicenseArn: arn }));
    assert.ok(current !== undefined);
    await this.admin.send(
      new CreateLicenseVersionCommand({
        LicenseArn: arn,
        LicenseName: current.LicenseName,
        ProductName: current.ProductName,
        Issuer: { Name: 'AWS/Marketplace' },
        HomeRegion: REGION,
        Validity: current.Validity,
        Entitlements: entitlements as Entitlement[],
        ConsumptionConfiguration: current.ConsumptionConfiguration,
        Status: 'AVAILABLE',
        ClientToken: crypto.randomUUID(),
        SourceVersion: current.Version,
      }),
    );
  }

  /** Closes what the adapter's world served (before the gates stop). */
  protected async closeApps(): Promise<void> {}

  /**
   * Closes the apps, stops the gates, closes the emulator; then fails unless every line logged is in
   * core's table of log events at its level.
   */
  async close(): Promise<void> {
    await this.closeApps();
    for (const gate of this.#gates.splice(0)) {
      await gate.stop().catch(() => undefined);
      gate.options.client.destroy();
    }
    this.admin.destroy();
    await this.lm.close();
    assertDocumented(this.logger.entries);
  }
}

/**
 * Mocha hooks: a new emulator and world per test (made by `create`, with `licenses` added), closed
 * after it. Read `world()` inside a test. `emulator` sets up the emulator (e.g. strict auth with
 * access keys); it always listens on 127.0.0.1.
 */
export function useWorldOf<W extends AdapterWorld>(
  create: (lm: RunningEmulator) => W,
  licenses: () => SeedLicense[] = () => [],
  emulator: Omit<EmulatorOptions, 'host' | 'port'> = {},
): () => W {
  let current: W | undefined;
  beforeEach(async () => {
    const lm = await startEmulator({ ...emulator, host: '127.0.0.1', port: 0 });
    current = create(lm);
    for (const seed of licenses()) current.addLicense(seed);
  });
  afterEach(async () => {
    const world = current;
    current = undefined;
    await world?.close();
  });
  return () => {
    assert.ok(current !== undefined, 'the world is not running');
    return current;
  };
}
