import type { Clock } from '../clock.js';

/** A record as a store holds it. Values are JSON: what goes in is what a JSON round trip gives back. */
export interface StoreRecord<T = unknown> {
  readonly value: T;
  /** Starts at 1 and grows by one on every write of the key. */
  readonly version: number;
  /** Epoch ms (store clock) after which the record is gone, or `null` for never. */
  readonly expiresAt: number | null;
}

/** A record with its key, as `list()` returns it. */
export interface ListedRecord<T = unknown> extends StoreRecord<T> {
  readonly key: string;
}

/** Conditions and expiry of a write. */
export interface PutOptions {
  /** The record expires this many ms after the write. Without it the record never expires. */
  ttlMs?: number;
  /** Write only when no live record has the key. */
  ifAbsent?: boolean;
  /** Write only when the live record has this version (compare-and-set). */
  ifVersion?: number;
}

/**
 * What the engine keeps beyond a request or a process: seat records, the drawdown journal, shared
 * tier answers. Records live in namespaces (one gate uses `<productSku>:<part>`), and every method
 * is ONE atomic step — on Redis, one command or one Lua script — so that several processes can
 * share a store. Expiry is a stored timestamp checked on read, never a timer per record; all time
 * comes from the clock given to `init()`.
 *
 * What a store rejects with (the classes are exported by `@licensegate/core`; the engine tells
 * store outcomes apart by these classes only):
 * - `StoreArgumentError` (`ERR_LG_STORE_ARGUMENT`) for a bad argument or a value JSON cannot
 *   represent faithfully — the checks of `store-arguments.ts` and `serializeStoreValue()` throw it;
 * - `StoreNotACounterError` and `StoreCounterRangeError` from `increment()`;
 * - `StoreUnavailableError` while the store cannot be reached or cannot make a write durable,
 *   with `maybeApplied` saying whether the failed call may have taken effect. The engine keeps a
 *   batch-mode debit in memory through an outage only on this error with `maybeApplied: false`;
 * - any other `Error` (the store's own, with a `code` of its own) for anything else.
 * The first three change nothing; a `StoreUnavailableError` changes nothing unless `maybeApplied` is `true`.
 *
 * Every store must pass the conformance suite in `@licensegate/core/testing`.
 */
export interface Store {
  /**
   * `true` when several processes share this store (Redis). Gates on a shared store share their
   * tier answers through it, so N instances make about one tier checkout per interval, not N.
   */
  readonly shared?: boolean;
  /**
   * `true` when records outlive this process: a crash of it (kill -9, an OOM kill, a reboot) does
   * not lose them (Redis, the file store). On such a store the engine journals a request's drawdown
   * units before its response completes, and a new start takes over (adopts, or checks in) what a
   * crashed process left. Default: the value of `shared`.
   */
  readonly durable?: boolean;
  /** Called by each gate at `start()`, before any other method, with the gate's clock. */
  init?(context: StoreContext): Promise<void> | void;
  /** The live record of a key. */
  get<T>(namespace: string, key: string): Promise<StoreRecord<T> | undefined>;
  /**
   * Writes a record.
   * @returns the new version, or `undefined` when `ifAbsent` / `ifVersion` did not hold (nothing written)
   */
  put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined>;
  /**
   * Deletes a live record (only at that version, with `ifVersion`).
   * @returns whether a live record was deleted
   */
  delete(namespace: string, key: string, options?: { ifVersion?: number }): Promise<boolean>;
  /** Every live record of a namespace, in no set order. */
  list<T>(namespace: string): Promise<ListedRecord<T>[]>;
  /**
   * Adds `by` (a safe integer, may be negative) to a counter that starts at 0, and returns the new
   * value. A counter is a record whose value is a number; `ttlMs` sets its expiry on every call.
   * @throws StoreNotACounterError when the live record's value is not a number (nothing changes)
   * @throws StoreCounterRangeError when the result would leave the safe-integer range (nothing changes)
   */
  increment(namespace: string, key: string, by: number, options?: { ttlMs?: number }): Promise<number>;
  /** Called by each gate at `stop()`. A store shared by several gates stays usable until the last one stops. */
  shutdown?(): Promise<void> | void;
}

/** What a store is given at `init()`. */
export interface StoreContext {
  readonly clock: Clock;
}

/** Whether a store's records outlive this process: its `durable` flag, or else its `shared` one. */
export function isDurable(store: Store): boolean {
  return store.durable ?? store.shared === true;
}
