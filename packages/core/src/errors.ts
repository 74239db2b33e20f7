import { brandErrorClass, isBrandedInstance } from './brand.js';

/**
 * Stable codes of every error the core package throws. The package README lists each with its fix.
 * Codes never change meaning; new ones are only added. The store packages and the emulator have
 * unions of their own (`FileStoreErrorCode`, `RedisErrorCode`, `EmulatorErrorCode`), all `ERR_LG_*`
 * and never the same as one here.
 */

export type LicenseGateErrorCode =
  // options, checked when the gate is created
  | 'ERR_LG_OPTIONS'
  | 'ERR_LG_OPTION_UNKNOWN'
  | 'ERR_LG_OPTION_PRODUCT_SKU'
  | 'ERR_LG_OPTION_KEY_FINGERPRINT'
  | 'ERR_LG_OPTION_TIERS'
  | 'ERR_LG_OPTION_NOTHING_TO_GATE'
  | 'ERR_LG_OPTION_CLIENT'
  | 'ERR_LG_OPTION_CREDENTIALS'
  | 'ERR_LG_OPTION_STORE'
  | 'ERR_LG_OPTION_CLOCK'
  | 'ERR_LG_OPTION_LOGGER'
  | 'ERR_LG_OPTION_DURATION'
  | 'ERR_LG_OPTION_REFRESH_INTERVAL'
  | 'ERR_LG_OPTION_ON_UNAVAILABLE'
  | 'ERR_LG_OPTION_RETRY'
  | 'ERR_LG_OPTION_SEATS'
  | 'ERR_LG_OPTION_DRAWDOWN'
  // use of the gate
  | 'ERR_LG_UNKNOWN_TIER'
  | 'ERR_LG_NOT_STARTED'
  | 'ERR_LG_STOPPED'
  // answers about the license
  | 'ERR_LG_TIER_REQUIRED'
  | 'ERR_LG_NO_LICENSE'
  | 'ERR_LG_LICENSE_UNAVAILABLE'
  | 'ERR_LG_SEATS_EXHAUSTED'
  | 'ERR_LG_SEAT_KEY'
  | 'ERR_LG_SEAT_CONTENTION'
  | 'ERR_LG_NO_SEATS'
  | 'ERR_LG_NO_SEAT'
  | 'ERR_LG_QUOTA_EXHAUSTED'
  | 'ERR_LG_INVALID_UNITS'
  | 'ERR_LG_UNKNOWN_DIMENSION'
  | 'ERR_LG_RESERVATION_SETTLED'
  // adapters
  | 'ERR_LG_GUARD_MISSING'
  | 'ERR_LG_GUARD_ORDER'
  | 'ERR_LG_PLUGIN_ORDER'
  | 'ERR_LG_UNKNOWN_GATE'
  // License Manager calls
  | 'ERR_LG_LICENSE_MANAGER_CONFIGURATION'
  // the drawdown journal
  | 'ERR_LG_JOURNAL_CONFLICT'
  // stores: what every Store raises (see StoreErrorCode)
  | StoreErrorCode
  // @licensegate/core/testing
  | 'ERR_LG_CLOCK_ADVANCE'
  // the `licensegate` command
  | 'ERR_LG_CLI_USAGE'
  | 'ERR_LG_CLI_CONFIG';

/**
 * Codes of the errors every store raises — `MemoryStore`, `RedisStore`, `FileStore`, and a store an
 * app writes — so that the engine and apps tell store outcomes apart by class and code, never by the
 * built-in class of an error. The classes are in `store/store-errors.ts`:
 * - `ERR_LG_STORE_ARGUMENT`: `StoreArgumentError` (a `TypeError`), a bad argument or a value JSON
 *   cannot represent faithfully; nothing changed;
 * - `ERR_LG_STORE_NOT_A_COUNTER`: `StoreNotACounterError` (a `TypeError`), an increment of a record
 *   whose value is not a number; nothing changed;
 * - `ERR_LG_STORE_COUNTER_RANGE`: `StoreCounterRangeError` (a `RangeError`), an increment whose
 *   result would leave the safe-integer range; nothing changed;
 * - `ERR_LG_STORE_CONTRACT`: a store broke the `Store` contract (it rejected with something
 *   that is not an `Error`);
 * - `ERR_LG_LICENSE_UNAVAILABLE`: `StoreUnavailableError` (a `LicenseUnavailableError`, HTTP 503),
 *   the store cannot be reached; `maybeApplied` says whether the call may have taken effect.
 *
 * A store package adds codes of its own beside these (`ERR_LG_FILE_STORE_*`, `ERR_LG_REDIS_*`),
 * in its own union, for what only it can meet (a locked directory, data it did not write).
 */
export type StoreErrorCode =
  | 'ERR_LG_STORE_ARGUMENT'
  | 'ERR_LG_STORE_NOT_A_COUNTER'
  | 'ERR_LG_STORE_COUNTER_RANGE'
  | 'ERR_LG_STORE_CONTRACT'
  | 'ERR_LG_LICENSE_UNAVAILABLE';

/** Base class of licensegate's errors: a stable `code` and a message that says how to fix it. */
export class LicenseGateError extends Error {
  /** Stable, documented code. */
  readonly code: LicenseGateErrorCode;

  static {
    brandErrorClass(this);
  }

