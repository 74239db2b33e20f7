/**
 * Options of the Redis store, their defaults, and the connection settings the store needs.
 *
 * @module
 */
import { LicenseGateConfigurationError, stderrLogger, type Logger } from '@licensegate/core';
import { assertKnownOptions, backoffDelay, type BackoffPolicy } from '@licensegate/core/store';
import type { Cluster, Redis, RedisOptions } from 'ioredis';

/** The default key prefix: every key the store writes starts with it. */
export const DEFAULT_PREFIX = 'licensegate:';

/** The longest a reconnect waits, in ms (the client retries with growing delays up to this). */
export const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnecting to Redis: 50 ms, doubling, at most {@link MAX_RECONNECT_DELAY_MS}; no jitter (one client per process). */
const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: MAX_RECONNECT_DELAY_MS, jitter: 'none' };

/**
 * The connection settings a store-made client gets on top of yours, and why:
 *
 * - `enableOfflineQueue: false` — while Redis is down a call fails at once (503 for the request)
 *   instead of waiting in a queue;
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false` — a command whose answer
 *   was lost with the connection is failed, never sent a second time: a resent `increment` would
 *   count drawdown units twice;
 * - `commandTimeout: 2000` and `connectTimeout: 2000` — a hung server fails calls within 2 s;
 * - `retryStrategy` — reconnect after 50 ms, doubling to at most 1 s, forever;
 * - `lazyConnect: true` — the store connects at `init()`.
 */
export const STORE_CLIENT_DEFAULTS: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  retryStrategy: (times: number) => backoffDelay(RECONNECT_BACKOFF, times),
  lazyConnect: true,
});

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Your ioredis client (a `Redis` or a `Cluster`), or what to make one from: a URL
   * (`redis://user:password@host:6379/0`, `rediss://` for TLS) or ioredis options
   * (`{ host, port, password, tls, ... }`).
   *
   * A client made from options belongs to the store: it gets {@link STORE_CLIENT_DEFAULTS} (your
   * options win, except `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`, which
   * keep a command from running twice or hanging), connects at the first `init()` and quits at the
   * last `shutdown()`. A client you pass stays yours: the store never quits it, and it must not
   * resend commands on reconnect (`autoResendUnfulfilledCommands: false`, checked);
   * `maxRetriesPerRequest: 0`, `enableOfflineQueue: false` and a `commandTimeout` are advised.
   */
  readonly client: Redis | Cluster | RedisOptions | string;
  /**
   * Starts every key; lets several apps or environments share one Redis. No `{` or `}`: the store
   * puts its own hash tag after it.
   * @defaultValue `'licensegate:'` ({@link DEFAULT_PREFIX})
   */
  readonly prefix?: string;
  /**
   * Where the store says that Redis went away and came back (once per outage each). Default: the
   * gate's default, `stderrLogger` (JSON lines to stderr from `info` up).
   */
  readonly logger?: Logger;
}

/** The options after validation. */
export interface ResolvedStoreOptions {
  /** The app's client, or `undefined` when the store makes its own. */
  readonly client: Redis | Cluster | undefined;
  /** What the store makes its client from: a URL, or options. */
  readonly clientOptions: RedisOptions | string | undefined;
  readonly prefix: string;
  readonly logger: Logger;
}

const KNOWN = ['client', 'prefix', 'logger'];

/**
 * Checks the options.
 * @throws LicenseGateConfigurationError (`ERR_LG_OPTION_STORE`) naming the option and how to fix it
 */
export function readStoreOptions(options: unknown): ResolvedStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError('the options must be an object, e.g. { client: { host: "127.0.0.1", port: 6379 } }.');
  }
  assertKnownOptions(
    options,
    KNOWN,
    (message) => {
      throw optionError(message);
    },
    { known: KNOWN },
  );
  const { client, prefix = DEFAULT_PREFIX, logger = stderrLogger } = options as RedisStoreOptions;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw optionError(
      `prefix must be a string without "{" or "}" (the store adds its own hash tag); got ${JSON.stringify(prefix)}.`,
    );
  }
  if (
    typeof logger !== 'object' ||
    logger === null ||
    !['debug', 'info', 'warn', 'error'].every(
      (m) => typeof (logger as unknown as Record<string, unknown>)[m] === 'function',
    )
  ) {
    throw optionError('logger must have debug(), info(), warn() and error() methods (pino-shaped).');
  }
  if (typeof client === 'string') {
    if (!/^rediss?:\/\//.test(client)) throw optionError('a client URL starts with redis:// or rediss://.');
    return { client: undefined, clientOptions: client, prefix, logger };
  }
  if (typeof client !== 'object' || client === null || Array.isArray(client)) {
    throw optionError(
      'client must be an ioredis client (Redis or Cluster), a redis:// URL, or ioredis options, e.g. { host, port }.',
    );
  }
  if (!isClient(client)) return { client: undefined, clientOptions: client as RedisOptions, prefix, logger };
  const resends = client.isCluster
    ? (client as Cluster).options.redisOptions?.autoResendUnfulfilledCommands
    : (client as Redis).options.autoResendUnfulfilledCommands;
  if (resends !== false) {
    throw optionError(
      'the ioredis client resends commands whose answer was lost when it reconnects (autoResendUnfulfilledCommands), ' +
        'which could count drawdown units twice. Make it with autoResendUnfulfilledCommands: false ' +
        '(for a Cluster, in redisOptions), or give the store its options instead of a client.',
    );
  }
  return { client: client as Redis | Cluster, clientOptions: undefined, prefix, logger };
}

/** Whether `value` is an ioredis client rather than its options. */
function isClient(value: object): value is Redis | Cluster {
  const candidate = value as { evalsha?: unknown; isCluster?: unknown };
  return typeof candidate.evalsha === 'function' && typeof candidate.isCluster === 'boolean';
}

function optionError(detail: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError('ERR_LG_OPTION_STORE', `RedisStore: ${detail}`);
}
