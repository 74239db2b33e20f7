import type { ListedRecord, Store, StoreRecord } from '../../store/store.js';
import { blockKey, drawdownNamespace, unbillableKey } from './journal-keys.js';

/** One CheckoutLicense of a batch: its units and the ClientToken it is (re)sent with. */
export interface Attempt {
  readonly units: number;
  readonly clientToken: string;
}

/**
 * Units sealed for reporting (batch mode), one sync debit, or what an adopter made of a dead engine's
 * counter. The next attempt, token included, is in the store before it is sent, so a resend after
 * a crash or a timeout repeats the same call, which License Manager counts once.
 */
export interface BatchRecord {
  readonly type: 'batch';
  readonly dimension: string;
  /** The entitlement's unit, e.g. `Count`. */
  readonly unit: string;
  /** Units sealed into the batch. */
  readonly units: number;
  /** Units not reported yet (`units - reported`, less any found unbillable). */
  readonly remaining: number;
  /** Units License Manager has acknowledged. */
  readonly reported: number;
  /** The call to send next; `null` to make a new one of `remaining` units. */
  readonly attempt: Attempt | null;
  /** The engine that sends it; a live engine claims (compare-and-set) the batch of a dead one. */
  readonly owner: string;
}

/**
 * A block checkout (reserve mode). `sending`: the checkout may or may not have happened, so it is
 * resent with the same token; `confirmed`: License Manager granted it and the units are being
 * credited to the shared block counter (a record found in this state after a crash is discarded,
 * never credited twice).
 */
export interface BuyRecord {
  readonly type: 'buy';
  readonly dimension: string;
  readonly unit: string;
  readonly units: number;
  readonly clientToken: string;
  readonly state: 'sending' | 'confirmed';
  readonly owner: string;
}

/**
 * What a `pending:` counter of a dead engine becomes when an adopter claims it: no longer a number,
 * so a late `increment` from the engine thought dead fails instead of adding units nobody reads.
 */
export interface ClaimedCounter {
  readonly type: 'claimed';
  readonly units: number;
  readonly owner: string;
}

/** Any record of the journal. */
export type JournalValue = number | BatchRecord | BuyRecord | ClaimedCounter;

/** Whether a stored value is a batch record. */
export function isBatchRecord(value: unknown): value is BatchRecord {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'batch';
}

/** Whether a stored value is a buy record. */
export function isBuyRecord(value: unknown): value is BuyRecord {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'buy';
}

/** Whether a stored value is a claimed counter. */
export function isClaimedCounter(value: unknown): value is ClaimedCounter {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'claimed';
}

/**
 * The drawdown journal of one product in a {@link Store}: thin, typed access to the namespace
 * `<productSku>:drawdown`. Every method is one store step; the meter builds its protocol (epochs,
 * claims, attempts) from these steps, never from a multi-key transaction.
 */
export class Journal {
  /** The store namespace. */
  readonly namespace: string;
  readonly #store: Store;

  constructor(store: Store, productSku: string) {
    this.#store = store;
    this.namespace = drawdownNamespace(productSku);
  }

  /** Adds units to a counter; the new value. */
  increment(key: string, by: number): Promise<number> {
    return this.#store.increment(this.namespace, key, by);
  }

  /** A record with its version. */
  get<T extends JournalValue>(key: string): Promise<StoreRecord<T> | undefined> {
    return this.#store.get<T>(this.namespace, key);
  }

  /** Creates a record unless one exists; its version, or `undefined` when one existed. */
  create(key: string, value: JournalValue): Promise<number | undefined> {
    return this.#store.put(this.namespace, key, value, { ifAbsent: true });
  }

  /** Replaces a record at a version (compare-and-set); the new version, or `undefined` when it moved. */
  replace(key: string, value: JournalValue, version: number): Promise<number | undefined> {
    return this.#store.put(this.namespace, key, value, { ifVersion: version });
  }

  /** Deletes a record (at a version, when given); whether it was deleted. */
  remove(key: string, version?: number): Promise<boolean> {
    return this.#store.delete(this.namespace, key, version === undefined ? undefined : { ifVersion: version });
  }

  /** Every record of the journal. */
  list(): Promise<ListedRecord<JournalValue>[]> {
    return this.#store.list<JournalValue>(this.namespace);
  }

  /** Adds to the shared block counter of a dimension (negative to spend); the new value. */
  addToBlock(dimension: string, by: number): Promise<number> {
    return this.#store.increment(this.namespace, blockKey(dimension), by);
  }

  /** Adds to the unbillable counter of a dimension; the new value. */
  addUnbillable(dimension: string, by: number): Promise<number> {
    return this.#store.increment(this.namespace, unbillableKey(dimension), by);
  }
}
