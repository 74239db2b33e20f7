/**
 * The in-memory store: licensegate's default {@link Store}, for an app that runs as ONE process.
 *
 * What it guarantees:
 * - Every method is atomic. It does all its work in one synchronous step, when it is called, so
 *   concurrent calls from anywhere in the process never see one another half done. It still
 *   answers with a promise, like every store.
 * - Values are kept serialized as JSON, so this store behaves exactly as a network store such as
 *   Redis does: a caller that changes an object after `put()` or after `get()` changes nothing
 *   stored; `undefined` members vanish and Dates come back as strings. Values that JSON cannot
 *   represent faithfully (functions, symbols, bigints, NaN and ±Infinity, a top-level `undefined`,
 *   cycles) are refused with a `StoreArgumentError` rather than silently changed.
 * - Expiry is a timestamp on each record, read against the clock given to `init()` (the system
 *   clock before that). A record whose `expiresAt` has come is gone for every method at once,
 *   whether or not it has been swept yet. There is no timer per record: ONE sweep deletes expired
 *   records every `sweepIntervalMs`, on an unref'd timer that never keeps the process alive.
 * - Bad arguments (an empty namespace or key, a ttl that is not a positive number, a version that
 *   is not a positive integer, a non-integer `by`) reject with a `StoreArgumentError`
 *   (`ERR_LG_STORE_ARGUMENT`) and change nothing; see `store-errors.ts` for every error a store raises.
 *
 * What it does not guarantee:
 * - Sharing between processes. Each process that creates a MemoryStore has its own seats, its own
 *   drawdown journal and its own tier answer, so seat limits hold per process only. Run the app on
 *   several instances (a cluster, an autoscaling group, several pods)? Use `@licensegate/redis`.
 * - Surviving a restart or a crash. Everything lives in memory: units debited but not yet reported
 *   are lost with the process, and seats it held are recovered only by License Manager's own
 *   60-minute check-in.
 * - A bound on its size. Records without a ttl stay until they are deleted.
 *
 * @module
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { LicenseGateConfigurationError } from '../errors.js';
import { SingleTimer } from '../util/single-timer.js';
import { assertKnownOptions } from '../validation/unknown-options.js';
import type { ListedRecord, PutOptions, Store, StoreContext, StoreRecord } from './store.js';
import { describeValue as describe } from './describe-value.js';
import {
  assertBy,
  assertName,
  assertStoreContext,
  readDeleteOptions,
  readIncrementOptions,
  readPutOptions,
} from './store-arguments.js';
import { StoreArgumentError, StoreCounterRangeError, StoreNotACounterError } from './store-errors.js';

/** How often the sweep runs when {@link MemoryStoreOptions.sweepIntervalMs} is not given: every minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** The names of the options of {@link MemoryStore}. */
const STORE_OPTION_NAMES: readonly (keyof MemoryStoreOptions)[] = ['sweepIntervalMs'];

/** The longest delay a Node.js timer can wait (about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How often, in ms, the one sweep deletes expired records. Expired records are invisible at
   * once whatever this is; it only bounds how long their memory stays taken.
   * @defaultValue 60_000 (one minute)
   */
  readonly sweepIntervalMs?: number;
}

/** A record as this store keeps it: the value as JSON text, never as a live object. */
interface Entry {
  readonly json: string;
  readonly version: number;
  readonly expiresAt: number | null;
}

/**
 * The default store: every record in a `Map` of this process, values kept as JSON. See the top of
 * this module for what it guarantees and what it does not.
 *
 * About versions: a key's version starts at 1 and grows by one on each write. A key that has no
 * live record — never written, deleted, or expired — starts again at version 1 on its next write
 * (a network store cannot remember a key it has dropped), so compare-and-set with `ifVersion`
 * only compares writes of the same life of a key.
 *
 * A store can be shared by several gates: each calls `init()` at start and `shutdown()` at stop.
 * The sweep starts at the first `init()`, with that call's clock, and stops at the last
 * `shutdown()`. The records stay after that, and the store stays usable with the same clock.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ sweepIntervalMs: 30_000 });
 * const gate = createLicenseGate({ productSku, tiers: ['Basic', 'Premium'], store });
 * ```
 */
export class MemoryStore implements Store {
  /**
   * One process only: tier answers are not shared through it, and batch-mode drawdown debits are
   * written to it when their epoch is sealed rather than one by one (a crash loses the store too).
   */
  readonly shared: boolean = false;
  readonly #namespaces = new Map<string, Map<string, Entry>>();
  readonly #sweepIntervalMs: number;
  #clock: Clock = systemClock;
  #users = 0;
  #sweepTimer: SingleTimer | undefined;

