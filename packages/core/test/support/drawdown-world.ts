/**
 * A world for drawdown tests: ONE emulator (real SDK over HTTP) per suite, and per test a fresh
 * Marketplace license under its own SKU, a MemoryStore, and a ManualClock ("world time") that moves
 * together with the emulator's virtual clock. Meters are built on it like the gate builds them.
 */
import { randomUUID } from 'node:crypto';

import {
  CheckoutLicenseCommand,
  CreateLicenseVersionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  LicenseManagerClient,
} from '@aws-sdk/client-license-manager';
import { startEmulator, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';

import type { Clock } from '../../src/clock.js';
import { DrawdownMeter, type DrawdownMeterEvents } from '../../src/drawdown/drawdown-meter.js';
import { blockKey, drawdownNamespace, unbillableKey } from '../../src/drawdown/journal/journal-keys.js';
import { resolveOptions, type DrawdownDimensionOptions, type UnavailablePolicy } from '../../src/options.js';
import { LicenseSource } from '../../src/source/license-source.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { CapturingLogger, ManualClock } from '../../src/testing/index.js';
import { assertDocumented } from './log-table.js';

/**
 * A MemoryStore that says it is shared by several processes, as Redis is: the engines of a test
 * stand for processes, so the drawdown journal is written debit by debit, as it would be there.
 */
export class SharedMemoryStore extends MemoryStore {
  override readonly shared: boolean = true;
}

/** The drawdown entitlement of every test license. */
export const DIMENSION = 'DataConsumption';
/** The retry policy of every test source: quick, so that faults cost milliseconds. */
export const TEST_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 2000 } as const;

/** One emitted event. */
export type MeterEvent = {
  [E in keyof DrawdownMeterEvents]: { event: E; payload: DrawdownMeterEvents[E] };
}[keyof DrawdownMeterEvents];

/** A meter with what a test looks at. */
export interface MeterHandle {
  readonly meter: DrawdownMeter;
  readonly instanceId: string;
  readonly events: MeterEvent[];
  readonly logger: CapturingLogger;
  readonly source: LicenseSource;
  /** Payloads of `quotaExhausted`. */
  exhaustions(): DrawdownMeterEvents['quotaExhausted'][];
  /** Sum of the units of `unitsReported`. */
  reportedUnits(): number;
}

/** How a meter is built. */
export interface MeterOptions {
  readonly drawdown?: Readonly<Record<string, DrawdownDimensionOptions>>;
  readonly instanceId?: string;
  /** Its own clock (a dead engine's clock simply stops); default: the world clock. */
  readonly clock?: Clock;
  readonly onUnavailable?: UnavailablePolicy;
  readonly graceMs?: number;
  /** Start it (default true). */
  readonly start?: boolean;
  /** How long stop() waits for open reservations (default 0 here: tests that drain say so). */
  readonly drainTimeoutMs?: number;
}

/** Starts the suite's emulator (no seed: every world adds its own license). */
export function startDrawdownEmulator(): Promise<RunningEmulator> {
  return startEmulator({ host: '127.0.0.1', port: 0 });
}

