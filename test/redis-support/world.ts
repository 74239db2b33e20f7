/**
 * A world for multi-instance tests: one Redis and one emulator per suite (see `suite.ts`), and per
 * test a fresh AWS Marketplace license under its own SKU, a fresh key prefix, and a ManualClock
 * ("world time") that moves together with the emulator's clock.
 *
 * Each gate gets its OWN RedisStore on the same Redis and prefix — as each instance of an app has —
 * initialised with the gate's clock. A live gate uses the world clock; a gate made with `ownClock`
 * has a clock of its own that `advance()` moves while the gate is alive. `kill()` stops moving it:
 * the gate's timers never fire again, exactly like a process that died without cleaning up.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import {
  createLicenseGate,
  silentLogger,
  type DrawdownDimensionOptions,
  type LicenseGate,
  type LicenseGateOptions,
  type Logger,
  type SeatOptions,
} from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import type { RunningEmulator, SeedLicense } from '@licensegate/emulator';
import { RedisStore } from '@licensegate/redis';
import type { RunningRedis } from '@licensegate/redis/testing';

import { CountingStore } from './counting-store.js';

/** One second, in ms. */
export const SECOND = 1_000;
/** One minute, in ms. */
export const MINUTE = 60 * SECOND;
/** The seat entitlement of the test licenses. */
export const SEATS = 'ConcurrentUsers';
/** The drawdown entitlement of the test licenses. */
export const UNITS = 'DataConsumption';
/** The tiers of a tiered gate; the tiered license grants `Intermediate`. */
export const TIERS = ['Basic', 'Intermediate', 'Premium'] as const;
/** Quick retries: the backoff sleeps are real time. */
export const RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1_000 } as const;

/** A configurable license (seats and drawdown units), or a tiered one granting `Intermediate`. */
export function seed(sku: string, kind: { seats: number; units: number } | 'tiered'): SeedLicense {
  const entitlements =
    kind === 'tiered'
      ? [{ Name: 'Intermediate', Unit: 'None', Overage: false, AllowCheckIn: true }]
      : [
          { Name: SEATS, MaxCount: kind.seats, Overage: false, Unit: 'Count', AllowCheckIn: true },
          { Name: UNITS, MaxCount: kind.units, Overage: false, Unit: 'Count', AllowCheckIn: true },
        ];
  return {
    AwsMarketplace: true,
    ProductSKU: sku,
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Beneficiary: '123456789012',
    Entitlements: entitlements,
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  } as SeedLicense;
}

/** A gate of the world. */
export interface WorldGate {
  readonly gate: LicenseGate;
  readonly store: RedisStore;
  readonly clock: ManualClock;
  /** Events the gate emitted, in order. */
  readonly events: { event: string; payload: Record<string, unknown> }[];
  alive: boolean;
}

/** How a gate is made. */
export interface WorldGateOptions {
  readonly ownClock?: boolean;
  readonly seats?: Partial<SeatOptions> | false;
  readonly drawdown?: DrawdownDimensionOptions | false;
  readonly tiers?: boolean;
  readonly instanceLeaseMs?: number;
  readonly logger?: Logger;
  /** Where the gate's store connects (e.g. a proxy in front of Redis); default: Redis itself. */
  readonly redisPort?: number;
  /** The store's logger (Redis outages); default: silent. */
  readonly storeLogger?: Logger;
  readonly extra?: Partial<LicenseGateOptions>;
}

/** The longest single move of the clocks (a sixth of the default 30-second instance lease). */
const MAX_TICK_MS = 5 * SECOND;

const EVENTS = ['seatAcquired', 'seatReleased', 'seatExtended', 'seatLost', 'seatDenied', 'unitsReported'];

/** One test's world. */
export class RedisWorld {
  readonly lm: RunningEmulator;
  readonly redis: RunningRedis;
  readonly sku: string;
  readonly arn: string;
  readonly prefix = `e2e${randomUUID().slice(0, 8)}:`;
  readonly clock: ManualClock;
  readonly admin: LicenseManagerClient;
  readonly gates: WorldGate[] = [];
  /** Store calls of every gate: in flight now, and made so far. */
  readonly storeCalls = { inflight: 0, calls: 0 };
  #lmInflight = 0;
  #lmCalls = 0;
  #reader: RedisStore | undefined;

  private constructor(lm: RunningEmulator, redis: RunningRedis, sku: string, arn: string) {
    this.lm = lm;
    this.redis = redis;
    this.sku = sku;
    this.arn = arn;
    this.clock = new ManualClock(lm.clock.now());
    this.admin = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1', maxAttempts: 1 });
  }

  /** A world with a new license of `kind`. */
  static create(
    lm: RunningEmulator,
    redis: RunningRedis,
    kind: { seats: number; units: number } | 'tiered' = { seats: 5, units: 100_000 },
  ): RedisWorld {
    const sku = `lg-redis-${randomUUID()}`;
    const [arn] = lm.addLicenses([seed(sku, kind)]);
    assert.ok(arn !== undefined);
    return new RedisWorld(lm, redis, sku, arn);
  }

