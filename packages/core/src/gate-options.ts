import { LicenseManagerClient, type LicenseManagerClientConfig } from '@aws-sdk/client-license-manager';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import {
  AWS_MARKETPLACE_KEY_FINGERPRINT,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_EXPIRY_WARNING_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  LEASE_TTL_MS,
  MIN_REFRESH_INTERVAL_MS,
} from './constants.js';
import { stderrLogger, type Logger } from './logger.js';
import type { UnavailablePolicy } from './policy/unavailable-policy.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './source/retry-options.js';
import { MemoryStore } from './store/memory-store.js';
import { resolveMetricsOption, type MeterSource, type MetricsOptions } from './telemetry/metrics-options.js';
import type { Store } from './store/store.js';
import { checkBoolean, checkMethods, duration, fail, isObject } from './validation/option-checks.js';

/**
 * The gate-wide options: the product, how License Manager is reached, the store, the clock, the
 * logger, and the policies every model shares. Each model's own options sit beside it
 * (`tiers/tier-options.ts`, `seats/seat-options.ts`, `drawdown/drawdown-options.ts`);
 * `LicenseGateOptions` (options.ts) is the composition.
 */
export interface GateOptions {
  /** The product's SKU: for AWS Marketplace, the product ID from the Management Portal. */
  productSku: string;
  /**
   * The license issuer's key fingerprint. Default: AWS Marketplace's,
   * {@link AWS_MARKETPLACE_KEY_FINGERPRINT}. A seller-issued license has
   * `aws:<issuer account>:<issuer name>:issuer-fingerprint`, as GetLicense reports it.
   */
  keyFingerprint?: string;
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
  /** A pino-shaped logger. Default: {@link stderrLogger}, JSON lines to stderr from `info` up (`LICENSEGATE_LOG_LEVEL` sets another level). */
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
  /**
   * Where the gate's OpenTelemetry metrics go (`@opentelemetry/api` is an optional peer). Default:
   * the global meter provider, when one is registered at `start()`; `{ meterProvider }` or
   * `{ meter }` to choose; `false` for none. With no provider, nothing is created or recorded. The
   * instruments are listed in the core README ("Metrics").
   */
  metrics?: MetricsOptions;
}

/** The gate-wide options with every default applied. */
export interface ResolvedGateOptions {
  readonly productSku: string;
  readonly keyFingerprint: string;
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
  /** Finds the meter at start (`undefined`: no metrics). */
  readonly metrics: MeterSource;
}

const FINGERPRINT = /^aws:\d{12}:[^:]+:issuer-fingerprint$/;

/**
 * Checks which product the gate is for: `productSku` and `keyFingerprint` (checked first, before
 * the models' options).
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_PRODUCT_SKU`, `ERR_LG_OPTION_KEY_FINGERPRINT`
 */
export function resolveProduct(o: Record<string, unknown>): Pick<ResolvedGateOptions, 'productSku' | 'keyFingerprint'> {
  if (typeof o['productSku'] !== 'string' || o['productSku'].trim() === '') {
    fail(
      'ERR_LG_OPTION_PRODUCT_SKU',
      `productSku is required: the product ID from the AWS Marketplace Management Portal; got ${JSON.stringify(o['productSku'])}.`,
    );
  }
  const keyFingerprint = o['keyFingerprint'] ?? AWS_MARKETPLACE_KEY_FINGERPRINT;
  if (typeof keyFingerprint !== 'string' || !FINGERPRINT.test(keyFingerprint)) {
    fail(
      'ERR_LG_OPTION_KEY_FINGERPRINT',
      `keyFingerprint must look like aws:<12-digit account>:<issuer name>:issuer-fingerprint (AWS Marketplace: ${AWS_MARKETPLACE_KEY_FINGERPRINT}); got ${JSON.stringify(keyFingerprint)}.`,
    );
  }
  return { productSku: o['productSku'], keyFingerprint };
}

/**
 * Checks the other gate-wide options and applies their defaults (after the models' options).
 * @throws LicenseGateConfigurationError whose code names the option
 */
export function resolveGateOptions(
  o: GateOptions,
  product: Pick<ResolvedGateOptions, 'productSku' | 'keyFingerprint'>,
): ResolvedGateOptions {
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
    ...product,
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
    retry: resolveRetry(o.retry),
    callTimeoutMs: duration('callTimeoutMs', o.callTimeoutMs, 5_000, 1, 120_000),
    drainTimeoutMs: duration('drainTimeoutMs', o.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, 0, 10 * 60_000),
    shareTierAnswers: checkBoolean('shareTierAnswers', o.shareTierAnswers, store.shared === true),
    metrics: resolveMetricsOption(o.metrics),
  };
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
