/**
 * A world for floating-seat tests: ONE emulator per suite (real SDK over HTTP), and per test a fresh
 * AWS Marketplace license under its own SKU with a `ConcurrentUsers` entitlement, a MemoryStore, and a
 * ManualClock ("world time") that moves together with the emulator's virtual clock.
 *
 * Time never passes by itself. `advance(ms)` moves the emulator's clock, then the world clock and the
 * clock of every gate still alive, in steps (5 minutes by default) so that the emulator is never far
 * ahead of the engine, and settles after each step: it waits — for I/O, never for time — until no
 * License Manager call of any gate is in flight.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { startEmulator, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';

import {
  createLicenseGate,
  MemoryStore,
  silentLogger,
  type LicenseGate,
  type LicenseGateOptions,
  type Logger,
  type SeatEvents,
  type SeatOptions,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** The seat entitlement of every test license. */
export const SEAT_ENTITLEMENT = 'ConcurrentUsers';
/** Fast retries: two attempts, a few ms apart (the backoff sleeps are real time). */
export const SEAT_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1000 } as const;
/** The largest step `advance()` takes by default: well inside the 27–30 minute keep-alive window. */
export const DEFAULT_STEP_MS = 5 * MINUTE;

/** Starts the suite's emulator (no seed: every world adds its own license). */
export function startSeatEmulator(): Promise<RunningEmulator> {
  return startEmulator({ host: '127.0.0.1', port: 0 });
}

/** A Marketplace license with a floating `ConcurrentUsers` entitlement of `maxCount` seats, leased `ttlMinutes`. */
export function seatSeed(sku: string, maxCount: number, ttlMinutes = 60): SeedLicense {
  return {
    AwsMarketplace: true,
    ProductSKU: sku,
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Beneficiary: '123456789012',
    Entitlements: [{ Name: SEAT_ENTITLEMENT, MaxCount: maxCount, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: ttlMinutes } },
  } as SeedLicense;
}

/**
 * A MemoryStore that says it outlives the process but is not shared by processes, as the file
 * store does: gates of a test on it stand for successive runs of one process.
 */
export class DurableLocalStore extends MemoryStore {
  readonly durable: boolean = true;
}

/** One seat event, as a gate emitted it. */
export type SeatEvent = { [E in keyof SeatEvents]: { event: E; payload: SeatEvents[E] } }[keyof SeatEvents];

const SEAT_EVENT_NAMES: readonly (keyof SeatEvents)[] = [
  'seatAcquired',
  'seatReleased',
  'seatExtended',
  'seatLost',
  'seatDenied',
];

/** The seat events of one gate, in order. */
export class SeatEventLog {
  readonly all: SeatEvent[] = [];

  constructor(gate: LicenseGate) {
    for (const name of SEAT_EVENT_NAMES) {
      (gate as unknown as { on: (e: string, l: (p: unknown) => void) => void }).on(name, (payload) =>
        this.all.push({ event: name, payload } as SeatEvent),
      );
    }
  }

  /** Payloads of one event. */
  of<E extends keyof SeatEvents>(event: E): SeatEvents[E][] {
    return this.all.flatMap((e) => (e.event === event ? [e.payload as SeatEvents[E]] : []));
  }
}

/** A gate of the world, with what a test looks at. */
export interface SeatGate {
  readonly gate: LicenseGate;
  readonly events: SeatEventLog;
  /** The gate's own clock (the world clock unless it was given its own). */
  readonly clock: ManualClock;
  /** Whether `advance()` still moves this gate's clock (a dead process's clock stands still). */
  alive: boolean;
}

/** How the world makes a gate. */
export interface SeatGateOptions {
  readonly seats?: Partial<SeatOptions>;
  /** Its own clock, advanced with the world while it is alive; default: the world clock. */
  readonly ownClock?: boolean;
  readonly logger?: Logger;
  readonly instanceLeaseMs?: number;
  /** Start it (default true). */
  readonly start?: boolean;
  readonly extra?: Partial<LicenseGateOptions>;
}

/** One test's world: a fresh license, store and clock on the suite's emulator. */
export class SeatWorld {
  readonly lm: RunningEmulator;
  readonly sku: string;
  readonly arn: string;
  readonly maxCount: number;
  /** World time: the store's clock, and the clock of gates that have no clock of their own. */
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  /** A seller-side client (GetLicenseUsage). */
  readonly admin: LicenseManagerClient;
  readonly gates: SeatGate[] = [];
  #inflight = 0;
  #calls = 0;

  private constructor(lm: RunningEmulator, sku: string, arn: string, maxCount: number, durableLocal: boolean) {
    this.lm = lm;
    this.sku = sku;
    this.arn = arn;
    this.maxCount = maxCount;
    this.clock = new ManualClock(lm.clock.now());
    this.store = durableLocal ? new DurableLocalStore() : new MemoryStore();
    this.admin = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1', maxAttempts: 1 });
  }