  /** A gate with its own RedisStore on the world's Redis and prefix; started. */
  async gate(options: WorldGateOptions = {}): Promise<WorldGate> {
    const clock = options.ownClock === true ? new ManualClock(this.clock.now()) : this.clock;
    const store = new RedisStore({
      client: { host: this.redis.host, port: options.redisPort ?? this.redis.port },
      prefix: this.prefix,
      logger: options.storeLogger ?? silentLogger,
    });
    const gate = createLicenseGate({
      productSku: this.sku,
      ...(options.tiers === true ? { tiers: TIERS } : {}),
      ...(options.seats === false || options.tiers === true
        ? {}
        : { seats: { entitlement: SEATS, idleTimeoutMs: 10 * MINUTE, ...options.seats } }),
      ...(options.drawdown === false || options.tiers === true
        ? {}
        : {
            drawdown: { [UNITS]: { mode: 'batch', batchUnits: 1_000, batchIntervalMs: MINUTE, ...options.drawdown } },
          }),
      client: { endpoint: this.lm.url, region: 'us-east-1' },
      clock,
      logger: options.logger ?? silentLogger,
      store: new CountingStore(store, this.storeCalls),
      retry: RETRY,
      instanceLeaseMs: options.instanceLeaseMs ?? 30 * SECOND,
      ...options.extra,
    });
    gate.options.client.middlewareStack.add(
      (next) => async (args) => {
        this.#lmInflight++;
        this.#lmCalls++;
        try {
          return await next(args);
        } finally {
          this.#lmInflight--;
        }
      },
      { step: 'initialize', name: 'licensegateRedisWorldInflight', priority: 'high' },
    );
    const handle: WorldGate = { gate, store, clock, events: [], alive: true };
    for (const name of EVENTS) {
      (gate as unknown as { on: (e: string, l: (p: Record<string, unknown>) => void) => void }).on(name, (payload) =>
        handle.events.push({ event: name, payload }),
      );
    }
    this.gates.push(handle);
    await gate.start();
    return handle;
  }

  /** The gate dies: its clock stands still from now on, so its timers never fire; nothing is cleaned up. */
  kill(handle: WorldGate): void {
    assert.notEqual(handle.clock, this.clock, 'only a gate with its own clock can die');
    handle.alive = false;
  }

  /**
   * Waits — for I/O only — until no License Manager call and no store call of any gate is in flight,
   * and none has started, for `turns` event-loop turns and `quietMs` of real time in a row.
   */
  async settle(quietMs = 0, turns = 5): Promise<void> {
    const deadline = performance.now() + 5_000;
    let calm = 0;
    let since = performance.now();
    let seen = this.#lmCalls + this.storeCalls.calls;
    for (;;) {
      const calls = this.#lmCalls + this.storeCalls.calls;
      if (this.#lmInflight === 0 && this.storeCalls.inflight === 0 && calls === seen) calm++;
      else {
        calm = 0;
        since = performance.now();
        seen = calls;
      }
      if (calm >= turns && performance.now() - since >= quietMs) return;
      if (performance.now() > deadline) assert.fail('timed out waiting for the gates to settle');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Moves world time (emulator, world clock, live gates' own clocks) by `ms`, calling `each` after
   * every `stepMs` (default a minute). Time moves in ticks of at most 5 s, settling after each: a
   * ManualClock runs the timers that fall due without waiting for the Redis calls they start, so a
   * long jump could expire a heartbeat whose renewal is still on its way to Redis — which real time
   * never does.
   */
  async advance(ms: number, options: { stepMs?: number; each?: () => void | Promise<void> } = {}): Promise<void> {
    const stepMs = options.stepMs ?? MINUTE;
    for (let left = ms; left > 0;) {
      const step = Math.min(stepMs, left);
      left -= step;
      for (let rest = step; rest > 0;) {
        const tick = Math.min(MAX_TICK_MS, rest);
        rest -= tick;
        this.lm.clock.advance(tick);
        await this.clock.advance(tick);
        for (const g of this.gates) if (g.alive && g.clock !== this.clock) await g.clock.advance(tick);
        await this.settle();
      }
      await options.each?.();
    }
  }

  /** Units of an entitlement in use per License Manager (GetLicenseUsage). */
  async consumed(entitlement: string): Promise<number> {
    const answer = await this.admin.send(new GetLicenseUsageCommand({ LicenseArn: this.arn }));
    return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === entitlement)?.ConsumedValue ?? '0');
  }

  /**
   * The live records (by world time) of one of the product's namespaces: `seats`, `drawdown`,
   * `instances`, `tier`.
   */
  async records<T = Record<string, unknown>>(part: string): Promise<{ key: string; value: T; version: number }[]> {
    if (this.#reader === undefined) {
      this.#reader = new RedisStore({
        client: { host: this.redis.host, port: this.redis.port },
        prefix: this.prefix,
        logger: silentLogger,
      });
      await this.#reader.init({ clock: this.clock });
    }
    return this.#reader.list<T>(`${this.sku}:${part}`);
  }

  /** Events of one name emitted by a gate. */
  static events(handle: WorldGate, name: string): Record<string, unknown>[] {
    return handle.events.filter((e) => e.event === name).map((e) => e.payload);
  }

  /** Stops the live gates; lets go of the dead ones' connections without cleaning up for them. */
  async close(): Promise<void> {
    this.lm.clearFaults();
    for (const g of this.gates.splice(0)) {
      if (g.alive) await g.gate.stop().catch(() => undefined);
      else await g.store.shutdown();
      g.gate.options.client.destroy();
    }
    this.admin.destroy();
    await this.#reader?.shutdown();
  }
}
