/**
 * What the Redis store rejects with when Redis cannot serve a call.
 *
 * @module
 */
import { LicenseUnavailableError } from '@licensegate/core';

import { UnexpectedReplyError } from './record-codec.js';

/** How long an app is told to wait before trying again (`Retry-After`) while Redis is unreachable. */
export const REDIS_RETRY_AFTER_MS = 1_000;

/**
 * Redis cannot be reached (connection refused or lost, a timeout, a server that is loading or
 * read-only): the call was refused, and the engine treats it as it treats License Manager being
 * unreachable — HTTP adapters answer 503 with `Retry-After`.
 *
 * `maybeApplied` tells the two cases apart: `false` when the command never left this process
 * (nothing changed in Redis), `true` when it was sent and its answer was lost (it may have run).
 */
export class RedisUnavailableError extends LicenseUnavailableError {
  /** Whether the command may have run in Redis although the call failed. */
  readonly maybeApplied: boolean;

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
      REDIS_RETRY_AFTER_MS,
      { cause },
    );
    this.maybeApplied = maybeApplied;
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
 * connection trouble and temporary server states, or an `Error` naming the operation for anything
 * else (e.g. a WRONGTYPE reply: another program's data under the store's prefix).
 */
export function storeErrorOf(operation: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError') {
    const kind = message.split(' ', 1)[0] ?? '';
    if (UNAVAILABLE_REPLIES.includes(kind)) return new RedisUnavailableError(operation, error, false);
    if (kind === NOT_A_RECORD) return new UnexpectedReplyError(`a hash field that is not a record, in ${operation}()`);
    return new Error(`RedisStore: Redis refused the ${operation}() script: ${message}`, { cause: error });
  }
  return new RedisUnavailableError(operation, error, !message.startsWith(NOT_SENT));
}