  /**
   * `instanceof` of this class and its subclasses also knows an error made by another copy of
   * `@licensegate/core` (by its brand, `Symbol.for('licensegate.error')`, and its class name).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBrandedInstance(this, value);
  }

  constructor(code: LicenseGateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A mistake in the gate's options or in how it is used; thrown at once, never at request time. */
export class LicenseGateConfigurationError extends LicenseGateError {}

/** The license grants a lower tier than the one required (HTTP adapters answer 403). */
export class TierRequiredError extends LicenseGateError {
  /** The tier the route requires. */
  readonly requiredTier: string;
  /** The tier the license grants, or `null` for none. */
  readonly currentTier: string | null;

  constructor(requiredTier: string, currentTier: string | null) {
    super(
      'ERR_LG_TIER_REQUIRED',
      currentTier === null
        ? `This needs the ${requiredTier} tier, and the license grants no tier.`
        : `This needs the ${requiredTier} tier; the license grants ${currentTier}.`,
    );
    this.requiredTier = requiredTier;
    this.currentTier = currentTier;
  }
}

/**
 * License Manager answered definitively that nothing is granted: no license for this product, or
 * one that is expired, deactivated or otherwise not usable (HTTP adapters answer 403).
 */
export class NoLicenseError extends LicenseGateError {
  /** Why, in one word: `no-license`, `no-entitlement`, `expired`, or the license status in lower case. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super('ERR_LG_NO_LICENSE', message);
    this.reason = reason;
  }
}

/**
 * License Manager cannot be reached (throttling, 5xx, timeouts, network) and the failure policy
 * allows no fallback any more (HTTP adapters answer 503 with `Retry-After`).
 */
export class LicenseUnavailableError extends LicenseGateError {
  /** When to try again, in ms: the time to the next refresh attempt. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('ERR_LG_LICENSE_UNAVAILABLE', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** No floating seat is free (HTTP adapters answer 403, or 429 when the wait queue timed out). */
export class SeatsExhaustedError extends LicenseGateError {
  /** The seat entitlement, e.g. `ConcurrentUsers`. */
  readonly entitlement: string;
  /** The license's maximum, where known. */
  readonly limit: number | undefined;
  /** How long the request waited in the queue (0 without a queue). */
  readonly waitedMs: number;
  /** When a retry may find a seat (set when the request waited). */
  readonly retryAfterMs: number | undefined;

  constructor(entitlement: string, limit: number | undefined, waitedMs = 0, retryAfterMs?: number) {
    super(
      'ERR_LG_SEATS_EXHAUSTED',
      `No ${entitlement} seat is free${limit !== undefined ? ` (the license allows ${limit})` : ''}` +
        `${waitedMs > 0 ? ` after waiting ${Math.round(waitedMs)} ms` : ''}: wait for a user to log out, or buy more seats.`,
    );
    this.entitlement = entitlement;
    this.limit = limit;
    this.waitedMs = waitedMs;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The drawdown pool of a dimension is used up (HTTP adapters answer 402). */
export class QuotaExhaustedError extends LicenseGateError {
  /** The drawdown dimension, e.g. `DataConsumption`. */
  readonly dimension: string;

  /**
   * @param detail - for a request that needed more than is left (the pool is not used up): what it
   *   needed and what was left, as ` (…)`
   */
  constructor(dimension: string, detail = '') {
    super(
      'ERR_LG_QUOTA_EXHAUSTED',
      detail === ''
        ? `The ${dimension} units the license grants are used up; a renewal or a larger purchase restores them.`
        : `Not enough ${dimension} units are left for this request${detail}; a renewal or a larger purchase adds more.`,
    );
    this.dimension = dimension;
  }
}

/**
 * A seat record kept changing under concurrent writes (other requests, other instances) while this
 * one tried to change it: nothing was done; try again (HTTP adapters answer 503 + `Retry-After: 1`).
 */
export class SeatContentionError extends LicenseGateError {
  /** The seat key. */
  readonly key: string;

  constructor(key: string, action: string) {
    super(
      'ERR_LG_SEAT_CONTENTION',
      `The seat ${JSON.stringify(key)} kept changing while it was being ${action} (concurrent requests for it); nothing was done — try again.`,
    );
    this.key = key;
  }
}

/** A number of units that cannot be debited: not a whole, finite, non-negative number within range. */
export class InvalidUnitsError extends LicenseGateError {
  /** The value given. */
  readonly units: unknown;

  constructor(dimension: string, units: unknown) {
    super(
      'ERR_LG_INVALID_UNITS',
      `Cannot debit ${describe(units)} ${dimension} units: units must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}. Nothing was debited.`,
    );
    this.units = units;
  }
}

/**
 * The drawdown journal already holds a record this engine was about to create (`ERR_LG_JOURNAL_CONFLICT`):
 * two engines share an instance id, or another program writes in the store's drawdown namespace.
 * Instance ids are random, so it cannot happen to a sound setup; the debit is refused and nothing is
 * debited (HTTP adapters answer 500).
 */
export class JournalConflictError extends LicenseGateError {
  /** The journal key that was already taken. */
  readonly key: string;

  constructor(key: string, instanceId: string) {
    super(
      'ERR_LG_JOURNAL_CONFLICT',
      `The drawdown journal already holds ${key}; two engines share the instance id ${instanceId}, or another ` +
        "program writes in the store's drawdown namespace. Nothing was debited. Give every app its own store " +
        '(or Redis prefix); if that is so already, report it as a bug.',
    );
    this.key = key;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)} as`;
  if (typeof value === 'number') return String(value);
  return `a ${value === null ? 'null' : typeof value} as`;
}
