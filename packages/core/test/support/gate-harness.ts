/**
 * The integration harness of the engine's suites: a License Manager emulator on 127.0.0.1 (a new
 * one per test), a ManualClock that starts at the emulator's time, gates that talk to the emulator
 * through the real `@aws-sdk/client-license-manager` over HTTP, a capturing logger, an event log
 * per gate, and a seller-side SDK client to change licenses (CreateLicenseVersion).
 *
 * Time never passes by itself: `advance(ms)` moves the emulator's clock and then the gate's clock
 * (running the gate's due timers), and `settle(gate)` waits — for I/O, never for time — until the
 * refresh those timers started has finished.
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

import {
  CreateLicenseVersionCommand,
  GetLicenseCommand,
  LicenseManagerClient,
  type LicenseStatus,
} from '@aws-sdk/client-license-manager';
import { startEmulator, type EmulatorOptions, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';

import {
  createLicenseGate,
  MemoryStore,
  type LicenseGate,
  type LicenseGateEvents,
  type LicenseGateOptions,
  type TierDecision,
} from '../../src/index.js';
import { CapturingLogger, ManualClock } from '../../src/testing/index.js';
import { assertDocumented } from './log-table.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The Region of every client and every license's home Region. */
export const REGION = 'us-east-1';
/** The product's tiers, lowest first. */
export const TIERS: readonly string[] = ['Basic', 'Intermediate', 'Premium'];
/** The SKU most tests use. */
export const SKU = 'lg-test-tiered';
/** Fast retries: two attempts, a few ms apart (the backoff sleeps are real time). */
export const FAST_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1000 } as const;
/** More than one refresh interval (15 minutes, less up to 10% jitter). */
export const PAST_REFRESH = 16 * MINUTE;
/**
 * The longest timer delay. The gates' MemoryStore sweeps this rarely, so that a long `advance()` runs
 * the engine's own timers only (a 60-second sweep would add a timer turn per minute of a 20-day move).
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An AWS Marketplace tier entitlement, as Marketplace puts it in a license. */
export function tierEntitlement(name: string): { Name: string; Value: string; Unit: 'None' } {
  return { Name: name, Value: 'Enabled', Unit: 'None' };
}

