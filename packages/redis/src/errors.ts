/**
 * What the Redis store rejects with. Beside the errors every store raises (`StoreArgumentError`,
 * `StoreNotACounterError`, `StoreCounterRangeError` and `StoreUnavailableError`, from
 * `@licensegate/core`), it has codes of its own for what only Redis can meet; the package README
 * lists them with how to fix each.
 *
 * @module
 */
import { StoreUnavailableError } from '@licensegate/core/store';

/** How long an app is told to wait before trying again (`Retry-After`) while Redis is unreachable. */
export const REDIS_RETRY_AFTER_MS = 1_000;

/**
 * Stable codes of {@link RedisStoreError} and of `@licensegate/redis/testing`. Codes never change
 * meaning; new ones are only added. None is the same as a code of `@licensegate/core`.
 */
export type RedisErrorCode =
  /** Redis holds, under the store's prefix, data this store did not write. */
  | 'ERR_LG_REDIS_UNEXPECTED_DATA'
  /** Redis refused a script with an error that is not an outage (e.g. `WRONGTYPE`, `NOPERM`). */
  | 'ERR_LG_REDIS_REFUSED'
  /** `startRedisServer()` (`@licensegate/redis/testing`) found no `redis-server`, or it did not start. */
  | 'ERR_LG_REDIS_TEST_SERVER';

/**
 * An error of the Redis store that is not an outage (see {@link RedisUnavailableError}): Redis
 * answered, but not as this store expects. The call failed; what Redis holds is as it was.
 */
export class RedisStoreError extends Error {
  /** Stable, documented code. */
  readonly code: RedisErrorCode;

  constructor(code: RedisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Redis holds something this store did not write (`ERR_LG_REDIS_UNEXPECTED_DATA`): another program
 * writes under the store's prefix.
 */
export class UnexpectedReplyError extends RedisStoreError {
  /** @param detail - what was found, e.g. `a record without its version and expiry` */
  constructor(detail: string) {
    super(
      'ERR_LG_REDIS_UNEXPECTED_DATA',
      `RedisStore: unexpected data in Redis (${detail}). Is another program writing under this store's prefix? ` +
        'Give the store a prefix of its own.',
    );
  }
}

/**
 * Redis cannot be reached (connection refused or lost, a timeout, a server that is loading or
 * read-only): the call was refused. It is a `StoreUnavailableError`, so a `LicenseUnavailableError`
 * (`ERR_LG_LICENSE_UNAVAILABLE`): the engine treats it as it treats License Manager being
 * unreachable — HTTP adapters answer 503 with `Retry-After`.
 *
 * `maybeApplied` tells the two cases apart: `false` when the command never left this process
 * (nothing changed in Redis), `true` when it was sent and its answer was lost (it may have run).
 */
export class RedisUnavailableError extends StoreUnavailableError {
  /**
   * @param operation - the store method, e.g. `increment`
   * @param cause - ioredis's error
   * @param maybeApplied - whether the command was sent before it failed
   */
  constructor(operation: string, cause: unknown, maybeApplied: boolean) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `Redis cannot be reached, so the store's ${operation}() failed (${reason}). licensegate keeps seats, ` +
        `drawdown journals and shared tier answers in Redis; ${
          maybeApplied ? 'the command was sent and may have run' : 'nothing was changed'
        }. Check that Redis is up and reachable; the client reconnects by itself.`,
      { maybeApplied, retryAfterMs: REDIS_RETRY_AFTER_MS, cause },
    );
  }
}

/** Replies of a server that cannot serve now but will: the command did not run. */
const UNAVAILABLE_REPLIES = [
  'LOADING',
  'BUSY',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'READONLY',
  'OOM',
  'NOREPLICAS',
];

/** The error reply of a script that found a hash field it did not write (see `scripts.ts`). */
const NOT_A_RECORD = 'LGNOTRECORD';

/** ioredis's message for a command refused locally because the connection is down (never sent). */
const NOT_SENT = "Stream isn't writeable";

/**
 * The error a store call rejects with for an ioredis failure: a {@link RedisUnavailableError} for
 * connection trouble and temporary server states, an {@link UnexpectedReplyError} for a field the
 * store did not write, or a {@link RedisStoreError} `ERR_LG_REDIS_REFUSED` naming the operation for
 * any other refusal (e.g. a WRONGTYPE reply: another program's data under the store's prefix).
 */
export function storeErrorOf(operation: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError') {
    const kind = message.split(' ', 1)[0] ?? '';
    if (UNAVAILABLE_REPLIES.includes(kind)) return new RedisUnavailableError(operation, error, false);
    if (kind === NOT_A_RECORD) return new UnexpectedReplyError(`a hash field that is not a record, in ${operation}()`);
    return new RedisStoreError(
      'ERR_LG_REDIS_REFUSED',
      `RedisStore: Redis refused the ${operation}() script: ${message}. Is another program writing under this ` +
        "store's prefix, or does the Redis user lack a permission (EVALSHA, EVAL, SCRIPT LOAD)?",
      { cause: error },
    );
  }
  return new RedisUnavailableError(operation, error, !message.startsWith(NOT_SENT));
}
