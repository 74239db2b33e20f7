/**
 * One phase's world, on @licensegate/testkit's AdapterWorld: a License Manager emulator on
 * 127.0.0.1, a ManualClock moved together with the emulator's clock, one gate (tiers, seats and a
 * drawdown dimension per mode) reaching the emulator through the real AWS SDK over HTTP, and the
 * soak app served on a loopback port. It counts the gate's License Manager calls in flight, so that
 * it can wait — for I/O only — until the engine is quiet, and reads what License Manager holds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GetLicenseUsageCommand } from '@aws-sdk/client-license-manager';
import { MemoryStore, type LicenseGate, type Logger } from '@licensegate/core';
import type { FaultSpec, RunningEmulator } from '@licensegate/emulator';
import { AdapterWorld, REGION, SECOND } from '@licensegate/testkit';

import { soakApp } from './app.js';
import type { Sabotage } from './options.js';
import {
  DIMENSIONS,
  GATE,
  MODES,
  SEAT_ENTITLEMENT,
  TIERS,
  entitlementsOf,
  soakLicense,
  type Grant,
} from './scenario.js';

/** The longest single move of the clocks: timers fall due one tick at a time, with the engine's work in between. */
const TICK_MS = 5 * SECOND;
/** The longest timer delay: the MemoryStore's sweep never falls due. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A logger that counts warnings and errors by event name (the soak prints the notable ones). */
export class CountingLogger implements Logger {
  readonly counts = new Map<string, number>();

  debug(): void {}
  info(): void {}
  warn(fields: object): void {
    this.#count(fields);
  }
  error(fields: object): void {
    this.#count(fields);
  }

  #count(fields: object): void {
    const event = String((fields as Record<string, unknown>)['event'] ?? 'unnamed');
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
  }
}

/** One phase's world. */
export class SoakWorld extends AdapterWorld {
  readonly sku = `lg-soak-${crypto.randomUUID()}`;
  readonly arn: string;
  /** The gate behind the app. */
  readonly engine: LicenseGate;
  readonly log = new CountingLogger();
  /** The gate's store (its records stay readable after the gate stops). */
  readonly store = new MemoryStore({ sweepIntervalMs: MAX_TIMER_MS });
  readonly #sabotage: Sabotage | undefined;
  /** Faults added since the last `heal()`. */
  #faults = 0;
  #lmInflight = 0;
  #lmCalls = 0;
  #server: Server | undefined;
  #url: string | undefined;

  /**
   * @param lm - the emulator (closed with the world)
   * @param grant - what the license grants at the start
   */
  constructor(lm: RunningEmulator, grant: Grant, sabotage?: Sabotage) {
    super(lm);
    this.arn = this.addLicense(soakLicense(this.sku, grant));
    this.#sabotage = sabotage;
    this.engine = this.gate({
      productSku: this.sku,
      tiers: TIERS,
      seats: { entitlement: SEAT_ENTITLEMENT, idleTimeoutMs: GATE.idleTimeoutMs },
      drawdown: {
        [DIMENSIONS.sync]: { mode: 'sync' },
        [DIMENSIONS.batch]: { mode: 'batch', batchUnits: GATE.batchUnits, batchIntervalMs: GATE.batchIntervalMs },
        [DIMENSIONS.reserve]: { mode: 'reserve', blockUnits: GATE.blockUnits },
      },
      refreshIntervalMs: GATE.refreshIntervalMs,
      onUnavailable: 'grace',
      graceMs: GATE.graceMs,
      retry: GATE.retry,
      logger: this.log,
      store: this.store,
    });
    this.engine.options.client.middlewareStack.add(
      (next) => async (args) => {
        this.#lmInflight++;
        this.#lmCalls++;
        try {
          return await next(args);
        } finally {
          this.#lmInflight--;
        }
      },
      { step: 'initialize', name: 'licensegateSoakInflight', priority: 'high' },
    );
  }

