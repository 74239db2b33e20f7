/**
 * The file store: licensegate's durable {@link Store} for an app that runs as ONE process — seat
 * records and the drawdown journal kept on local disk, so that a crash of the process (kill -9, an
 * OOM kill, a reboot) loses nothing the store acknowledged.
 *
 * How it works: the records live in memory, and every method does its work there in one
 * synchronous step, exactly as `MemoryStore` does (same JSON values, versions, expiry, conditions and
 * errors; the same conformance suite). Each write also appends the record it leaves — the key's new
 * value, version and expiry, or its deletion — to a log in the directory, and its call resolves only
 * once that line is fsync'd. Writes made while an fsync is on its way share the next one (group
 * commit). At open, the log is replayed; past a threshold, it is compacted into a snapshot.
 *
 * What it guarantees:
 * - Durability of what it acknowledged: `put`, `delete` and `increment` resolve only once their
 *   effect is on disk. A crash at any moment loses only calls that had not resolved.
 * - Nothing is acted upon before it is durable: a call that reads a key (or a namespace) with a
 *   write not on disk yet answers once that write is; calls on other keys answer at once.
 * - A failed write (a full disk, an I/O error) changes nothing: its call, and every write waiting
 *   for the same flush, reject with a {@link FileStoreWriteError} (503), and memory is put back as the
 *   disk has it. The store writes again at the next call.
 * - Crash safety of the log: each line has a checksum, and a flush is one batch of lines ended by a
 *   commit line. A flush cut short by a crash is left out at the next open, with a warning; damage
 *   before the last commit is an error ({@link FileStoreError} `ERR_LG_FILE_STORE_CORRUPT`).
 * - One process per directory: a lock file names the process; a second process (or a second store
 *   object in this one) is refused with `ERR_LG_FILE_STORE_LOCKED`. A lock left by a process that is
 *   gone — including a previous life with the same pid, as pid 1 in a restarted container — is taken over.
 *
 * What it does not guarantee:
 * - Sharing between processes or machines: use `@licensegate/redis` for an app on several instances.
 * - Surviving the loss of the disk itself: back the directory up as you back up the app's data.
 * - A bound on its size: records without a ttl stay until they are deleted.
 *
 * @module
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { systemClock, type Clock, type ClockTimer } from '@licensegate/core';
import {
  assertBy,
  assertName,
  assertStoreContext,
  readDeleteOptions,
  readIncrementOptions,
  readPutOptions,
  serializeStoreValue,
  StoreCounterRangeError,
  StoreNotACounterError,
  type ListedRecord,
  type PutOptions,
  type Store,
  type StoreContext,
  type StoreRecord,
} from '@licensegate/core/store';

import { DirectoryLock } from './directory-lock.js';
import { FileStoreError } from './errors.js';
import type { FlushBatch } from './flush-batch.js';
import { deleteLine, putLine } from './log-format.js';
import { replayLog } from './log-reader.js';
import { readFileStoreOptions, type FileStoreOptions, type ResolvedFileStoreOptions } from './options.js';
import { PendingKeys } from './pending-keys.js';
import { isExpired, RecordTable, toRecord, type Entry } from './record-table.js';
import { syncDirectory, writeSnapshotSync, type SnapshotRecord, type StorePaths } from './snapshot-file.js';
import { WriteAheadLog, type LogStart, type LogStats } from './write-ahead-log.js';

/** Counters of a {@link FileStore} since it was opened, for operators, tests and benchmarks. */
export interface FileStoreStats extends LogStats {
  /** Keys whose last write waits for a flush now. */
  readonly pendingKeys: number;
}

/** What one step of a call found: its answer (and the batch of its write, if it wrote), or the error it must throw. */
type Step<T> = { readonly value: T; readonly wrote?: FlushBatch } | { readonly error: Error };

