import { LicenseManagerClient, type LicenseManagerClientConfig } from '@aws-sdk/client-license-manager';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import {
  AWS_MARKETPLACE_KEY_FINGERPRINT,
  DEFAULT_EXPIRY_WARNING_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  LEASE_TTL_MS,
  MIN_REFRESH_INTERVAL_MS,
} from './constants.js';
import { LicenseGateConfigurationError, type LicenseGateErrorCode } from './errors.js';
import { stderrLogger, type Logger } from './logger.js';
import type { UnavailablePolicy } from './policy/unavailable-policy.js';
import { DEFAULT_RETRY, type RetryOptions, type RetryPolicy } from './source/retry.js';
import { MemoryStore } from './store/memory-store.js';
import type { Store } from './store/store.js';

export type { UnavailablePolicy } from './policy/unavailable-policy.js';

/** Floating seats: one unit of a counted entitlement per holder, taken and returned. */
export interface SeatOptions {
  /** The license's floating entitlement, e.g. `ConcurrentUsers`. */
  entitlement: string;
  /** Its unit in the license. Default `Count`. */
  unit?: string;
  /** A seat unused (no `touch`) for this long is returned. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** A held seat is extended this long after its checkout or last extension, with jitter. Default 30 minutes (half the lease). */
  keepAliveMs?: number;
  /** Wait for a seat instead of failing at once: a bounded queue with a timeout. Default: no waiting. */
  wait?: { timeoutMs: number; maxWaiters?: number; pollMs?: number };
}

/** How a drawdown dimension reports units; see the README for each mode's bound. */
export type DrawdownMode = 'sync' | 'batch' | 'reserve';

/** One drawdown dimension. */
export interface DrawdownDimensionOptions {
  /** `sync`: a checkout per debit; `batch` (default): report in batches; `reserve`: spend blocks checked out ahead. */
  mode?: DrawdownMode;
  /** Its unit in the license. Default `Count`. */
  unit?: string;
  /** batch: report when this many units are pending. Default 100. */
  batchUnits?: number;
  /** batch: report pending units at least this often. Default 60 seconds. */
  batchIntervalMs?: number;
  /** reserve: units checked out per block. Default 100. */
  blockUnits?: number;
}

