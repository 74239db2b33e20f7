import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * The `diagnostics_channel` names licensegate publishes on, for APM tools and for an app's own
 * tracing (the pattern of undici and lru-cache: nothing is built or published unless a subscriber
 * is there). Documented in the core README ("Tracing hooks").
 *
 * @module
 */

/**
 * The tracing channel around each License Manager call (retries included):
 * `tracing:licensegate:license-manager:start`, `:end`, `:asyncStart`, `:asyncEnd` and `:error`,
 * each with one {@link LicenseManagerCallMessage} per call.
 */
export const LICENSE_MANAGER_CHANNEL = 'licensegate:license-manager';

/** The channel a {@link DenialMessage} is published on when an HTTP adapter denies a request. */
export const DENIAL_CHANNEL = 'licensegate:denial';

/**
 * The context object of one License Manager call on {@link LICENSE_MANAGER_CHANNEL}: the same
 * object at `start`, `end`, `asyncStart`, `asyncEnd` and `error`. It never holds the answer (a
 * checkout's answer carries a consumption token, which never leaves the engine).
 */
export interface LicenseManagerCallMessage {
  /** The License Manager operation: `CheckoutLicense`, `CheckInLicense`, `ExtendLicenseConsumption`, `GetLicense`, `ListReceivedLicenses`. */
  readonly operation: string;
  /** The gate's product SKU. */
  readonly productSku: string;
  /** Attempts made (1, or more after retries); set before `asyncStart`. */
  attempts?: number;
  /** At `error` and after: the failure, a `LicenseManagerCallError` (its `kind` and `awsName` say why). */
  error?: unknown;
  /** Set by Node's `tracePromise` on success: always `undefined` here (the answer stays in the engine). */
  result?: undefined;
}

/** A request an HTTP adapter (Express, Fastify, NestJS) denied, on {@link DENIAL_CHANNEL}. */
export interface DenialMessage {
  /** The gate's product SKU, when the adapter's gate has one. */
  readonly productSku: string | undefined;
  /** The request's path (no query string), as the adapter gives it. */
  readonly path: string | undefined;
  /** The licensegate error code of the denial, e.g. `ERR_LG_TIER_REQUIRED`, `ERR_LG_SEATS_EXHAUSTED`, `ERR_LG_QUOTA_EXHAUSTED`. */
  readonly code: string;
  /** The problem type URI, e.g. `urn:licensegate:tier-required` (`PROBLEM_TYPES`). */
  readonly type: string;
  /** The HTTP status answered: 402, 403, 429, 500 or 503. */
  readonly status: number;
  /** What the client is told: the RFC 9457 problem document (with `requiredTier`, `entitlement`, `dimension` or `reason` where they apply). */
  readonly problem: Readonly<Record<string, unknown>>;
  /** The licensegate error behind the denial (its message may name roles or hosts: for the server's eyes only). */
  readonly error: unknown;
}

/** The tracing channel of License Manager calls (made once per process). */
export const licenseManagerCalls = diagnosticsChannel.tracingChannel<
  LicenseManagerCallMessage,
  LicenseManagerCallMessage
>(LICENSE_MANAGER_CHANNEL);

/** The channel of denials (made once per process). */
export const denials = diagnosticsChannel.channel(DENIAL_CHANNEL);
