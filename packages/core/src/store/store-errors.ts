/**
 * The errors every {@link Store} raises — `MemoryStore`, `RedisStore`, `FileStore` and any store an
 * app writes — so that the engine (and an app) tells store outcomes apart by class and `code`,
 * never by the built-in class of an error or by a field that only some stores set:
 *
 * | class | code | when | changed? |
 * | --- | --- | --- | --- |
 * | {@link StoreArgumentError} (a `TypeError`) | `ERR_LG_STORE_ARGUMENT` | a bad argument, or a value JSON cannot represent faithfully | nothing |
 * | {@link StoreNotACounterError} (a `TypeError`) | `ERR_LG_STORE_NOT_A_COUNTER` | `increment()` of a record whose value is not a number | nothing |
 * | {@link StoreCounterRangeError} (a `RangeError`) | `ERR_LG_STORE_COUNTER_RANGE` | `increment()` whose result would leave the safe-integer range | nothing |
 * | {@link StoreUnavailableError} (a `LicenseUnavailableError`, 503) | `ERR_LG_LICENSE_UNAVAILABLE` | the store cannot be reached, or cannot make a write durable | nothing, unless `maybeApplied` |
 *
 * The first three extend the built-in class a store threw before they existed, so code that
 * catches a `TypeError` or a `RangeError` from a store still does; licensegate itself only ever
 * tests these classes. The conformance suite (`@licensegate/core/testing`) checks that a store
 * raises them.
 *
 * @module
 */
import { brandErrorClass, isBrandedInstance } from '../brand.js';
import { LicenseUnavailableError } from '../errors.js';
import { describeValue } from './describe-value.js';

/** How long an app is told to wait before trying again (`Retry-After`) when a store gives no figure: 1 s. */
export const STORE_RETRY_AFTER_MS = 1_000;

/** What a {@link StoreUnavailableError} is given beyond its message. */
export interface StoreUnavailableErrorOptions {
  /**
   * Whether the call may have taken effect in the store although it failed: `false` when it
   * surely did not (it never reached the store, or the store undid it), `true` when its answer was
   * lost on the way back (it may have run).
   */
  readonly maybeApplied: boolean;
  /** When to try again, in ms. @defaultValue 1_000 ({@link STORE_RETRY_AFTER_MS}) */
  readonly retryAfterMs?: number;
  /** The store's own error (the client's, the file system's). */
  readonly cause?: unknown;
}

/**
 * The store cannot serve the call now: it cannot be reached (Redis down, a lost connection, a
 * timeout) or cannot make a write durable (a full disk). It is a `LicenseUnavailableError`
 * (`ERR_LG_LICENSE_UNAVAILABLE`, HTTP 503 with `Retry-After`), so the engine applies the
 * `onUnavailable` policy to it as it does while License Manager is unreachable.
 *
 * `maybeApplied` tells the two fates of a write apart. The engine keeps a batch-mode debit in
 * memory (within its bound) only when it is `false`; when it is `true`, the write may have
 * counted, so the debit is refused rather than counted twice.
 */
export class StoreUnavailableError extends LicenseUnavailableError {
  /** Whether the call may have taken effect in the store although it failed. */
  readonly maybeApplied: boolean;

  /**
   * @param message - what failed and how to fix it (the store, the call, the cause)
   * @param options - `maybeApplied`, and optionally `retryAfterMs` and `cause`
   */
  constructor(message: string, options: StoreUnavailableErrorOptions) {
    super(
      message,
      options.retryAfterMs ?? STORE_RETRY_AFTER_MS,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.maybeApplied = options.maybeApplied;
  }
}

/**
 * A store method was called with a bad argument (an empty namespace or key, a ttl that is not a
 * positive number, an unknown option, …) or a value JSON cannot represent faithfully. The call was
 * refused before it did anything: nothing changed. A bug in the caller; the message names the
 * argument and what it must be.
 */
export class StoreArgumentError extends TypeError {
  static {
    brandErrorClass(this);
  }

  /** `instanceof` also knows this error made by another copy of `@licensegate/core` (see LicenseGateError). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBrandedInstance(this, value);
  }

  /** Stable, documented code. */
  readonly code: 'ERR_LG_STORE_ARGUMENT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = 'ERR_LG_STORE_ARGUMENT';
  }
}

/**
 * `increment()` found a live record whose value is not a number: it is not a counter, and nothing
 * changed. The drawdown journal relies on it: a counter claimed by another engine is turned into a
 * record that is not a number, so that a late increment of it fails with this error.
 */
export class StoreNotACounterError extends TypeError {
  static {
    brandErrorClass(this);
  }

  /** `instanceof` also knows this error made by another copy of `@licensegate/core` (see LicenseGateError). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBrandedInstance(this, value);
  }

  /** Stable, documented code. */
  readonly code: 'ERR_LG_STORE_NOT_A_COUNTER';
  /** The namespace of the record. */
  readonly namespace: string;
  /** The key of the record. */
  readonly key: string;

  /**
   * @param value - what the record holds
   */
  constructor(namespace: string, key: string, value: unknown) {
    super(
      `increment(): the record "${key}" in "${namespace}" holds ${describeValue(value)}, not a number; ` +
        'it is not a counter, and nothing was changed. Increment only keys whose value is a number (or that have no record).',
    );
    this.name = new.target.name;
    this.code = 'ERR_LG_STORE_NOT_A_COUNTER';
    this.namespace = namespace;
    this.key = key;
  }
}

/** `increment()` would take a counter out of the safe-integer range (±2^53-1): nothing changed. */
export class StoreCounterRangeError extends RangeError {
  static {
    brandErrorClass(this);
  }

  /** `instanceof` also knows this error made by another copy of `@licensegate/core` (see LicenseGateError). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBrandedInstance(this, value);
  }

  /** Stable, documented code. */
  readonly code: 'ERR_LG_STORE_COUNTER_RANGE';
  /** The namespace of the counter. */
  readonly namespace: string;
  /** The key of the counter. */
  readonly key: string;

  constructor(namespace: string, key: string) {
    super(
      `increment(): the counter "${key}" in "${namespace}" would leave the safe-integer range ` +
        `(±${Number.MAX_SAFE_INTEGER}); nothing was changed.`,
    );
    this.name = new.target.name;
    this.code = 'ERR_LG_STORE_COUNTER_RANGE';
    this.namespace = namespace;
    this.key = key;
  }
}