/** Options of {@link createLicenseGate}. Only `productSku` and something to gate are required. */
export interface LicenseGateOptions {
  /** The product's SKU: for AWS Marketplace, the product ID from the Management Portal. */
  productSku: string;
  /**
   * The license issuer's key fingerprint. Default: AWS Marketplace's,
   * {@link AWS_MARKETPLACE_KEY_FINGERPRINT}. A seller-issued license has
   * `aws:<issuer account>:<issuer name>:issuer-fingerprint`, as GetLicense reports it.
   */
  keyFingerprint?: string;
  /** Tier names, lowest first, exactly as the license's entitlements name them. */
  tiers?: readonly string[];
  /** Floating seats. */
  seats?: SeatOptions;
  /** Drawdown dimensions, by entitlement name, e.g. `{ DataConsumption: { mode: 'batch' } }`. */
  drawdown?: Readonly<Record<string, DrawdownDimensionOptions>>;
  /** How long an engine's heartbeat in the store lasts; what a silent engine left is adopted after it. Default 60 seconds. */
  instanceLeaseMs?: number;
  /**
   * A `LicenseManagerClient`, or the config to make one (`region`, `endpoint`, `maxAttempts`...).
   * Credentials are never options: the SDK's default chain finds the instance, task or pod role,
   * and `AWS_ENDPOINT_URL_LICENSE_MANAGER` (or `endpoint`) points it at an emulator. A client the
   * gate makes has `maxAttempts: 1` unless told otherwise: the gate retries itself.
   */
  client?: LicenseManagerClient | LicenseManagerClientConfig;
  /** Where state that must outlive a request or a process is kept. Default: a new `MemoryStore`. */
  store?: Store;
  /** Time source and timers. Default: the system clock. */
  clock?: Clock;
  /** A pino-shaped logger. Default: warnings and errors to stderr as JSON lines. */
  logger?: Logger;
  /** How often the license is checked out again to see upgrades, renewals and expiry. Default 15 minutes. */
  refreshIntervalMs?: number;
  /** Spread of the refresh interval, as a fraction taken off at random (0 to 0.5). Default 0.1. */
  refreshJitter?: number;
  /**
   * While License Manager cannot be reached: `grace` (default) serves the last good answer for
   * up to `graceMs` after it was learnt, then denies; `deny` denies at once; `allow` lets every
   * request through. A definitive answer (no license, expired) is never overridden.
   */
  onUnavailable?: UnavailablePolicy;
  /**
   * How long the last good answer may be served under `grace`, counted from when License Manager
   * gave it, whatever a refresh is doing meanwhile (a hung call included). When it is shorter than
   * `refreshIntervalMs`, the gate refreshes every `graceMs / 2` instead, so that a refresh always has
   * time to answer within the grace. Default one hour.
   */
  graceMs?: number;
  /**
   * While the gate refuses requests because License Manager cannot be reached, a request brings
   * the next retry forward — one attempt in flight at a time, and at most one per this long — so
   * that the gate recovers within seconds of License Manager's return under traffic, instead of
   * waiting for its backoff. Default 5,000 ms.
   */
  recoveryProbeMs?: number;
  /** How long before the license ends `licenseExpiring` fires. Default 7 days. */
  expiryWarningMs?: number;
  /**
   * Share tier answers with the other instances on the store, so that N instances make about one
   * tier checkout per refresh interval. Default: when the store is shared (`store.shared`).
   */
  shareTierAnswers?: boolean;
  /** Retries of one License Manager call. */
  retry?: RetryOptions;
  /** Each attempt of a License Manager call is aborted after this long. Default 5,000 ms. */
  callTimeoutMs?: number;
  /**
   * How long `stop()` waits for requests in flight to settle their drawdown charges (commit or
   * cancel) before it seals and reports what is pending; charges still open then are not charged.
   * Give the app's own shutdown time for it (Kubernetes and ECS wait 30 s before they kill). Default 10,000 ms.
   */
  drainTimeoutMs?: number;
}

/** Seat options with every default applied. */
export interface ResolvedSeatOptions {
  readonly entitlement: string;
  readonly unit: string;
  readonly idleTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly wait: { readonly timeoutMs: number; readonly maxWaiters: number; readonly pollMs: number } | undefined;
}

/** A drawdown dimension with every default applied. */
export interface ResolvedDrawdownDimension {
  readonly name: string;
  readonly mode: DrawdownMode;
  readonly unit: string;
  readonly batchUnits: number;
  readonly batchIntervalMs: number;
  readonly blockUnits: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly productSku: string;
  readonly keyFingerprint: string;
  readonly tiers: readonly string[];
  readonly seats: ResolvedSeatOptions | undefined;
  readonly drawdown: ReadonlyMap<string, ResolvedDrawdownDimension>;
  readonly instanceLeaseMs: number;
  readonly client: LicenseManagerClient;
  /** The gate made the client (from a config), so it destroys it at stop. */
  readonly ownsClient: boolean;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly refreshIntervalMs: number;
  readonly refreshJitter: number;
  readonly onUnavailable: UnavailablePolicy;
  readonly graceMs: number;
  readonly recoveryProbeMs: number;
  readonly expiryWarningMs: number;
  readonly retry: RetryPolicy;
  readonly callTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly shareTierAnswers: boolean;
}

const KNOWN_OPTIONS: readonly (keyof LicenseGateOptions)[] = [
  'productSku',
  'keyFingerprint',
  'tiers',
  'seats',
  'drawdown',
  'instanceLeaseMs',
  'client',
  'store',
  'clock',
  'logger',
  'refreshIntervalMs',
  'refreshJitter',
  'onUnavailable',
  'graceMs',
  'recoveryProbeMs',
  'expiryWarningMs',
  'retry',
  'callTimeoutMs',
  'drainTimeoutMs',
  'shareTierAnswers',
];

