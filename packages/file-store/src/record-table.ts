/**
 * The records of the store in memory: one `Map` per namespace, each record an immutable
 * {@link Entry} holding its value as JSON text. Every method is synchronous, so the store can do
 * each of its calls in one step, as `MemoryStore` does; expiry is read against the `now` each
 * method is given.
 *
 * @module
 */
import type { StoreRecord } from '@licensegate/core/store';

/** A record as the store keeps it: the value as JSON text, never as a live object. Never mutated. */
export interface Entry {
  readonly json: string;
  /** Starts at 1 and grows by one on every write of the key. */
  readonly version: number;
  /** Epoch ms (store clock) at which the record is gone, or `null` for never. */
  readonly expiresAt: number | null;
}

/** Whether an entry's time has come at `now` (`expiresAt <= now`). */
export function isExpired(entry: Entry, now: number): boolean {
  return entry.expiresAt !== null && entry.expiresAt <= now;
}

/** A fresh record for a caller: the value parsed anew, so no two callers share an object. */
export function toRecord<T>(entry: Entry): StoreRecord<T> {
  const value: unknown = JSON.parse(entry.json);
  return { value: value as T, version: entry.version, expiresAt: entry.expiresAt };
}

/** Namespaces of records, each a `Map` from key to {@link Entry}. */
export class RecordTable {
  readonly #namespaces = new Map<string, Map<string, Entry>>();

  /** How many records the table holds, expired ones not swept yet included. */
  get size(): number {
    let size = 0;
    for (const records of this.#namespaces.values()) size += records.size;
    return size;
  }

  /** The live entry of a key at `now`; an expired one found on the way is deleted. */
  live(namespace: string, key: string, now: number): Entry | undefined {
    const entry = this.#namespaces.get(namespace)?.get(key);
    if (entry === undefined || !isExpired(entry, now)) return entry;
    this.remove(namespace, key);
    return undefined;
  }

  /** The entry of a key as held, expired or not. */
  peek(namespace: string, key: string): Entry | undefined {
    return this.#namespaces.get(namespace)?.get(key);
  }

  /** Sets a key's entry. */
  set(namespace: string, key: string, entry: Entry): void {
    let records = this.#namespaces.get(namespace);
    if (records === undefined) {
      records = new Map();
      this.#namespaces.set(namespace, records);
    }
    records.set(key, entry);
  }

  /** Removes a key (a namespace left empty goes too). */
  remove(namespace: string, key: string): void {
    const records = this.#namespaces.get(namespace);
    if (records === undefined) return;
    records.delete(key);
    if (records.size === 0) this.#namespaces.delete(namespace);
  }

  /** Sets a key's entry, or removes the key when `entry` is `undefined`. */
  restore(namespace: string, key: string, entry: Entry | undefined): void {
    if (entry === undefined) this.remove(namespace, key);
    else this.set(namespace, key, entry);
  }

  /** The live entries of a namespace at `now`, with their keys; expired ones found on the way are deleted. */
  liveIn(namespace: string, now: number): [string, Entry][] {
    const records = this.#namespaces.get(namespace);
    if (records === undefined) return [];
    const live: [string, Entry][] = [];
    for (const [key, entry] of records) {
      if (isExpired(entry, now)) records.delete(key);
      else live.push([key, entry]);
    }
    if (records.size === 0) this.#namespaces.delete(namespace);
    return live;
  }

  /** Every entry held, expired or not, as `[namespace, key, entry]`. */
  *entries(): IterableIterator<[string, string, Entry]> {
    for (const [namespace, records] of this.#namespaces) {
      for (const [key, entry] of records) yield [namespace, key, entry];
    }
  }

  /** Deletes every expired entry, and every namespace left empty. */
  sweep(now: number): void {
    for (const [namespace, records] of this.#namespaces) {
      for (const [key, entry] of records) {
        if (isExpired(entry, now)) records.delete(key);
      }
      if (records.size === 0) this.#namespaces.delete(namespace);
    }
  }

  /** Removes everything. */
  clear(): void {
    this.#namespaces.clear();
  }
}
