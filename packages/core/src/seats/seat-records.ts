import type { ListedRecord, Store, StoreRecord } from '../store/store.js';
import type { SeatRecord } from './seat-record.js';

/** Retries of the store's compare-and-set under contention. */
export const MAX_CAS_ROUNDS = 20;

/**
 * The seat records of one product in the store (namespace `<productSku>:seats`, key = the seat
 * key): every read and compare-and-set write of a seat goes through here, so the namespace and the
 * record's type are written once.
 */
export class SeatRecords {
  readonly #store: Store;
  readonly #namespace: string;

  constructor(store: Store, productSku: string) {
    this.#store = store;
    this.#namespace = `${productSku}:seats`;
  }

  /** The live record of a seat key. */
  get(key: string): Promise<StoreRecord<SeatRecord> | undefined> {
    return this.#store.get<SeatRecord>(this.#namespace, key);
  }

  /**
   * Writes a record at `ifVersion` (compare-and-set).
   * @returns the new version, or `undefined` when the record changed meanwhile (nothing written)
   */
  put(key: string, value: SeatRecord, ifVersion: number): Promise<number | undefined> {
    return this.#store.put(this.#namespace, key, value, { ifVersion });
  }

  /**
   * Writes a record for a key that holds none.
   * @returns the new version, or `undefined` when the key holds a record already (nothing written)
   */
  create(key: string, value: SeatRecord): Promise<number | undefined> {
    return this.#store.put(this.#namespace, key, value, { ifAbsent: true });
  }

  /**
   * Deletes a record at `ifVersion` (compare-and-set).
   * @returns whether the record was deleted
   */
  delete(key: string, ifVersion: number | undefined): Promise<boolean> {
    return this.#store.delete(this.#namespace, key, { ifVersion });
  }

  /** Every seat record on the store, of every engine. */
  list(): Promise<ListedRecord<SeatRecord>[]> {
    return this.#store.list<SeatRecord>(this.#namespace);
  }
}