const FINGERPRINT = /^aws:\d{12}:[^:]+:issuer-fingerprint$/;

function fail(code: LicenseGateErrorCode, message: string): never {
  throw new LicenseGateConfigurationError(code, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The closest known name within a few edits, for "did you mean" hints. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function duration(
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  code: LicenseGateErrorCode = 'ERR_LG_OPTION_DURATION',
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(code, `${name} must be a number of milliseconds from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function checkTiers(tiers: unknown): readonly string[] {
  if (tiers === undefined) return [];
  if (!Array.isArray(tiers) || tiers.length === 0) {
    fail(
      'ERR_LG_OPTION_TIERS',
      `tiers must be a non-empty list of tier names, lowest first, e.g. ['Basic', 'Intermediate', 'Premium']; got ${JSON.stringify(tiers)}.`,
    );
  }
  const seen = new Set<string>();
  for (const [i, tier] of tiers.entries()) {
    if (typeof tier !== 'string' || tier.trim() === '') {
      fail(
        'ERR_LG_OPTION_TIERS',
        `tiers[${i}] must be a non-empty string (an entitlement name of the license); got ${JSON.stringify(tier)}.`,
      );
    }
    if (seen.has(tier))
      fail('ERR_LG_OPTION_TIERS', `tiers lists ${JSON.stringify(tier)} twice; list each tier once, lowest first.`);
    seen.add(tier);
  }
  return Object.freeze([...(tiers as string[])]);
}

const UNITS = new Set([
  'Count',
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
]);

function checkUnit(code: LicenseGateErrorCode, where: string, unit: unknown): string {
  if (unit === undefined) return 'Count';
  if (typeof unit !== 'string' || !UNITS.has(unit))
    fail(
      code,
      `${where}.unit must be a counted License Manager unit such as 'Count' or 'Gigabytes'; got ${JSON.stringify(unit)}.`,
    );
  return unit;
}

function wholeNumber(
  code: LicenseGateErrorCode,
  where: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(code, `${where} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value as number;
}

function checkSeats(seats: unknown): ResolvedSeatOptions | undefined {
  if (seats === undefined) return undefined;
  const code = 'ERR_LG_OPTION_SEATS';
  if (!isObject(seats))
    fail(code, `seats must be an object such as { entitlement: 'ConcurrentUsers' }; got ${JSON.stringify(seats)}.`);
  const known = ['entitlement', 'unit', 'idleTimeoutMs', 'keepAliveMs', 'wait'];
  for (const key of Object.keys(seats))
    if (!known.includes(key))
      fail(code, `Unknown seats option ${JSON.stringify(key)}; seats takes ${known.join(', ')}.`);
  if (typeof seats['entitlement'] !== 'string' || seats['entitlement'].trim() === '') {
    fail(
      code,
      `seats.entitlement must name the license's floating entitlement, e.g. 'ConcurrentUsers'; got ${JSON.stringify(seats['entitlement'])}.`,
    );
  }
  const keepAliveMs = wholeNumber(
    code,
    'seats.keepAliveMs',
    seats['keepAliveMs'],
    LEASE_TTL_MS / 2,
    1_000,
    LEASE_TTL_MS - 60_000,
  );
  const idleTimeoutMs = wholeNumber(
    code,
    'seats.idleTimeoutMs',
    seats['idleTimeoutMs'],
    30 * 60_000,
    1_000,
    30 * 24 * 60 * 60_000,
  );
  let wait: ResolvedSeatOptions['wait'];
  if (seats['wait'] !== undefined && seats['wait'] !== false) {
    const w = seats['wait'];
    if (!isObject(w)) fail(code, 'seats.wait must be { timeoutMs, maxWaiters?, pollMs? } or false.');
    wait = {
      timeoutMs: wholeNumber(code, 'seats.wait.timeoutMs', w['timeoutMs'], NaN, 1, 10 * 60_000),
      maxWaiters: wholeNumber(code, 'seats.wait.maxWaiters', w['maxWaiters'], 100, 1, 100_000),
      pollMs: wholeNumber(code, 'seats.wait.pollMs', w['pollMs'], 5_000, 10, 60_000),
    };
    if (Number.isNaN(wait.timeoutMs))
      fail(code, 'seats.wait.timeoutMs is required: how long a request may wait for a seat, in ms.');
  }
  return {
    entitlement: seats['entitlement'] as string,
    unit: checkUnit(code, 'seats', seats['unit']),
    idleTimeoutMs,
    keepAliveMs,
    wait,
  };
}

function checkDrawdown(
  drawdown: unknown,
  seats: ResolvedSeatOptions | undefined,
): ReadonlyMap<string, ResolvedDrawdownDimension> {
  const result = new Map<string, ResolvedDrawdownDimension>();
  if (drawdown === undefined) return result;
  const code = 'ERR_LG_OPTION_DRAWDOWN';
  if (!isObject(drawdown))
    fail(
      code,
      `drawdown must map dimension names to options, e.g. { DataConsumption: { mode: 'batch' } }; got ${JSON.stringify(drawdown)}.`,
    );
  const known = ['mode', 'unit', 'batchUnits', 'batchIntervalMs', 'blockUnits'];
  for (const [name, raw] of Object.entries(drawdown)) {
    if (name.trim() === '') fail(code, "A drawdown dimension needs a name: the license's entitlement name.");
    if (name === seats?.entitlement)
      fail(code, `${JSON.stringify(name)} is the seat entitlement; a dimension cannot be both floating and drawdown.`);
    const d = raw ?? {};
    if (!isObject(d))
      fail(code, `drawdown.${name} must be an object such as { mode: 'batch' }; got ${JSON.stringify(raw)}.`);
    for (const key of Object.keys(d))
      if (!known.includes(key))
        fail(code, `Unknown option drawdown.${name}.${key}; a dimension takes ${known.join(', ')}.`);
    const mode = d['mode'] ?? 'batch';
    if (mode !== 'sync' && mode !== 'batch' && mode !== 'reserve')
      fail(code, `drawdown.${name}.mode must be 'sync', 'batch' or 'reserve'; got ${JSON.stringify(mode)}.`);
    result.set(name, {
      name,
      mode,
      unit: checkUnit(code, `drawdown.${name}`, d['unit']),
      batchUnits: wholeNumber(code, `drawdown.${name}.batchUnits`, d['batchUnits'], 100, 1, Number.MAX_SAFE_INTEGER),
      batchIntervalMs: wholeNumber(
        code,
        `drawdown.${name}.batchIntervalMs`,
        d['batchIntervalMs'],
        60_000,
        100,
        24 * 60 * 60_000,
      ),
      blockUnits: wholeNumber(code, `drawdown.${name}.blockUnits`, d['blockUnits'], 100, 1, Number.MAX_SAFE_INTEGER),
    });
  }
  return result;
}

function checkClient(client: unknown): LicenseManagerClient {
  if (client instanceof LicenseManagerClient) return client;
  if (client !== undefined && isObject(client) && typeof client['send'] === 'function')
    return client as unknown as LicenseManagerClient;
  if (client !== undefined && !isObject(client)) {
    fail(
      'ERR_LG_OPTION_CLIENT',
      'client must be a LicenseManagerClient or its config object ({ region, endpoint, maxAttempts }).',
    );
  }
  const config = (client ?? {}) as LicenseManagerClientConfig;
  if ('credentials' in config) {
    fail(
      'ERR_LG_OPTION_CREDENTIALS',
      'Credentials are never configured in code: remove client.credentials. The AWS SDK finds the instance, task or pod role by itself.',
    );
  }
  return new LicenseManagerClient({ maxAttempts: 1, ...config });
}

function checkMethods<T>(
  code: LicenseGateErrorCode,
  what: string,
  value: unknown,
  methods: readonly string[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) && typeof value !== 'function')
    fail(code, `${what} must be an object with ${methods.join(', ')}.`);
  const missing = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) fail(code, `${what} lacks ${missing.join(', ')}; it must have ${methods.join(', ')}.`);
  return value as T;
}

function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail('ERR_LG_OPTIONS', `${name} must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}

function checkRetry(retry: unknown): RetryPolicy {
  if (retry === undefined) return DEFAULT_RETRY;
  if (!isObject(retry))
    fail('ERR_LG_OPTION_RETRY', 'retry must be an object: { attempts, baseDelayMs, maxDelayMs, deadlineMs }.');
  const keys = ['attempts', 'baseDelayMs', 'maxDelayMs', 'deadlineMs'];
  for (const key of Object.keys(retry)) {
    if (!keys.includes(key)) {
      const hint = closest(key, keys);
      fail(
        'ERR_LG_OPTION_RETRY',
        `Unknown option ${JSON.stringify(key)} in retry${hint !== undefined ? `; did you mean ${JSON.stringify(hint)}?` : '.'} retry takes ${keys.join(', ')}.`,
      );
    }
  }
  const attempts = retry['attempts'] ?? DEFAULT_RETRY.attempts;
  if (!Number.isInteger(attempts) || (attempts as number) < 1 || (attempts as number) > 20) {
    fail('ERR_LG_OPTION_RETRY', `retry.attempts must be a whole number from 1 to 20; got ${JSON.stringify(attempts)}.`);
  }
  return {
    attempts: attempts as number,
    baseDelayMs: duration(
      'retry.baseDelayMs',
      retry['baseDelayMs'],
      DEFAULT_RETRY.baseDelayMs,
      0,
      60_000,
      'ERR_LG_OPTION_RETRY',
    ),
    maxDelayMs: duration(
      'retry.maxDelayMs',
      retry['maxDelayMs'],
      DEFAULT_RETRY.maxDelayMs,
      0,
      300_000,
      'ERR_LG_OPTION_RETRY',
    ),
    deadlineMs: duration(
      'retry.deadlineMs',
      retry['deadlineMs'],
      DEFAULT_RETRY.deadlineMs,
      0,
      600_000,
      'ERR_LG_OPTION_RETRY',
    ),
  };
}

/**
 * Checks every option and applies the defaults. Each mistake throws a
 * {@link LicenseGateConfigurationError} whose code names the option and whose message says how to
 * fix it.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (!isObject(options))
    fail('ERR_LG_OPTIONS', 'createLicenseGate() takes an options object: { productSku, tiers, ... }.');
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      const hint = closest(key, KNOWN_OPTIONS);
      fail(
        'ERR_LG_OPTION_UNKNOWN',
        `Unknown option ${JSON.stringify(key)}${hint !== undefined ? `; did you mean ${JSON.stringify(hint)}?` : '.'}`,
      );
    }
  }
  const o = options as unknown as LicenseGateOptions;
  if (typeof o.productSku !== 'string' || o.productSku.trim() === '') {
    fail(
      'ERR_LG_OPTION_PRODUCT_SKU',
      `productSku is required: the product ID from the AWS Marketplace Management Portal; got ${JSON.stringify(o.productSku)}.`,
    );
  }
  const keyFingerprint = o.keyFingerprint ?? AWS_MARKETPLACE_KEY_FINGERPRINT;
  if (typeof keyFingerprint !== 'string' || !FINGERPRINT.test(keyFingerprint)) {
    fail(
      'ERR_LG_OPTION_KEY_FINGERPRINT',
      `keyFingerprint must look like aws:<12-digit account>:<issuer name>:issuer-fingerprint (AWS Marketplace: ${AWS_MARKETPLACE_KEY_FINGERPRINT}); got ${JSON.stringify(keyFingerprint)}.`,
    );
  }
  const tiers = checkTiers(o.tiers);
  const seats = checkSeats(o.seats);
  const drawdown = checkDrawdown(o.drawdown, seats);
  if (tiers.length === 0 && seats === undefined && drawdown.size === 0) {
    fail(
      'ERR_LG_OPTION_NOTHING_TO_GATE',
      "The gate has nothing to gate: give it tiers, seats or drawdown (e.g. tiers: ['Basic', 'Premium']).",
    );
  }
  const refreshIntervalMs = o.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  if (
    typeof refreshIntervalMs !== 'number' ||
    !(refreshIntervalMs >= MIN_REFRESH_INTERVAL_MS && refreshIntervalMs < LEASE_TTL_MS)
  ) {
    fail(
      'ERR_LG_OPTION_REFRESH_INTERVAL',
      `refreshIntervalMs must be from ${MIN_REFRESH_INTERVAL_MS} ms (1 s) to below License Manager's 60-minute lease (${LEASE_TTL_MS} ms); AWS recommends 15 minutes (900000). Got ${JSON.stringify(refreshIntervalMs)}.`,
    );
  }
  const onUnavailable = o.onUnavailable ?? 'grace';
  if (onUnavailable !== 'grace' && onUnavailable !== 'deny' && onUnavailable !== 'allow') {
    fail(
      'ERR_LG_OPTION_ON_UNAVAILABLE',
      `onUnavailable must be 'grace', 'deny' or 'allow'; got ${JSON.stringify(onUnavailable)}.`,
    );
  }
  const refreshJitter = o.refreshJitter ?? 0.1;
  if (typeof refreshJitter !== 'number' || !(refreshJitter >= 0 && refreshJitter <= 0.5)) {
    fail(
      'ERR_LG_OPTION_DURATION',
      `refreshJitter must be a fraction from 0 to 0.5; got ${JSON.stringify(refreshJitter)}.`,
    );
  }
  const clock =
    checkMethods<Clock>('ERR_LG_OPTION_CLOCK', 'clock', o.clock, ['now', 'setTimeout', 'clearTimeout']) ?? systemClock;
  const logger =
    checkMethods<Logger>('ERR_LG_OPTION_LOGGER', 'logger', o.logger, ['debug', 'info', 'warn', 'error']) ??
    stderrLogger;
  const store =
    checkMethods<Store>('ERR_LG_OPTION_STORE', 'store', o.store, ['get', 'put', 'delete', 'list', 'increment']) ??
    new MemoryStore();
  return {
    productSku: o.productSku,
    keyFingerprint,
    tiers,
    seats,
    drawdown,
    instanceLeaseMs: duration('instanceLeaseMs', o.instanceLeaseMs, 60_000, 1_000, 60 * 60_000),
    client: checkClient(o.client),
    ownsClient:
      !(o.client instanceof LicenseManagerClient) && !(isObject(o.client) && typeof o.client['send'] === 'function'),
    store,
    clock,
    logger,
    refreshIntervalMs,
    refreshJitter,
    onUnavailable,
    graceMs: duration('graceMs', o.graceMs, DEFAULT_GRACE_MS),
    recoveryProbeMs: duration('recoveryProbeMs', o.recoveryProbeMs, 5_000, 100, 10 * 60_000),
    expiryWarningMs: duration('expiryWarningMs', o.expiryWarningMs, DEFAULT_EXPIRY_WARNING_MS),
    retry: checkRetry(o.retry),
    callTimeoutMs: duration('callTimeoutMs', o.callTimeoutMs, 5_000, 1, 120_000),
    drainTimeoutMs: duration('drainTimeoutMs', o.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, 0, 10 * 60_000),
    shareTierAnswers: checkBoolean('shareTierAnswers', o.shareTierAnswers, store.shared === true),
  };
}
