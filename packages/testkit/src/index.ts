/**
 * The test world shared by the Express and NestJS adapter suites (a private workspace, never
 * published): a License Manager emulator on 127.0.0.1 (a new one per test), a ManualClock that
 * starts at the emulator's time, gates that reach the emulator through the real AWS SDK over HTTP,
 * a capturing logger, seed licenses, problem+json assertions, raw abortable requests, and
 * seller-side reads of what License Manager counted. Each adapter's suite extends
 * {@link AdapterWorld} with how it serves an app.
 *
 * Time never passes by itself: `advance(ms)` moves the emulator's clock, then the gates' clock
 * (running their due timers). Waiting is for I/O only (`until`), never for time.
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { request as httpRequest, type ClientRequest } from 'node:http';

import {
  CreateLicenseVersionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  LicenseManagerClient,
  type Entitlement,
} from '@aws-sdk/client-license-manager';
import {
  createLicenseGate,
  MemoryStore,
  type LicenseGate,
  type LicenseGateEvents,
  type LicenseGateOptions,
  type Logger,
} from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import { startEmulator, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';
import type { Response as TestResponse } from 'supertest';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const REGION = 'us-east-1';
/** The tiers of the tiered products, lowest first. */
export const TIERS: readonly string[] = ['Basic', 'Intermediate', 'Premium'];
/** Fast retries: two attempts, a few ms apart. */
export const FAST_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1000 } as const;
/** More than one 15-minute refresh interval (less its jitter). */
export const PAST_REFRESH = 16 * MINUTE;
/** The longest timer delay: the MemoryStore's sweep never falls due in a test. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One recorded logger call. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/** A pino-shaped logger that records every call. */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: object, message: string): void {
    this.#record('debug', fields, message);
  }

  info(fields: object, message: string): void {
    this.#record('info', fields, message);
  }

  warn(fields: object, message: string): void {
    this.#record('warn', fields, message);
  }

  error(fields: object, message: string): void {
    this.#record('error', fields, message);
  }

  /** The entries whose `fields.event` is `event`, of one level or all. */
  events(event: string, level?: LogEntry['level']): LogEntry[] {
    return this.entries.filter((e) => e.fields['event'] === event && (level === undefined || e.level === level));
  }

  #record(level: LogEntry['level'], fields: object, message: string): void {
    this.entries.push({ level, fields: { ...(fields as Record<string, unknown>) }, message });
  }
}

/** An AWS Marketplace license (the shape of packages/emulator/licenses/demo.json), valid -1d..+365d. */
export function marketplaceLicense(
  sku: string,
  entitlements: SeedLicense['Entitlements'],
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
    Entitlements: entitlements,
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ...overrides,
  };
}

/** A tiered license granting `tier`. */
export function tieredLicense(sku: string, tier: string): SeedLicense {
  return marketplaceLicense(sku, [{ Name: tier, Value: 'Enabled', Unit: 'None' }]);
}

/** A configurable license: `ConcurrentUsers` seats and/or `DataConsumption` units, without overage. */
export function countedLicense(sku: string, counts: { seats?: number; units?: number }): SeedLicense {
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
  return marketplaceLicense(sku, entitlements);
}

/** Waits, for I/O only, until `condition()` holds; fails after `timeoutMs` of real time. */
export async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Every event a gate emitted, by name, payloads in order. */
export type EventLog = { [K in keyof LicenseGateEvents]: LicenseGateEvents[K][0][] };

/** Records every event a gate emits. */
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

/** What a problem answer must carry, besides the common members. */
export interface ExpectedProblem {
  status: number;
  /** The cause's suffix: `tier-required` for `urn:licensegate:tier-required`. */
  type: string;
  code?: string;
  /** Extension members, compared exactly. */
  fields?: Record<string, unknown>;
}

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, the stable `type`, the
 * common members, the extensions, and no stack trace or token anywhere in the body.
 */
export function assertProblem(res: TestResponse, expected: ExpectedProblem): Record<string, unknown> {
  assert.equal(res.status, expected.status, `status of ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json(;|$)/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.equal(body['type'], `urn:licensegate:${expected.type}`);
  assert.equal(body['status'], expected.status);
  assert.equal(typeof body['title'], 'string');
  assert.equal(typeof body['detail'], 'string');
  assert.ok((body['detail'] as string).length > 10, 'the detail says what happened');
  if (expected.code !== undefined) assert.equal(body['code'], expected.code);
  for (const [name, value] of Object.entries(expected.fields ?? {})) assert.deepEqual(body[name], value, name);
  assertNoStack(res.text);
  return body;
}

/** No stack trace lines, no `stack` member, no file paths in an answer body. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\bat [^\s]+ \(/, 'no stack frame');
  assert.doesNotMatch(text, /(^|\\n|\n)\s*at /, 'no stack line');
  assert.doesNotMatch(text, /"stack"/, 'no stack member');
  assert.doesNotMatch(text, /\.(js|ts):\d+/, 'no source location');
}

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
    this.#gates.push(gate);
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

  /** Closes the apps, stops the gates, closes the emulator. */
  async close(): Promise<void> {
    await this.closeApps();
    for (const gate of this.#gates.splice(0)) {
      await gate.stop().catch(() => undefined);
      gate.options.client.destroy();
    }
    this.admin.destroy();
    await this.lm.close();
  }
}

/**
 * Mocha hooks: a new emulator and world per test (made by `create`, with `licenses` added), closed
 * after it. Read `world()` inside a test.
 */
export function useWorldOf<W extends AdapterWorld>(
  create: (lm: RunningEmulator) => W,
  licenses: () => SeedLicense[] = () => [],
): () => W {
  let current: W | undefined;
  beforeEach(async () => {
    const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
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

/** A promise with its resolver: lets a handler wait for the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A raw request the test can abort: `abort()` destroys the socket before any answer comes. */
export function rawRequest(
  url: string,
  options: { method?: string; json?: unknown; cookie?: string } = {},
): { request: ClientRequest; abort: () => void } {
  const body = options.json === undefined ? '' : JSON.stringify(options.json);
  const request = httpRequest(url, {
    method: options.method ?? 'POST',
    agent: false,
    headers: {
      'content-length': String(Buffer.byteLength(body)),
      ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
    },
  });
  request.on('error', () => undefined); // the abort's ECONNRESET
  request.end(body);
  return { request, abort: () => request.destroy() };
}

/** A raw POST (with a JSON body, when given) the test can abort. */
export function rawPost(url: string, json?: unknown): { request: ClientRequest; abort: () => void } {
  return rawRequest(url, json === undefined ? {} : { json });
}
