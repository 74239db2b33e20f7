/**
 * The log the store appends to: each write's line goes into the open {@link FlushBatch}, and one
 * flush at a time writes a batch with its commit line and fsyncs it. Writes made while a flush is on
 * its way wait in the next batch, so N concurrent writers cost about one fsync per flush, not N
 * (group commit). Between flushes, a log grown past its threshold is compacted.
 *
 * When a flush fails, the file is cut back to where it was and that batch and the one behind it
 * fail together (their writes are undone by the store): what the disk holds stays a prefix of what
 * callers were told.
 *
 * @module
 */
import { closeSync, fdatasync, ftruncateSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';

import type { Logger } from '@licensegate/core';

import { FileStoreError, FileStoreWriteError } from './errors.js';
import { FlushBatch } from './flush-batch.js';
import { commitLine } from './log-format.js';
import type { Entry } from './record-table.js';
import {
  syncDirectoryAsync,
  writeAll,
  writeSnapshot,
  type NewLog,
  type SnapshotRecord,
  type StorePaths,
} from './snapshot-file.js';

const fdatasyncAsync = promisify(fdatasync);

/** What the log asks of its store. */
export interface LogHooks {
  /** `batch` is on disk (called before its callers hear of it). */
  durable(batch: FlushBatch): void;
  /** A flush failed: every write not on disk yet is dropped; undo them (called before their callers hear of it). */
  failed(error: FileStoreWriteError): void;
  /** The records on disk now, expired ones left out: what a compaction writes. */
  snapshot(): SnapshotRecord[];
}

/** Counters of a log, for operators, tests and benchmarks. */
export interface LogStats {
  /** Flushes written and fsync'd. */
  readonly flushes: number;
  /** Record lines made durable by them. */
  readonly records: number;
  /** Flushes that failed. */
  readonly failedFlushes: number;
  /** Compactions done. */
  readonly compactions: number;
  /** The size of the log now, in bytes. */
  readonly bytes: number;
}

/** Where a log starts, as the open of the store left it. */
export interface LogStart {
  /** The log, open read-write. */
  readonly fd: number;
  /** Its size: new lines go there. */
  readonly bytes: number;
  /** The size of its header and snapshot. */
  readonly snapshotBytes: number;
}

/** The append side of a store's log. */
export class WriteAheadLog {
  readonly #paths: StorePaths;
  readonly #hooks: LogHooks;
  readonly #logger: Logger;
  readonly #threshold: number;
  #fd: number;
  /** The size of what is on disk: the next flush is written there. */
  #bytes: number;
  #snapshotBytes: number;
  /** Compaction is not tried again before the log reaches this size (after a failed try). */
  #compactAgainAt = 0;
  #open: FlushBatch | undefined;
  #nextSeq = 1;
  #flushing = false;
  #idle: (() => void)[] = [];
  /** A failed flush left bytes the file could not be cut back from: cut them before writing more. */
  #mustCut = false;
  /** The directory's fsync after a compaction failed: do it before acknowledging more. */
  #mustSyncDirectory = false;
  /** Whether the last flush failed (so the next that works is logged as the recovery). */
  #failing = false;
  #closed = false;
  #stats = { flushes: 0, records: 0, failedFlushes: 0, compactions: 0 };

  /**
   * @param start - the log as the open of the store left it
   * @param threshold - the compaction threshold, in bytes
   */
  constructor(paths: StorePaths, start: LogStart, threshold: number, hooks: LogHooks, logger: Logger) {
    this.#paths = paths;
    this.#fd = start.fd;
    this.#bytes = start.bytes;
    this.#snapshotBytes = start.snapshotBytes;
    this.#threshold = threshold;
    this.#hooks = hooks;
    this.#logger = logger;
  }

  /** Counters since the store was opened. */
  get stats(): LogStats {
    return { ...this.#stats, bytes: this.#bytes };
  }

  /**
   * Adds the line of a write that left `entry` (or nothing) at a key to the next flush.
   * @returns the batch that carries it
   */
  append(line: string, namespace: string, key: string, entry: Entry | undefined): FlushBatch {
    if (this.#closed) {
      throw new FileStoreError(
        'ERR_LG_FILE_STORE_NOT_OPEN',
        `FileStore: a write reached ${this.#paths.log} after the log was closed (a bug in the store: calls after ` +
          'the last shutdown() are refused before they write). Nothing was written.',
      );
    }
    const batch = (this.#open ??= new FlushBatch(this.#nextSeq++));
    batch.add(line, namespace, key, entry);
    if (!this.#flushing) {
      this.#flushing = true;
      void this.#run();
    }
    return batch;
  }

  /** Resolves once every line appended so far has been flushed (or has failed). */
  whenIdle(): Promise<void> {
    if (!this.#flushing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Flushes what is pending, then closes the file. Nothing can be appended after. */
  async close(): Promise<void> {
    await this.whenIdle();
    this.#closed = true;
    closeSync(this.#fd);
  }

  /** Whether the log is due for compaction now. */
  compactionDue(): boolean {
    return (
      this.#bytes >= this.#threshold && this.#bytes >= 2 * this.#snapshotBytes && this.#bytes >= this.#compactAgainAt
    );
  }

  /** Flushes batch after batch until none is open, compacting between them when due. */
  async #run(): Promise<void> {
    try {
      // Writes of the rest of this turn (and their promise callbacks) join the first batch.
      await nextTurn();
      while (this.#open !== undefined) {
        if (this.compactionDue()) await this.compact();
        const batch = this.#open;
        this.#open = undefined;
        await this.#flush(batch);
        // Callers woken by this flush run now; what they write joins the next batch.
        await nextTurn();
      }
    } catch (error) {
      // Not a failed write (#flush handles those) but a bug: fail what waits rather than leave it hanging.
      const open = this.#open;
      this.#open = undefined;
      if (open !== undefined) {
        const failure = new FileStoreWriteError(this.#paths.log, error);
        this.#hooks.failed(failure);
        open.fail(failure);
      }
      this.#logger.error(
        { event: 'licensegate.file_store.write_failed', file: this.#paths.log, error: String(error) },
        'FileStore: the log writer failed unexpectedly',
      );
    } finally {
      this.#flushing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #flush(batch: FlushBatch): Promise<void> {
    const data = Buffer.from(batch.lines.join('') + commitLine(batch.lines.length));
    let written = false;
    try {
      if (this.#mustCut) {
        ftruncateSync(this.#fd, this.#bytes);
        this.#mustCut = false;
      }
      if (this.#mustSyncDirectory) {
        await syncDirectoryAsync(this.#paths.directory);
        this.#mustSyncDirectory = false;
      }
      written = true;
      writeAll(this.#fd, data, this.#bytes);
      await fdatasyncAsync(this.#fd);
    } catch (cause) {
      this.#failed(batch, cause, written);
      return;
    }
    this.#bytes += data.length;
    this.#stats.flushes += 1;
    this.#stats.records += batch.lines.length;
    if (this.#failing) {
      this.#failing = false;
      this.#logger.info(
        { event: 'licensegate.file_store.write_recovered', file: this.#paths.log },
        'FileStore: writes to the log work again',
      );
    }
    this.#hooks.durable(batch);
    batch.succeed();
  }

  /** A flush failed: cut the file back, drop this batch and the open one, and undo their writes. */
  #failed(batch: FlushBatch, cause: unknown, written: boolean): void {
    let maybeApplied = false;
    if (written) {
      try {
        ftruncateSync(this.#fd, this.#bytes);
      } catch {
        // The failed flush may stay in the file (until a later flush manages to cut it off).
        this.#mustCut = true;
        maybeApplied = true;
      }
    }
    const error = new FileStoreWriteError(this.#paths.log, cause, maybeApplied);
    const dropped = this.#open === undefined ? [batch] : [batch, this.#open];
    this.#open = undefined;
    this.#stats.failedFlushes += 1;
    if (!this.#failing) {
      this.#failing = true;
      this.#logger.error(
        { event: 'licensegate.file_store.write_failed', file: this.#paths.log, error: error.message },
        'FileStore: a write to the log failed; the calls waiting for it were refused and undone',
      );
    }
    this.#hooks.failed(error);
    for (const each of dropped) each.fail(error);
  }

  /**
   * Rewrites the log as a snapshot of the records on disk. Call it only between flushes. A failure is
   * logged and leaves the old log in place; compaction is tried again once the log has grown by the
   * threshold once more.
   */
  async compact(): Promise<void> {
    const records = this.#hooks.snapshot();
    const before = this.#bytes;
    let renamed = false;
    try {
      await writeSnapshot(this.#paths, records, (log: NewLog) => {
        renamed = true;
        closeSync(this.#fd);
        this.#fd = log.fd;
        this.#bytes = log.bytes;
        this.#snapshotBytes = log.bytes;
        this.#mustCut = false;
      });
      this.#stats.compactions += 1;
      this.#logger.debug(
        {
          event: 'licensegate.file_store.compacted',
          file: this.#paths.log,
          before,
          after: this.#bytes,
          records: records.length,
        },
        'FileStore: the log was compacted',
      );
    } catch (error) {
      if (renamed) this.#mustSyncDirectory = true;
      else this.#compactAgainAt = this.#bytes + this.#threshold;
      this.#logger.warn(
        {
          event: 'licensegate.file_store.compaction_failed',
          file: this.#paths.log,
          error: error instanceof Error ? error.message : String(error),
        },
        renamed
          ? 'FileStore: the compacted log is in place but the directory could not be fsync-ed; it is tried again before the next write is acknowledged'
          : 'FileStore: the log could not be compacted; it goes on growing, and compaction is tried again later',
      );
    }
  }
}
