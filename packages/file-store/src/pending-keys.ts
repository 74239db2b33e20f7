/**
 * The keys whose last write is not on disk yet. For each, the batch that will carry its last write,
 * and the entry the disk holds for it meanwhile: so a read can wait for that batch, a compaction can
 * write what is durable, and a failed flush can put memory back as the disk has it.
 *
 * @module
 */
import type { FlushBatch } from './flush-batch.js';
import type { Entry, RecordTable } from './record-table.js';

/** A key written but not on disk yet. */
interface PendingKey {
  /** The batch of its last write. */
  batch: FlushBatch;
  /** Its entry on disk (`undefined`: none), as replay would rebuild it now. */
  durable: Entry | undefined;
}

/** Keys written but not on disk yet, by namespace. */
export class PendingKeys {
  readonly #namespaces = new Map<string, Map<string, PendingKey>>();

  /** How many keys wait for a flush. */
  get size(): number {
    let size = 0;
    for (const keys of this.#namespaces.values()) size += keys.size;
    return size;
  }

  /** The batch a read of this key must wait for, or `undefined` when its state is on disk. */
  batchOf(namespace: string, key: string): FlushBatch | undefined {
    return this.#namespaces.get(namespace)?.get(key)?.batch;
  }

  /** The latest batch any key of the namespace waits for, or `undefined` when all are on disk. */
  latestIn(namespace: string): FlushBatch | undefined {
    let latest: FlushBatch | undefined;
    for (const { batch } of this.#namespaces.get(namespace)?.values() ?? []) {
      if (latest === undefined || batch.seq > latest.seq) latest = batch;
    }
    return latest;
  }

  /**
   * Notes a write of a key in `batch`.
   * @param onDisk - the key's entry in memory BEFORE this write: when the key has no pending write,
   *   that is the entry on disk (kept for a roll-back); otherwise it is ignored
   */
  mark(namespace: string, key: string, batch: FlushBatch, onDisk: Entry | undefined): void {
    let keys = this.#namespaces.get(namespace);
    if (keys === undefined) {
      keys = new Map();
      this.#namespaces.set(namespace, keys);
    }
    const pending = keys.get(key);
    if (pending === undefined) keys.set(key, { batch, durable: onDisk });
    else pending.batch = batch;
  }

  /** `batch` is on disk: its keys are clean, or, when a later batch wrote them again, durable as it left them. */
  settled(batch: FlushBatch): void {
    for (const [namespace, results] of batch.results) {
      const keys = this.#namespaces.get(namespace);
      if (keys === undefined) continue;
      for (const [key, entry] of results) {
        const pending = keys.get(key);
        if (pending === undefined) continue;
        if (pending.batch === batch) keys.delete(key);
        else pending.durable = entry;
      }
      if (keys.size === 0) this.#namespaces.delete(namespace);
    }
  }

  /** Every pending write failed: puts each key back in `table` as the disk has it, and forgets them all. */
  rollBack(table: RecordTable): void {
    for (const [namespace, keys] of this.#namespaces) {
      for (const [key, { durable }] of keys) table.restore(namespace, key, durable);
    }
    this.#namespaces.clear();
  }

  /** Whether the key waits for a flush. */
  has(namespace: string, key: string): boolean {
    return this.#namespaces.get(namespace)?.has(key) ?? false;
  }

  /** Every pending key with its entry on disk, as `[namespace, key, durable entry]`. */
  *durableEntries(): IterableIterator<[string, string, Entry | undefined]> {
    for (const [namespace, keys] of this.#namespaces) {
      for (const [key, { durable }] of keys) yield [namespace, key, durable];
    }
  }

  /** Forgets every key. */
  clear(): void {
    this.#namespaces.clear();
  }
}
