/**
 * One flush of the log: the record lines of every write made while the flush before it was on its
 * way to the disk, written together and made durable by one fsync (group commit).
 *
 * @module
 */
import type { Entry } from './record-table.js';

/** The writes of one flush, and the promise their callers wait on. */
export class FlushBatch {
  /** Grows by one per batch of a log: a later batch always has a larger number. */
  readonly seq: number;
  /** The record lines, in the order the writes were made. */
  readonly lines: string[] = [];
  /** The state of each key written in this batch after its last write here (`undefined`: deleted). */
  readonly results = new Map<string, Map<string, Entry | undefined>>();
  /** Resolves once the batch is on disk; rejects with the write error when it could not be written. */
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;

  constructor(seq: number) {
    this.seq = seq;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A batch whose callers all went away must not raise an unhandled rejection.
    this.done.catch(() => {});
  }

  /** Adds the line of a write that left `entry` (or nothing) at a key. */
  add(line: string, namespace: string, key: string, entry: Entry | undefined): void {
    this.lines.push(line);
    let keys = this.results.get(namespace);
    if (keys === undefined) {
      keys = new Map();
      this.results.set(namespace, keys);
    }
    keys.set(key, entry);
  }

  /** Resolves whether the batch reached the disk: `true`, or `false` when it failed. Never rejects. */
  settled(): Promise<boolean> {
    return this.done.then(
      () => true,
      () => false,
    );
  }

  /** The batch is on disk. */
  succeed(): void {
    this.#resolve();
  }

  /** The batch could not be written; its writes were undone. */
  fail(error: Error): void {
    this.#reject(error);
  }
}