  /**
   * @param options - the store's options; all are optional
   * @throws LicenseGateConfigurationError (`ERR_LG_OPTION_STORE`) when an option is unknown or invalid
   */
  constructor(options: MemoryStoreOptions = {}) {
    this.#sweepIntervalMs = readStoreOptions(options).sweepIntervalMs;
  }

  /** How many records the store holds: the live ones and the expired ones not swept yet. For tests and benchmarks. */
  get size(): number {
    let size = 0;
    for (const records of this.#namespaces.values()) size += records.size;
    return size;
  }

  /**
   * Starts using the gate's clock and, at the first call, the sweep. Each gate that shares the
   * store calls it once; while one gate still uses the store, later calls keep the first clock.
   */
  async init(context: StoreContext): Promise<void> {
    assertStoreContext(context);
    if (this.#users === 0) {
      this.#clock = context.clock;
      this.#armSweep();
    }
    this.#users += 1;
  }

  /** @inheritDoc */
  async get<T>(namespace: string, key: string): Promise<StoreRecord<T> | undefined> {
    assertName('get', 'namespace', namespace);
    assertName('get', 'key', key);
    const entry = this.#live(namespace, key, this.#clock.now());
    return entry === undefined ? undefined : toRecord<T>(entry);
  }

  /** @inheritDoc */
  async put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined> {
    assertName('put', 'namespace', namespace);
    assertName('put', 'key', key);
    const conditions = readPutOptions(options);
    const json = serializeStoreValue(value);
    const now = this.#clock.now();
    const current = this.#live(namespace, key, now);
    if (conditions.ifAbsent && current !== undefined) return undefined;
    if (conditions.ifVersion !== undefined && current?.version !== conditions.ifVersion) return undefined;
    const version = (current?.version ?? 0) + 1;
    const expiresAt = conditions.ttlMs === undefined ? null : now + conditions.ttlMs;
    this.#set(namespace, key, { json, version, expiresAt });
    return version;
  }

  /** @inheritDoc */
  async delete(namespace: string, key: string, options?: { ifVersion?: number }): Promise<boolean> {
    assertName('delete', 'namespace', namespace);
    assertName('delete', 'key', key);
    const ifVersion = readDeleteOptions(options);
    const current = this.#live(namespace, key, this.#clock.now());
    if (current === undefined) return false;
    if (ifVersion !== undefined && current.version !== ifVersion) return false;
    this.#remove(namespace, key);
    return true;
  }

  /** @inheritDoc */
  async list<T>(namespace: string): Promise<ListedRecord<T>[]> {
    assertName('list', 'namespace', namespace);
    const records = this.#namespaces.get(namespace);
    if (records === undefined) return [];
    const now = this.#clock.now();
    const listed: ListedRecord<T>[] = [];
    for (const [key, entry] of records) {
      if (isExpired(entry, now)) records.delete(key);
      else listed.push({ key, ...toRecord<T>(entry) });
    }
    if (records.size === 0) this.#namespaces.delete(namespace);
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
    const current = this.#live(namespace, key, now);
    const value = (current === undefined ? 0 : counterValue(current, namespace, key)) + by;
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      throw new StoreCounterRangeError(namespace, key);
    }
    const expiresAt = ttlMs === undefined ? (current?.expiresAt ?? null) : now + ttlMs;
    this.#set(namespace, key, { json: JSON.stringify(value), version: (current?.version ?? 0) + 1, expiresAt });
    return value;
  }

  /**
   * Says that one gate stops using the store. The last call stops the sweep; the records stay.
   * Calls beyond the number of `init()` calls do nothing.
   */
  async shutdown(): Promise<void> {
    if (this.#users === 0) return;
    this.#users -= 1;
    if (this.#users === 0) this.#stopSweep();
  }

  /** The live entry of a key; an expired one found on the way is deleted. */
  #live(namespace: string, key: string, now: number): Entry | undefined {
    const records = this.#namespaces.get(namespace);
    const entry = records?.get(key);
    if (entry === undefined || !isExpired(entry, now)) return entry;
    this.#remove(namespace, key);
    return undefined;
  }

  #set(namespace: string, key: string, entry: Entry): void {
    let records = this.#namespaces.get(namespace);
    if (records === undefined) {
      records = new Map();
      this.#namespaces.set(namespace, records);
    }
    records.set(key, entry);
  }

