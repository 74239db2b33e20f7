/**
 * Writing a new log that starts with a snapshot of records — at the first open (an empty snapshot)
 * and at each compaction — crash-safely: the new log is written to a temporary file, fsync'd,
 * renamed over the old one, and the directory is fsync'd. A crash at any moment leaves either the
 * old log or the new one, each whole; a temporary file left behind is removed at the next open.
 *
 * @module
 */
import { closeSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';

import { commitLine, headerLine, putLine } from './log-format.js';
import type { Entry } from './record-table.js';

const fsyncAsync = promisify(fsync);

/** The files of a store's directory. */
export interface StorePaths {
  readonly directory: string;
  /** The log: `<directory>/store.log`. */
  readonly log: string;
  /** A new log being written: `<directory>/store.log.compacting`. */
  readonly compacting: string;
  /** The lock: `<directory>/store.lock`. */
  readonly lock: string;
}

/** A record of a snapshot: `[namespace, key, entry]`. */
export type SnapshotRecord = readonly [namespace: string, key: string, entry: Entry];

/** A new log in place: its open descriptor (read-write) and its size, all of it the snapshot. */
export interface NewLog {
  readonly fd: number;
  readonly bytes: number;
}

/** Records serialized per turn of the event loop while compacting. */
const RECORDS_PER_TURN = 5_000;

/**
 * Writes a new log holding `records`, and puts it in place of the old one. Blocks the thread; for the
 * open of a store.
 */
export function writeSnapshotSync(paths: StorePaths, records: readonly SnapshotRecord[]): NewLog {
  const body = [...serialize(records, 0, records.length), commitLine(records.length)].join('');
  const fd = openSync(paths.compacting, 'w+', 0o600);
  try {
    const bytes = writeAll(fd, Buffer.from(headerLine(Buffer.byteLength(body)) + body));
    fsyncSync(fd);
    renameSync(paths.compacting, paths.log);
    syncDirectory(paths.directory);
    return { fd, bytes };
  } catch (error) {
    abandon(fd, paths.compacting);
    throw error;
  }
}

/**
 * Writes a new log holding `records`, and puts it in place of the old one, serializing a slice of
 * records per turn of the event loop. The records must not change meanwhile (entries never do).
 *
 * `renamed` is called as soon as the new log is in place, before the directory is fsync'd: from
 * then on the new log is THE log, whether that fsync works or not.
 *
 * @throws the file system's error; when it comes before the rename, the old log is untouched
 */
export async function writeSnapshot(
  paths: StorePaths,
  records: readonly SnapshotRecord[],
  renamed: (log: NewLog) => void,
): Promise<void> {
  const lines: string[] = [];
  for (let from = 0; from < records.length; from += RECORDS_PER_TURN) {
    if (from > 0) await nextTurn();
    lines.push(...serialize(records, from, Math.min(records.length, from + RECORDS_PER_TURN)));
  }
  lines.push(commitLine(records.length));
  const body = lines.join('');
  const fd = openSync(paths.compacting, 'w+', 0o600);
  let bytes: number;
  try {
    bytes = writeAll(fd, Buffer.from(headerLine(Buffer.byteLength(body)) + body));
    await fsyncAsync(fd);
    renameSync(paths.compacting, paths.log);
  } catch (error) {
    abandon(fd, paths.compacting);
    throw error;
  }
  renamed({ fd, bytes });
  await syncDirectoryAsync(paths.directory);
}

function* serialize(records: readonly SnapshotRecord[], from: number, to: number): IterableIterator<string> {
  for (let i = from; i < to; i += 1) {
    const [namespace, key, entry] = records[i] as SnapshotRecord;
    yield putLine(namespace, key, entry);
  }
}

/**
 * Writes all of `data` at `position` (a short write goes on where it stopped).
 * @returns the bytes written, `data.length`
 */
export function writeAll(fd: number, data: Buffer, position = 0): number {
  for (let done = 0; done < data.length;) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
  return data.length;
}

/** Makes the directory's entries (a new or renamed file) durable. A file system that cannot is let be. */
export function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!cannotSyncDirectories(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** {@link syncDirectory}, with the fsync off the thread. */
export async function syncDirectoryAsync(directory: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    await fsyncAsync(fd);
  } catch (error) {
    if (!cannotSyncDirectories(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Errors of systems where a directory cannot be opened or fsync'd (not Linux): nothing to do there. */
function cannotSyncDirectories(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'ENOTSUP';
}

/** Closes and removes a new log that will not be used. */
function abandon(fd: number, file: string): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
  try {
    unlinkSync(file);
  } catch {
    // gone already, or removed at the next open
  }
}
