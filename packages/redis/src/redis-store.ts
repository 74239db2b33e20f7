/**
 * The Redis store: licensegate's {@link Store} for an app that runs on several instances (a cluster,
 * an autoscaling group, several pods) — seats, drawdown journals, engine heartbeats and tier
 * answers are shared by every instance through one Redis.
 *
 * What it guarantees:
 * - Every method is ONE atomic step: one EVALSHA of a Lua script on one hash, so concurrent calls
 *   from any number of processes never see one another half done (see `scripts.ts`).
 * - The same semantics as `MemoryStore`, checked by the same conformance suite: JSON values,
 *   versions from 1 growing by one per write, expiry read against the gate's clock (`now` is passed
 *   to each script; Redis's own clock and TTLs play no part), conditional writes, counters, and
 *   `StoreArgumentError`s (`ERR_LG_STORE_ARGUMENT`) for bad arguments before anything is sent.
 * - Cluster-ready keys: one hash per namespace, `<prefix>{<productSku>}:<part>`, so every key of a
 *   gate has the same hash tag and slot.
 * - While Redis is unreachable, each call fails within the client's timeouts with a
 *   {@link RedisUnavailableError} (503 for a request); the client reconnects by itself, and the
 *   store logs the outage and the recovery once each.
 *
 * What it does not guarantee:
 * - Durability beyond Redis's own: run Redis with persistence (AOF) and a replica where losing the
 *   drawdown journal would lose units.
 * - Keys that are not well-formed Unicode: they are sent as UTF-8, so two keys that differ only in
 *   lone surrogates are one key.
 *
 * @module
 */
import { systemClock, type Clock } from '@licensegate/core';
import type { ListedRecord, PutOptions, Store, StoreContext, StoreRecord } from '@licensegate/core/store';
import type { Cluster, Redis, RedisOptions } from 'ioredis';

import { Connection } from './connection.js';
import { RedisClient } from './ioredis-class.js';
import { serializeStoreValue as serializeValue } from '@licensegate/core/store';
import { HashKeys } from './keys.js';
import { readStoreOptions, STORE_CLIENT_DEFAULTS, type RedisStoreOptions } from './options.js';
import { UnexpectedReplyError } from './errors.js';
import { asNumber, asText, decodeRecord, parseValue } from './record-codec.js';
import { ScriptRunner } from './script-runner.js';
import { SCRIPTS } from './scripts.js';
import {
  assertBy,
  assertName,
  assertStoreContext,
  readDeleteOptions,
  readIncrementOptions,
  readPutOptions,
  StoreCounterRangeError,
  StoreNotACounterError,
} from '@licensegate/core/store';

/**
 * A {@link Store} in Redis, shared by every instance of an app. See the top of this module for
 * what it guarantees.
 *
 * One store can serve several gates of a process: each calls `init()` at start and `shutdown()` at
 * stop. The first `init()` sets the clock the store reads (later ones keep it) and connects a client
 * the store made; the last `shutdown()` quits that client (a client you passed stays open).
 *
 * @example
 * ```ts
 * import { createLicenseGate } from '@licensegate/core';
 * import { RedisStore } from '@licensegate/redis';
 *
 * const store = new RedisStore({ client: { host: 'redis.internal', port: 6379 } });
 * const gate = createLicenseGate({ productSku, seats: { entitlement: 'ConcurrentUsers' }, store });
 * ```
 */
export class RedisStore implements Store {
  /** Several processes share this store: gates on it share their tier answers. */
  readonly shared = true;
  /** Redis outlives the app's processes: the engine journals each charge before its response completes. */
  readonly durable = true;
  /** The prefix every key of this store starts with. */
  readonly prefix: string;
  readonly #keys: HashKeys;
  readonly #connection: Connection;
  readonly #scripts: ScriptRunner;
  #clock: Clock = systemClock;
  #users = 0;

  /**
   * @param options - the client (or its options), and optionally `prefix` and `logger`
   * @throws LicenseGateConfigurationError (`ERR_LG_OPTION_STORE`) when an option is unknown or invalid
   */
  constructor(options: RedisStoreOptions) {
    const resolved = readStoreOptions(options);
    const client = resolved.client ?? ownClient(resolved.clientOptions ?? {});
    this.prefix = resolved.prefix;
    this.#keys = new HashKeys(resolved.prefix);
    this.#connection = new Connection(client, resolved.client === undefined, resolved.logger, () => this.#clock.now());
    this.#scripts = new ScriptRunner(client);
  }

  /** The ioredis client the store talks through. */
  get client(): Redis | Cluster {
    return this.#connection.client;
  }

  /** The Redis key of the hash that holds a namespace (for tools and tests). */
  hashKeyOf(namespace: string): string {
    return this.#keys.of(namespace);
  }