/**
 * A durable store in a directory of the local disk, for an app that runs as ONE process. See the
 * top of this module for what it guarantees and what it does not.
 *
 * Open and close: a gate calls `init()` at start and `shutdown()` at stop. The first `init()` takes
 * the directory's lock and replays the log (with that call's clock); the last `shutdown()` flushes
 * what is pending, closes the log and releases the lock, so several gates can share one store
 * object. Calls before the first `init()` or after the last `shutdown()` reject with
 * `ERR_LG_FILE_STORE_NOT_OPEN`: opening takes the lock and can fail, which belongs to the app's
 * start, not to its first request.
 *
 * @example
 * ```ts
 * import { createLicenseGate } from '@licensegate/core';
 * import { FileStore } from '@licensegate/file-store';
 *
 * const gate = createLicenseGate({
 *   productSku: 'prod-abc123',
 *   seats: { entitlement: 'ConcurrentUsers' },
 *   store: new FileStore({ directory: '/var/lib/myapp/licensegate' }),
 * });
 * await gate.start();
 * ```
 */
export class FileStore implements Store {
  /** One process only: tier answers are not shared through it. */
  readonly shared = false;
  /** Records outlive the process: the engine journals each charge before its response completes, and takes over what a crashed run left. */
  readonly durable = true;
  /** The store's directory, as an absolute path. */
  readonly directory: string;
  readonly #options: ResolvedFileStoreOptions;
  readonly #paths: StorePaths;
  readonly #table = new RecordTable();
  readonly #pending = new PendingKeys();
  #log: WriteAheadLog | undefined;
  #lock: DirectoryLock | undefined;
  #clock: Clock = systemClock;
  #users = 0;
  #sweepTimer: ClockTimer | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param options - the directory, and optionally the compaction threshold, the sweep interval and a logger
   * @throws LicenseGateConfigurationError (`ERR_LG_OPTION_STORE`) when an option is unknown or invalid
   */
  constructor(options: FileStoreOptions) {
    this.#options = readFileStoreOptions(options);
    this.directory = this.#options.directory;
    this.#paths = {
      directory: this.directory,
      log: join(this.directory, 'store.log'),
      compacting: join(this.directory, 'store.log.compacting'),
      lock: join(this.directory, 'store.lock'),
    };
  }

  /** How many records memory holds: the live ones and the expired ones not swept yet. For tests and benchmarks. */
  get size(): number {
    return this.#table.size;
  }

  /** Counters since the store was opened (all 0 while it is not open). */
  get stats(): FileStoreStats {
    const log = this.#log?.stats ?? { flushes: 0, records: 0, failedFlushes: 0, compactions: 0, bytes: 0 };
    return { ...log, pendingKeys: this.#pending.size };
  }

  /**
   * Opens the store at the first call: creates the directory if needed, takes its lock, replays the
   * log, and starts using the gate's clock and the sweep. Later calls (more gates sharing the store)
   * only count; they keep the first clock.
   *
   * @throws FileStoreError `ERR_LG_FILE_STORE_LOCKED`, `ERR_LG_FILE_STORE_CORRUPT`, `ERR_LG_FILE_STORE_FORMAT`
   *   or `ERR_LG_FILE_STORE_DIRECTORY` when the store cannot be opened (nothing is held then)
   */
  async init(context: StoreContext): Promise<void> {
    assertStoreContext(context);
    while (this.#closing !== undefined) await this.#closing;
    if (this.#users === 0) {
      this.#clock = context.clock;
      this.#open();
      this.#armSweep();
    }
    this.#users += 1;
  }

  /** @inheritDoc */
  async get<T>(namespace: string, key: string): Promise<StoreRecord<T> | undefined> {
    assertName('get', 'namespace', namespace);
    assertName('get', 'key', key);
    const entry = await this.#settle('get', namespace, key, (now) => ({
      value: this.#table.live(namespace, key, now),
    }));
    return entry === undefined ? undefined : toRecord<T>(entry);
  }

  /** @inheritDoc */
  async put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined> {
    assertName('put', 'namespace', namespace);
    assertName('put', 'key', key);
    const conditions = readPutOptions(options);
    const json = serializeStoreValue(value);
    return this.#settle<number | undefined>('put', namespace, key, (now, log) => {
      const current = this.#table.live(namespace, key, now);
      if (conditions.ifAbsent && current !== undefined) return { value: undefined };
      if (conditions.ifVersion !== undefined && current?.version !== conditions.ifVersion) return { value: undefined };
      const version = (current?.version ?? 0) + 1;
      const expiresAt = conditions.ttlMs === undefined ? null : now + conditions.ttlMs;
      return { value: version, wrote: this.#write(log, namespace, key, { json, version, expiresAt }) };
    });
  }

  /** @inheritDoc */
  async delete(namespace: string, key: string, options?: { ifVersion?: number }): Promise<boolean> {
    assertName('delete', 'namespace', namespace);
    assertName('delete', 'key', key);
    const ifVersion = readDeleteOptions(options);
    return this.#settle<boolean>('delete', namespace, key, (now, log) => {
      const current = this.#table.live(namespace, key, now);
      if (current === undefined) return { value: false };
      if (ifVersion !== undefined && current.version !== ifVersion) return { value: false };
      return { value: true, wrote: this.#write(log, namespace, key, undefined) };
    });
  }

  /** @inheritDoc */
  async list<T>(namespace: string): Promise<ListedRecord<T>[]> {
    assertName('list', 'namespace', namespace);
    const live = await this.#settle('list', namespace, undefined, (now) => ({
      value: this.#table.liveIn(namespace, now),
    }));
    return live.map(([key, entry]) => ({ key, ...toRecord<T>(entry) }));
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
    return this.#settle<number>('increment', namespace, key, (now, log) => {
      const current = this.#table.live(namespace, key, now);
      const start: unknown = current === undefined ? 0 : JSON.parse(current.json);
      if (typeof start !== 'number') return { error: new StoreNotACounterError(namespace, key, start) };
      const value = start + by;
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return { error: new StoreCounterRangeError(namespace, key) };
      const expiresAt = ttlMs === undefined ? (current?.expiresAt ?? null) : now + ttlMs;
      const entry = { json: JSON.stringify(value), version: (current?.version ?? 0) + 1, expiresAt };
      return { value, wrote: this.#write(log, namespace, key, entry) };
    });
  }

  /**
   * Says that one gate stops using the store. The last call stops the sweep, waits until every
   * pending write is on disk, closes the log and releases the lock. Calls beyond the number of
   * `init()` calls do nothing.
   */
  async shutdown(): Promise<void> {
    if (this.#users === 0) return;
    this.#users -= 1;
    if (this.#users > 0) return;
    this.#stopSweep();
    const log = this.#log;
    const lock = this.#lock;
    this.#log = undefined;
    this.#lock = undefined;
    const closing = (async () => {
      try {
        await log?.close();
      } finally {
        lock?.release();
        this.#table.clear();
        this.#pending.clear();
      }
    })();
    this.#closing = closing;
    try {
      await closing;
    } finally {
      this.#closing = undefined;
    }
  }

  /**
   * Runs one step of a call against memory, then answers once everything the step saw or did is on
   * disk. A step that wrote answers when its batch is flushed (or rejects with the write error). A
   * step that only read waits for the pending write of what it read; if that write failed (and was
   * undone), the step runs again on what the disk holds.
   *
   * @param key - the key the step reads, or `undefined` for a whole namespace
   */
  async #settle<T>(
    method: string,
    namespace: string,
    key: string | undefined,
    step: (now: number, log: WriteAheadLog) => Step<T>,
  ): Promise<T> {
    for (;;) {
      const log = this.#opened(method);
      const outcome = step(this.#clock.now(), log);
      if ('wrote' in outcome && outcome.wrote !== undefined) {
        await outcome.wrote.done;
        return outcome.value;
      }
      const pending = key === undefined ? this.#pending.latestIn(namespace) : this.#pending.batchOf(namespace, key);
      if (pending === undefined || (await pending.settled())) {
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
      }
    }
  }

  /** Changes a key in memory and appends the record it leaves to the log; returns the batch that carries it. */
  #write(log: WriteAheadLog, namespace: string, key: string, entry: Entry | undefined): FlushBatch {
    const before = this.#table.peek(namespace, key);
    const line = entry === undefined ? deleteLine(namespace, key) : putLine(namespace, key, entry);
    const batch = log.append(line, namespace, key, entry);
    this.#pending.mark(namespace, key, batch, before);
    this.#table.restore(namespace, key, entry);
    return batch;
  }

  #opened(method: string): WriteAheadLog {
    if (this.#log !== undefined) return this.#log;
    throw new FileStoreError(
      'ERR_LG_FILE_STORE_NOT_OPEN',
      `FileStore: ${method}() was called while the store is not open (before init(), or after the last shutdown()). ` +
        'A gate opens its store at start() and closes it at stop(); using the store without a gate, ' +
        'call init({ clock }) first.',
    );
  }

  /** Takes the lock, replays the log and opens it for appending. On failure nothing stays held. */
  #open(): void {
    const { directory, logger, compactionThresholdBytes } = this.#options;
    let lock: DirectoryLock | undefined;
    try {
      makeDirectory(directory);
      lock = DirectoryLock.acquire(directory, this.#paths.lock, logger);
      removeIfExists(this.#paths.compacting);
      const start = this.#replay();
      const hooks = {
        durable: (batch: FlushBatch) => this.#pending.settled(batch),
        failed: () => this.#pending.rollBack(this.#table),
        snapshot: () => this.#durableRecords(),
      };
      this.#log = new WriteAheadLog(this.#paths, start, compactionThresholdBytes, hooks, logger);
      this.#lock = lock;
    } catch (error) {
      lock?.release();
      this.#table.clear();
      if (error instanceof FileStoreError) throw error;
      throw new FileStoreError(
        'ERR_LG_FILE_STORE_DIRECTORY',
        `FileStore: cannot use the directory ${directory}: ${error instanceof Error ? error.message : String(error)}. ` +
          "It must be a directory on a local disk that the app's user can read and write (or create).",
        { cause: error },
      );
    }
  }

  /** Rebuilds memory from the log, cuts off a flush a crash cut short, and compacts when due. */
  #replay(): LogStart {
    const { logger, compactionThresholdBytes } = this.#options;
    const paths = this.#paths;
    const data = readIfExists(paths.log);
    if (data === undefined || data.length === 0) {
      const log = writeSnapshotSync(paths, []);
      return { fd: log.fd, bytes: log.bytes, snapshotBytes: log.bytes };
    }
    const replay = replayLog(data, paths.log, this.#table);
    this.#table.sweep(this.#clock.now());
    if (replay.tornBytes > 0) {
      logger.warn(
        {
          event: 'licensegate.file_store.torn_tail',
          file: paths.log,
          bytes: replay.tornBytes,
          records: replay.tornRecords,
        },
        'FileStore: the last flush of the log was cut short by a crash; it was never acknowledged, and is left out',
      );
    }
    if (replay.validBytes >= compactionThresholdBytes && replay.validBytes >= 2 * replay.snapshotBytes) {
      const log = writeSnapshotSync(paths, this.#durableRecords());
      return { fd: log.fd, bytes: log.bytes, snapshotBytes: log.bytes };
    }
    const fd = openSync(paths.log, 'r+');
    try {
      if (replay.tornBytes > 0) {
        ftruncateSync(fd, replay.validBytes);
        fsyncSync(fd);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return { fd, bytes: replay.validBytes, snapshotBytes: replay.snapshotBytes };
  }

  /** The records on disk now, expired ones left out: memory, with each pending key as the disk has it. */
  #durableRecords(): SnapshotRecord[] {
    const now = this.#clock.now();
    const records: SnapshotRecord[] = [];
    for (const [namespace, key, entry] of this.#table.entries()) {
      if (!this.#pending.has(namespace, key) && !isExpired(entry, now)) records.push([namespace, key, entry]);
    }
    for (const [namespace, key, durable] of this.#pending.durableEntries()) {
      if (durable !== undefined && !isExpired(durable, now)) records.push([namespace, key, durable]);
    }
    return records;
  }

  #armSweep(): void {
    this.#sweepTimer = this.#clock.setTimeout(() => this.#runSweep(), this.#options.sweepIntervalMs);
  }

  #stopSweep(): void {
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  #runSweep(): void {
    this.#sweepTimer = undefined;
    if (this.#users === 0) return;
    try {
      this.#table.sweep(this.#clock.now());
    } finally {
      this.#armSweep();
    }
  }
}

/**
 * Creates the directory (and its parents) when missing, making each new entry durable; refuses a path
 * that is not a directory.
 */
function makeDirectory(directory: string): void {
  const firstCreated = mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (firstCreated !== undefined) {
    for (let created = directory; ; created = dirname(created)) {
      syncDirectory(dirname(created));
      if (created === firstCreated || dirname(created) === created) break;
    }
  }
  if (!statSync(directory).isDirectory()) {
    throw new FileStoreError(
      'ERR_LG_FILE_STORE_DIRECTORY',
      `FileStore: ${directory} is not a directory. Give the store the path of a directory (it is created when missing).`,
    );
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function removeIfExists(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