/** A Marketplace license with one drawdown entitlement of `maxCount`, as the tests seed it. */
export function drawdownSeed(sku: string, maxCount: number): SeedLicense {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [{ Name: DIMENSION, MaxCount: maxCount, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  } as SeedLicense;
}

/** One test's world: a fresh license, store and clock on the suite's emulator. */
export class DrawdownWorld {
  readonly lm: RunningEmulator;
  readonly sku: string;
  readonly arn: string;
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  readonly client: LicenseManagerClient;
  readonly #drawdown: Readonly<Record<string, DrawdownDimensionOptions>>;
  readonly #meters: MeterHandle[] = [];

  private constructor(
    lm: RunningEmulator,
    sku: string,
    arn: string,
    drawdown: Readonly<Record<string, DrawdownDimensionOptions>>,
    store: MemoryStore,
  ) {
    this.lm = lm;
    this.sku = sku;
    this.arn = arn;
    this.clock = new ManualClock(lm.clock.now());
    this.store = store;
    this.client = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1', maxAttempts: 1 });
    this.#drawdown = drawdown;
  }

  /**
   * A new world with a license of `maxCount` units; meters default to `drawdown`. Its store acts
   * as one shared by several processes (each engine of a test is one), unless `shared` is false;
   * `store` gives it a store of the test's own instead (a fresh one: the world initialises it).
   */
  static async create(
    lm: RunningEmulator,
    maxCount: number,
    drawdown: Readonly<Record<string, DrawdownDimensionOptions>>,
    { shared = true, store }: { shared?: boolean; store?: MemoryStore } = {},
  ): Promise<DrawdownWorld> {
    const sku = `lg-dd-${randomUUID()}`;
    const [arn] = lm.addLicenses([drawdownSeed(sku, maxCount)]);
    const ownStore = store ?? (shared ? new SharedMemoryStore() : new MemoryStore());
    const world = new DrawdownWorld(lm, sku, arn ?? '', drawdown, ownStore);
    await world.store.init({ clock: world.clock });
    return world;
  }

  /** The store namespace of this world's journal. */
  get namespace(): string {
    return drawdownNamespace(this.sku);
  }

  /** Builds (and by default starts) a meter on this world's store. */
  async meter(options: MeterOptions = {}): Promise<MeterHandle> {
    const logger = new CapturingLogger();
    const resolved = resolveOptions({
      productSku: this.sku,
      drawdown: options.drawdown ?? this.#drawdown,
      client: this.client,
      store: this.store,
      clock: options.clock ?? this.clock,
      logger,
      retry: TEST_RETRY,
      ...(options.onUnavailable !== undefined ? { onUnavailable: options.onUnavailable } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      drainTimeoutMs: options.drainTimeoutMs ?? 0,
    });
    const source = new LicenseSource({
      client: resolved.client,
      productSku: resolved.productSku,
      keyFingerprint: resolved.keyFingerprint,
      retry: resolved.retry,
      callTimeoutMs: resolved.callTimeoutMs,
      logger,
    });
    const events: MeterEvent[] = [];
    const instanceId = options.instanceId ?? randomUUID();
    const meter = new DrawdownMeter({
      options: resolved,
      source,
      instanceId,
      emit: (event, payload) => events.push({ event, payload } as MeterEvent),
    });
    if (options.start !== false) await meter.start();
    const handle: MeterHandle = {
      meter,
      instanceId,
      events,
      logger,
      source,
      exhaustions: () => events.flatMap((e) => (e.event === 'quotaExhausted' ? [e.payload] : [])),
      reportedUnits: () => events.reduce((sum, e) => sum + (e.event === 'unitsReported' ? e.payload.units : 0), 0),
    };
    this.#meters.push(handle);
    return handle;
  }

  /** Units of the dimension License Manager has consumed (GetLicenseUsage). */
  async consumed(dimension: string = DIMENSION): Promise<number> {
    const answer = await this.client.send(new GetLicenseUsageCommand({ LicenseArn: this.arn }));
    const usage = answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === dimension);
    return Number(usage?.ConsumedValue ?? '0');
  }

  /** Consumes `units` of the pool behind the meters' back (another buyer's process, or earlier use). */
  async consumeDirectly(units: number, dimension: string = DIMENSION): Promise<void> {
    await this.client.send(
      new CheckoutLicenseCommand({
        ProductSKU: this.sku,
        CheckoutType: 'PERPETUAL',
        KeyFingerprint: 'aws:294406891311:AWS/Marketplace:issuer-fingerprint',
        Entitlements: [{ Name: dimension, Unit: 'Count', Value: String(units) }],
        ClientToken: randomUUID(),
      }),
    );
  }

  /** Moves world time (and the emulator's clock) forward, running the timers that fall due. */
  async advance(ms: number): Promise<void> {
    this.lm.clock.advance(ms);
    await this.clock.advance(ms);
  }

  /** A renewal: a new license version with `maxCount` units; answers the new version. */
  async renew(maxCount: number): Promise<string> {
    const { License: license } = await this.client.send(new GetLicenseCommand({ LicenseArn: this.arn }));
    const answer = await this.client.send(
      new CreateLicenseVersionCommand({
        LicenseArn: this.arn,
        LicenseName: license?.LicenseName,
        ProductName: license?.ProductName,
        Issuer: { Name: license?.Issuer?.Name },
        HomeRegion: license?.HomeRegion,
        Validity: license?.Validity,
        Entitlements: [{ Name: DIMENSION, MaxCount: maxCount, Overage: false, Unit: 'Count', AllowCheckIn: true }],
        ConsumptionConfiguration: license?.ConsumptionConfiguration,
        Status: 'AVAILABLE',
        ClientToken: randomUUID(),
        SourceVersion: license?.Version,
      }),
    );
    return answer.Version ?? '';
  }

  /** The shared block counter (reserve mode), 0 when absent. */
  async blockRemaining(dimension: string = DIMENSION): Promise<number> {
    return ((await this.store.get<number>(this.namespace, blockKey(dimension)))?.value ?? 0) as number;
  }

  /** The unbillable counter, 0 when absent. */
  async unbillable(dimension: string = DIMENSION): Promise<number> {
    return ((await this.store.get<number>(this.namespace, unbillableKey(dimension)))?.value ?? 0) as number;
  }

  /** Keys of the journal, sorted. */
  async journalKeys(): Promise<string[]> {
    return (await this.store.list(this.namespace)).map((r) => r.key).sort();
  }

  /**
   * Stops every meter (errors ignored), clears faults, and lets go of the client and store; then
   * fails unless every line logged is in the README's table of log events at its level.
   */
  async close(): Promise<void> {
    this.lm.clearFaults();
    const meters = this.#meters.splice(0);
    for (const handle of meters) await handle.meter.stop().catch(() => undefined);
    await this.store.shutdown();
    this.client.destroy();
    assertDocumented(meters.flatMap((handle) => handle.logger.entries));
  }
}

/**
 * A suite's drawdown worlds: registers the hooks (ONE emulator for the suite, every world a test
 * made closed after it) and answers `create` (a new world, as {@link DrawdownWorld.create}) and
 * `lm` (the suite's emulator, from its `before` hook on).
 */
export function useDrawdownWorlds(): {
  create: (
    ...args: Parameters<typeof DrawdownWorld.create> extends [unknown, ...infer Rest] ? Rest : never
  ) => Promise<DrawdownWorld>;
  lm: () => RunningEmulator;
} {
  let lm: RunningEmulator | undefined;
  const open: DrawdownWorld[] = [];
  const emulator = (): RunningEmulator => {
    if (lm === undefined) throw new Error("the emulator starts in the suite's before hook");
    return lm;
  };
  before(async () => {
    lm = await startDrawdownEmulator();
  });
  after(async () => {
    await lm?.close();
  });
  afterEach(async () => {
    for (const world of open.splice(0)) await world.close();
  });
  return {
    lm: emulator,
    create: async (...args) => {
      const world = await DrawdownWorld.create(emulator(), ...args);
      open.push(world);
      return world;
    },
  };
}