  /**
   * Starts using the gate's clock (the first call's; later calls keep it) and connects. Resolves
   * once connected, or after 3 s without a connection: calls then fail with a clear error until
   * Redis is reachable.
   */
  async init(context: StoreContext): Promise<void> {
    assertStoreContext(context);
    if (this.#users === 0) this.#clock = context.clock;
    this.#users += 1;
    await this.#connection.open();
  }

  /** @inheritDoc */
  async get<T>(namespace: string, key: string): Promise<StoreRecord<T> | undefined> {
    assertName('get', 'namespace', namespace);
    assertName('get', 'key', key);
    const reply = await this.#scripts.run(SCRIPTS.get, this.#keys.of(namespace), [key, String(this.#clock.now())]);
    return reply === null ? undefined : decodeRecord<T>(reply);
  }

  /** @inheritDoc */
  async put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined> {
    assertName('put', 'namespace', namespace);
    assertName('put', 'key', key);
    const conditions = readPutOptions(options);
    const json = serializeValue(value);
    const now = this.#clock.now();
    const expiresAt = conditions.ttlMs === undefined ? '' : String(now + conditions.ttlMs);
    const condition = conditions.ifAbsent ? 'absent' : conditions.ifVersion !== undefined ? 'version' : '';
    const ifVersion = conditions.ifVersion === undefined ? '' : String(conditions.ifVersion);
    const reply = await this.#scripts.run(SCRIPTS.put, this.#keys.of(namespace), [
      key,
      String(now),
      expiresAt,
      condition,
      ifVersion,
      json,
    ]);
    return reply === null ? undefined : asNumber(reply);
  }

  /** @inheritDoc */
  async delete(namespace: string, key: string, options?: { ifVersion?: number }): Promise<boolean> {
    assertName('delete', 'namespace', namespace);
    assertName('delete', 'key', key);
    const ifVersion = readDeleteOptions(options);
    const reply = await this.#scripts.run(SCRIPTS.delete, this.#keys.of(namespace), [
      key,
      String(this.#clock.now()),
      ifVersion === undefined ? '' : String(ifVersion),
    ]);
    return reply === 1;
  }

  /** @inheritDoc */
  async list<T>(namespace: string): Promise<ListedRecord<T>[]> {
    assertName('list', 'namespace', namespace);
    const reply = await this.#scripts.run(SCRIPTS.list, this.#keys.of(namespace), [String(this.#clock.now())]);
    if (!Array.isArray(reply) || reply.length % 2 !== 0)
      throw new UnexpectedReplyError('a list reply that is not pairs');
    const listed: ListedRecord<T>[] = [];
    for (let i = 0; i < reply.length; i += 2) listed.push({ key: asText(reply[i]), ...decodeRecord<T>(reply[i + 1]) });
    return listed;
  }

  /**
   * Adds `by` to a counter and returns the new value. A key without a live record starts at 0;
   * each call is a write (the version grows by one). The record keeps its expiry unless `ttlMs`
   * is given, which sets a new one.
   * @throws StoreNotACounterError when the live record's value is not a number (nothing changes)
   * @throws StoreCounterRangeError when the result would leave the safe-integer range (nothing changes)
   */
  async increment(namespace: string, key: string, by: number, options?: { ttlMs?: number }): Promise<number> {
    assertName('increment', 'namespace', namespace);
    assertName('increment', 'key', key);
    assertBy(by);
    const ttlMs = readIncrementOptions(options);
    const now = this.#clock.now();
    const reply = await this.#scripts.run(SCRIPTS.increment, this.#keys.of(namespace), [
      key,
      String(now),
      String(by),
      ttlMs === undefined ? '' : String(now + ttlMs),
    ]);
    if (!Array.isArray(reply)) throw new UnexpectedReplyError('an increment reply that is not a list');
    const status = asText(reply[0]);
    if (status === 'ok') return asNumber(reply[1]);
    if (status === 'type') throw new StoreNotACounterError(namespace, key, parseValue(asText(reply[1])));
    if (status === 'range') throw new StoreCounterRangeError(namespace, key);
    throw new UnexpectedReplyError(`an increment status ${JSON.stringify(status)}`);
  }

  /**
   * Says that one gate stops using the store. The last call quits a client the store made (a later
   * `init()` connects it again); the records stay in Redis. Calls beyond the number of `init()`
   * calls do nothing.
   */
  async shutdown(): Promise<void> {
    if (this.#users === 0) return;
    this.#users -= 1;
    if (this.#users === 0) await this.#connection.close();
  }
}

/** A client the store owns: the app's URL or options, the store's defaults, and the two settings it cannot do without. */
function ownClient(from: RedisOptions | string): Redis {
  const options = typeof from === 'string' ? {} : from;
  const settings: RedisOptions = {
    ...STORE_CLIENT_DEFAULTS,
    ...options,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
  };
  return typeof from === 'string' ? new RedisClient(from, settings) : new RedisClient(settings);
}