  /** The app's URL, once served. */
  get url(): string {
    if (this.#url === undefined) throw new Error('the app is not served yet');
    return this.#url;
  }

  /** Whether faults are injected now. */
  get faulty(): boolean {
    return this.#faults > 0;
  }

  /** Starts the gate and serves the app on a loopback port. */
  async open(): Promise<void> {
    await this.engine.start();
    const server = createServer(soakApp(this.engine, this.#sabotage));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Injects faults into the emulator. */
  inject(...specs: FaultSpec[]): void {
    for (const spec of specs) this.lm.addFault(spec);
    this.#faults += specs.length;
  }

  /** Clears every fault. */
  heal(): void {
    this.lm.clearFaults();
    this.#faults = 0;
  }

  /** A new license version with `grant`'s entitlements (CreateLicenseVersion, seller side). */
  async grant(grant: Grant): Promise<void> {
    await this.revise(this.arn, entitlementsOf(grant));
  }

  /**
   * Waits — for I/O only — until no License Manager call of the gate is in flight and none has
   * started for `turns` event-loop turns in a row.
   */
  async settle(turns = 5, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let calm = 0;
    let seen = this.#lmCalls;
    while (calm < turns) {
      if (this.#lmInflight === 0 && this.#lmCalls === seen) calm++;
      else {
        calm = 0;
        seen = this.#lmCalls;
      }
      if (performance.now() > deadline) throw new Error('timed out waiting for the gate to settle');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Moves both clocks by `ms`, in ticks of at most 5 s, letting the engine's work finish after each. */
  async step(ms: number): Promise<void> {
    for (let left = ms; left > 0;) {
      const tick = Math.min(TICK_MS, left);
      left -= tick;
      await this.advance(tick);
      await this.settle();
    }
  }

  /**
   * Seats checked out in License Manager now, read from the emulator's state in this process (no
   * I/O, so it is one instant): the units of the seat entitlement held by live checkouts.
   */
  liveSeats(): number {
    const answer = this.lm.emulator.dispatch('GetLicenseUsage', { LicenseArn: this.arn }, REGION) as {
      LicenseUsage?: { EntitlementUsages?: { Name?: string; ConsumedValue?: string }[] };
    };
    const usage = answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === SEAT_ENTITLEMENT);
    return Number(usage?.ConsumedValue ?? '0');
  }

  /**
   * The drawdown journal's records now (the layout is core's, documented in
   * packages/core/src/drawdown/journal/journal-keys.ts): `block:<dimension>` counts the unspent units of the
   * blocks checked out (reserve mode) — exact, where `stats().blockRemaining` is as last seen by a
   * reservation; `batch:`/`buy:` records are reports not acknowledged yet.
   */
  async journal(): Promise<Map<string, unknown>> {
    const records = await this.store.list<unknown>(`${this.sku}:drawdown`);
    return new Map(records.map((r) => [r.key, r.value]));
  }

  /** What License Manager counts as consumed, per entitlement, through the real AWS SDK (GetLicenseUsage). */
  async usage(): Promise<Map<string, number>> {
    const answer = await this.admin.send(new GetLicenseUsageCommand({ LicenseArn: this.arn }));
    const usage = new Map<string, number>();
    for (const u of answer.LicenseUsage?.EntitlementUsages ?? []) usage.set(u.Name ?? '', Number(u.ConsumedValue));
    for (const mode of MODES) if (!usage.has(DIMENSIONS[mode])) usage.set(DIMENSIONS[mode], 0);
    return usage;
  }

  /**
   * Stops serving, as a graceful shutdown does: no new connections, and each keep-alive connection
   * closed as soon as it is idle (Node's `close()` alone lets them take new requests); resolves once
   * every request in flight has finished.
   */
  async closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const sweeper = setInterval(() => server.closeIdleConnections(), 1);
    try {
      await closed;
    } finally {
      clearInterval(sweeper);
    }
  }

  protected override async closeApps(): Promise<void> {
    this.#server?.closeAllConnections();
    await this.closeServer();
  }
}