  /**
   * A new world with a license of `maxCount` seats, each leased `ttlMinutes` (default 60, as AWS
   * Marketplace sets it). The store is initialised with the world clock first, so that its expiry
   * follows world time whatever clock the gates have (a dead engine's clock stands still; the
   * store's must not).
   */
  static async create(
    lm: RunningEmulator,
    maxCount = 5,
    options: { ttlMinutes?: number; durableLocal?: boolean } = {},
  ): Promise<SeatWorld> {
    const sku = `lg-seats-${randomUUID()}`;
    const [arn] = lm.addLicenses([seatSeed(sku, maxCount, options.ttlMinutes)]);
    assert.ok(arn !== undefined);
    const world = new SeatWorld(lm, sku, arn, maxCount, options.durableLocal === true);
    await world.store.init({ clock: world.clock });
    return world;
  }

  /** License Manager calls of every gate of the world, made so far. */
  get calls(): number {
    return this.#calls;
  }

  /** A gate with seats on this world's license, store and (by default) clock; started unless told. */
  async gate(options: SeatGateOptions = {}): Promise<SeatGate> {
    const clock = options.ownClock === true ? new ManualClock(this.clock.now()) : this.clock;
    const gate = createLicenseGate({
      productSku: this.sku,
      seats: { entitlement: SEAT_ENTITLEMENT, idleTimeoutMs: 30 * MINUTE, ...options.seats },
      client: { endpoint: this.lm.url, region: 'us-east-1' },
      clock,
      logger: options.logger ?? silentLogger,
      store: this.store,
      retry: SEAT_RETRY,
      ...(options.instanceLeaseMs !== undefined ? { instanceLeaseMs: options.instanceLeaseMs } : {}),
      ...options.extra,
    });
    // Observes the gate's own SDK client (no mock): counts the License Manager calls in flight.
    gate.options.client.middlewareStack.add(
      (next) => async (args) => {
        this.#inflight++;
        this.#calls++;
        try {
          return await next(args);
        } finally {
          this.#inflight--;
        }
      },
      { step: 'initialize', name: 'licensegateSeatTestInflight', priority: 'high' },
    );
    const handle: SeatGate = { gate, events: new SeatEventLog(gate), clock, alive: true };
    this.gates.push(handle);
    if (options.start !== false) await gate.start();
    return handle;
  }

  /** License Manager calls in flight now, of every gate. */
  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Waits — for I/O only — until no License Manager call of any gate is in flight, and none has
   * started, for `turns` event-loop turns in a row and at least `quietMs` of real time (cover the
   * few-ms retry backoffs with `quietMs` when faults are injected). Fails after 5 s of real time.
   */
  async settle(quietMs = 0, turns = 5): Promise<void> {
    const deadline = performance.now() + 5_000;
    let calm = 0;
    let since = performance.now();
    let calls = this.#calls;
    for (;;) {
      if (this.#inflight === 0 && this.#calls === calls) calm++;
      else {
        calm = 0;
        since = performance.now();
        calls = this.#calls;
      }
      if (calm >= turns && performance.now() - since >= quietMs) return;
      if (performance.now() > deadline)
        assert.fail(`timed out waiting for the gates to settle (${this.#inflight} calls in flight)`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Moves time forward by `ms`: in steps of at most `stepMs`, each moving the emulator's clock, then
   * the world clock, then the clock of every live gate that has its own, then settling. `each` runs
   * after every step (e.g. a touch: user activity).
   */
  async advance(
    ms: number,
    options: { stepMs?: number; quietMs?: number; each?: () => void | Promise<void> } = {},
  ): Promise<void> {
    const stepMs = options.stepMs ?? DEFAULT_STEP_MS;
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      left -= step;
      this.lm.clock.advance(step);
      await this.clock.advance(step);
      for (const g of this.gates) if (g.alive && g.clock !== this.clock) await g.clock.advance(step);
      await this.settle(options.quietMs ?? 0);
      await options.each?.();
    }
  }

  /** Seats of the license in use, per License Manager (GetLicenseUsage `ConsumedValue`). */
  async consumed(): Promise<number> {
    const answer = await this.admin.send(new GetLicenseUsageCommand({ LicenseArn: this.arn }));
    const usage = answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === SEAT_ENTITLEMENT);
    return Number(usage?.ConsumedValue ?? '0');
  }

  /** The emulator's live consumptions of this license. */
  consumptions(): { token: string; kind: string; expiration: string }[] {
    return this.lm.emulator.dump().consumptions.filter((c) => c.licenseArn === this.arn);
  }

  /** Seat records in the store (held, pending and releasing alike). */
  async records(): Promise<{ key: string; value: Record<string, unknown> }[]> {
    return this.store.list<Record<string, unknown>>(`${this.sku}:seats`);
  }

  /** Stops every gate still alive (errors ignored), clears faults, lets go of the clients and the store. */
  async close(): Promise<void> {
    this.lm.clearFaults();
    for (const g of this.gates.splice(0)) {
      if (g.alive) await g.gate.stop().catch(() => undefined);
      g.gate.options.client.destroy();
    }
    await this.store.shutdown();
    this.admin.destroy();
  }
}