  #remove(namespace: string, key: string): void {
    const records = this.#namespaces.get(namespace);
    if (records === undefined) return;
    records.delete(key);
    if (records.size === 0) this.#namespaces.delete(namespace);
  }

  #armSweep(): void {
    // One timer on the clock of the gate that started using the store (see init()).
    if (this.#sweepTimer === undefined) this.#sweepTimer = new SingleTimer(this.#clock, () => this.#runSweep());
    this.#sweepTimer.armIn(this.#sweepIntervalMs);
  }

  #stopSweep(): void {
    this.#sweepTimer?.cancel();
    this.#sweepTimer = undefined;
  }

  #runSweep(): void {
    if (this.#users === 0) return;
    try {
      this.#sweep(this.#clock.now());
    } finally {
      this.#armSweep();
    }
  }

  /** Deletes every expired record, and every namespace left empty. */
  #sweep(now: number): void {
    for (const [namespace, records] of this.#namespaces) {
      for (const [key, entry] of records) {
        if (isExpired(entry, now)) records.delete(key);
      }
      if (records.size === 0) this.#namespaces.delete(namespace);
    }
  }
}

/**
 * Turns a value into the JSON text a store keeps, refusing what JSON cannot represent faithfully:
 * a function, a symbol or a bigint anywhere, a number that is NaN or ±Infinity anywhere, a cycle,
 * and a value that serializes to nothing (a top-level `undefined`). What JSON changes by design is
 * allowed: `undefined` object members vanish (in arrays they become `null`), and objects with a
 * `toJSON()` method, such as Dates, are stored as what it returns.
 *
 * Every store should serialize with this function, so that all stores accept and refuse the same values.
 *
 * @throws StoreArgumentError (`ERR_LG_STORE_ARGUMENT`) naming the member that cannot be stored
 */
export function serializeStoreValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value, rejectUnrepresentable);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreArgumentError(`Cannot store this value as JSON: ${reason}`, { cause: error });
  }
  if (json === undefined) {
    throw new StoreArgumentError('Cannot store this value as JSON: it is undefined. Store null, or delete the record.');
  }
  return json;
}

/** A `JSON.stringify` replacer that throws on members JSON would drop or change silently. */
function rejectUnrepresentable(key: string, member: unknown): unknown {
  const where = key === '' ? 'the value' : `the member "${key}"`;
  switch (typeof member) {
    case 'function':
    case 'symbol':
    case 'bigint':
      throw new StoreArgumentError(`${where} is a ${typeof member}.`);
    case 'number':
      if (!Number.isFinite(member))
        throw new StoreArgumentError(`${where} is ${member}, which JSON would store as null.`);
      return member;
    default:
      return member;
  }
}

function isExpired(entry: Entry, now: number): boolean {
  return entry.expiresAt !== null && entry.expiresAt <= now;
}

/** A fresh record for a caller: the value parsed anew, so no two callers share an object. */
function toRecord<T>(entry: Entry): StoreRecord<T> {
  const value: unknown = JSON.parse(entry.json);
  return { value: value as T, version: entry.version, expiresAt: entry.expiresAt };
}

function counterValue(entry: Entry, namespace: string, key: string): number {
  const value: unknown = JSON.parse(entry.json);
  if (typeof value !== 'number') throw new StoreNotACounterError(namespace, key, value);
  return value;
}

/** The constructor's options after validation. */
function readStoreOptions(options: unknown): { sweepIntervalMs: number } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw storeOptionError(`the options must be an object; got ${describe(options)}.`);
  }
  assertKnownOptions(
    options,
    STORE_OPTION_NAMES,
    (message) => {
      throw storeOptionError(message);
    },
    { known: STORE_OPTION_NAMES },
  );
  const { sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS } = options as MemoryStoreOptions;
  if (
    typeof sweepIntervalMs !== 'number' ||
    !Number.isFinite(sweepIntervalMs) ||
    sweepIntervalMs <= 0 ||
    sweepIntervalMs > MAX_TIMER_DELAY_MS
  ) {
    throw storeOptionError(
      `sweepIntervalMs must be a positive number of milliseconds, at most ${MAX_TIMER_DELAY_MS} (about 24.8 days); ` +
        `got ${describe(sweepIntervalMs)}. Leave it out for the default, ${DEFAULT_SWEEP_INTERVAL_MS}.`,
    );
  }
  return { sweepIntervalMs };
}

function storeOptionError(detail: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError('ERR_LG_OPTION_STORE', `MemoryStore: ${detail}`);
}