/** An AWS Marketplace license for `sku` granting `tiers` (usually one), valid -1d..+365d unless overridden. */
export function tieredLicense(
  sku: string,
  tiers: readonly string[],
  overrides: Partial<SeedLicense> = {},
): SeedLicense {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} contract`,
    ProductName: `${sku} product`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: tiers.map((name) => tierEntitlement(name)),
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ...overrides,
  };
}

/** Every event a gate emitted, by name, payloads in order (an event never emitted reads as `[]`). */
export type EventLog = { [K in keyof LicenseGateEvents]: LicenseGateEvents[K][0][] };

/** Records every event a gate emits, whatever its name. */
export function recordEvents(gate: LicenseGate): EventLog {
  const log: Record<string | symbol, unknown[]> = {};
  const emitter = gate as unknown as EventEmitter;
  const emit = emitter.emit.bind(emitter);
  emitter.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    (log[event] ??= []).push(args[0]);
    return emit(event, ...args);
  };
  return new Proxy(log, { get: (target, name) => (target[name] ??= []) }) as unknown as EventLog;
}

/** The error of a denied decision; fails when the decision allows. */
export function deniedWith(decision: TierDecision): Error {
  assert.equal(decision.allowed, false, 'the decision should deny');
  return (decision as { error: Error }).error;
}

/** Waits, for I/O only, until `condition()` holds; fails after `timeoutMs` of real time. */
export async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A change of a license's terms, restated by CreateLicenseVersion. */
export interface LicenseChange {
  /** The tiers the new version grants. Default: the current entitlements. */
  tiers?: readonly string[];
  /** The new version's status. Default AVAILABLE. */
  status?: LicenseStatus;
  /** The new version's validity (ISO times). Default: the current one. */
  validity?: { Begin: string; End?: string };
}

/** A gate made by the harness, with its event log. */
export interface HarnessGate {
  readonly gate: LicenseGate;
  readonly events: EventLog;
}

/** What each test gets; see {@link useHarness}. */
export class Harness {
  readonly lm: RunningEmulator;
  readonly clock: ManualClock;
  readonly logger = new CapturingLogger();
  /** A seller-side client (CreateLicenseVersion, GetLicense) against the emulator. */
  readonly admin: LicenseManagerClient;
  readonly #gates: LicenseGate[] = [];
  readonly #inflight = new WeakMap<LicenseGate, { count: number }>();

  constructor(lm: RunningEmulator) {
    this.lm = lm;
    this.clock = new ManualClock(lm.clock.now());
    this.admin = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
  }

  /** Adds one license to the emulator; returns its ARN. */
  addLicense(seed: SeedLicense): string {
    const [arn] = this.lm.addLicenses([seed]);
    assert.ok(arn !== undefined);
    return arn;
  }

  /**
   * A gate against the emulator: `SKU`, `TIERS`, the harness clock and logger, fast retries, and a
   * MemoryStore whose sweep never falls due in a test (so the clock carries only the engine's timers).
   */
  gate(options: Partial<LicenseGateOptions> = {}): HarnessGate {
    const gate = createLicenseGate({
      productSku: SKU,
      tiers: TIERS,
      client: { endpoint: this.lm.url, region: REGION },
      clock: this.clock,
      logger: this.logger,
      retry: FAST_RETRY,
      store: new MemoryStore({ sweepIntervalMs: MAX_TIMER_MS }),
      ...options,
    });
    const counter = { count: 0 };
    // Observes the gate's own SDK client: counts the License Manager calls in flight (no mock).
    gate.options.client.middlewareStack.add(
      (next) => async (args) => {
        counter.count++;
        try {
          return await next(args);
        } finally {
          counter.count--;
        }
      },
      { step: 'initialize', name: 'licensegateTestInflight' },
    );
    this.#inflight.set(gate, counter);
    this.#gates.push(gate);
    return { gate, events: recordEvents(gate) };
  }

  /** License Manager calls of `gate` in flight now. */
  inflight(gate: LicenseGate): number {
    return this.#inflight.get(gate)?.count ?? 0;
  }

  /** Moves both clocks by `ms`: the emulator's first, then the gate's (running its due timers). */
  async advance(ms: number): Promise<void> {
    this.lm.clock.advance(ms);
    await this.clock.advance(ms);
  }

  /** Moves both clocks so that the gate's clock reads `at`. */
  async advanceTo(at: number): Promise<void> {
    assert.ok(at >= this.clock.now(), `cannot move the clock back to ${new Date(at).toISOString()}`);
    await this.advance(at - this.clock.now());
  }

  /**
   * Waits until no refresh of `gate` is due or running and none of its calls (a check-in included)
   * is in flight.
   */
  async settle(gate: LicenseGate): Promise<void> {
    await until(() => {
      if (this.inflight(gate) > 0) return false;
      const next = gate.status().nextRefreshAt;
      return next === null || Date.parse(next) > this.clock.now();
    }, 'the gate to settle');
  }

  /** `advance(ms)`, then `settle(gate)`. */
  async step(gate: LicenseGate, ms: number): Promise<void> {
    await this.advance(ms);
    await this.settle(gate);
  }

  /** Restates a license with CreateLicenseVersion (upgrade, downgrade, renewal, cancellation); returns the new version. */
  async revise(arn: string, change: LicenseChange): Promise<string> {
    const { License: current } = await this.admin.send(new GetLicenseCommand({ LicenseArn: arn }));
    assert.ok(current !== undefined, `GetLicense ${arn} gave no license`);
    const answer = await this.admin.send(
      new CreateLicenseVersionCommand({
        LicenseArn: arn,
        LicenseName: current.LicenseName,
        ProductName: current.ProductName,
        Issuer: { Name: 'AWS/Marketplace' },
        HomeRegion: REGION,
        Validity: change.validity ?? current.Validity,
        Entitlements:
          change.tiers !== undefined ? change.tiers.map((name) => tierEntitlement(name)) : current.Entitlements,
        ConsumptionConfiguration: current.ConsumptionConfiguration,
        Status: change.status ?? 'AVAILABLE',
        ClientToken: randomUUID(),
        SourceVersion: current.Version,
      }),
    );
    assert.ok(answer.Version !== undefined);
    return answer.Version;
  }

  /** The emulator's live consumptions of one license. */
  consumptionsOf(arn: string): { token: string; kind: string; entitlements: object[] }[] {
    return this.lm.emulator.dump().consumptions.filter((c) => c.licenseArn === arn);
  }

  /**
   * Stops every gate (errors ignored), destroys the clients, closes the emulator; then fails unless
   * every line the gates logged is in the README's table of log events at its level.
   */
  async close(): Promise<void> {
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
 * Registers mocha hooks that give each test a new emulator and harness, and close them after it.
 * Read `harness()` inside a test or hook.
 */
export function useHarness(options: EmulatorOptions | (() => EmulatorOptions) = {}): () => Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    const lm = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      ...(typeof options === 'function' ? options() : options),
    });
    current = new Harness(lm);
  });
  afterEach(async () => {
    const harness = current;
    current = undefined;
    await harness?.close();
  });
  return () => {
    assert.ok(current !== undefined, 'the harness is not running');
    return current;
  };
}
