/**
 * Replay of the log at open: every committed flush, in order, rebuilds the records exactly as they
 * were. What follows the last commit line is a flush that a crash cut short — it was never
 * acknowledged — and is left out (the caller cuts it off the file and logs a warning). Damage
 * anywhere before the last commit line cannot come from a crash: it is an error.
 *
 * @module
 */
import { FileStoreError } from './errors.js';
import { decodeLine, LOG_FORMAT, LOG_MAGIC, type RecordLine } from './log-format.js';
import type { RecordTable } from './record-table.js';

/** What a replay found. */
export interface Replay {
  /** Bytes of the file up to the end of its last commit line: what the log keeps. */
  readonly validBytes: number;
  /** Bytes of the header line and the snapshot after it. */
  readonly snapshotBytes: number;
  /** Bytes after the last commit line, left out (a flush cut short), or 0. */
  readonly tornBytes: number;
  /** Complete record lines among the torn bytes (never acknowledged, so never answered to anyone). */
  readonly tornRecords: number;
  /** Commit lines replayed, the snapshot's included. */
  readonly flushes: number;
}

/**
 * Applies every committed flush of `log` (the whole file) to `table`, in order.
 *
 * @param file - the file's path, for messages
 * @throws FileStoreError `ERR_LG_FILE_STORE_FORMAT` when the file is not a log of this format
 * @throws FileStoreError `ERR_LG_FILE_STORE_CORRUPT` when it is damaged before its last commit line
 */
export function replayLog(log: Buffer, file: string, table: RecordTable): Replay {
  const headerEnd = log.indexOf(0x0a);
  const header = headerEnd < 0 ? undefined : decodeLine(log, 0, headerEnd);
  if (header === undefined || !header.ok || header.line.kind !== 'header') {
    throw headerError(log, file, header?.ok === false ? header.otherFormat : undefined);
  }
  const snapshotEnd = headerEnd + 1 + header.line.snapshotBytes;
  if (snapshotEnd > log.length) {
    throw corrupt(
      file,
      `its snapshot is cut short: the header announces ${header.line.snapshotBytes} bytes, the file holds ` +
        `${log.length - headerEnd - 1}`,
      undefined,
    );
  }

  let batch: RecordLine[] = [];
  let validBytes = headerEnd + 1;
  let flushes = 0;
  let damageAt: number | undefined;
  let lineNumber = 1;
  for (let start = headerEnd + 1; start < log.length;) {
    lineNumber += 1;
    const end = log.indexOf(0x0a, start);
    const decoded = end < 0 ? undefined : decodeLine(log, start, end);
    if (decoded === undefined || !decoded.ok) {
      damageAt = start;
      break;
    }
    const { line } = decoded;
    if (line.kind === 'put' || line.kind === 'delete') {
      batch.push(line);
    } else if (line.kind === 'commit' && line.count === batch.length) {
      for (const record of batch) apply(table, record);
      batch = [];
      flushes += 1;
      validBytes = end + 1;
    } else {
      damageAt = start;
      break;
    }
    start = end + 1;
  }

  if (damageAt !== undefined) {
    const where = `at byte ${damageAt} (line ${lineNumber})`;
    if (damageAt < snapshotEnd) {
      throw corrupt(file, `its snapshot is damaged ${where}`, undefined);
    }
    const laterCommit = commitAfter(log, damageAt);
    if (laterCommit !== undefined) {
      throw corrupt(
        file,
        `it is damaged ${where}, before a later committed flush (at byte ${laterCommit})`,
        validBytes,
      );
    }
  }
  return {
    validBytes,
    snapshotBytes: snapshotEnd,
    tornBytes: log.length - validBytes,
    tornRecords: batch.length,
    flushes,
  };
}

function apply(table: RecordTable, record: RecordLine): void {
  if (record.kind === 'put') table.set(record.namespace, record.key, record.entry);
  else table.remove(record.namespace, record.key);
}

/** The offset of the first sound commit line that starts after `from`, if any. */
function commitAfter(log: Buffer, from: number): number | undefined {
  for (let newline = log.indexOf(0x0a, from); newline >= 0 && newline + 1 < log.length;) {
    const start = newline + 1;
    const end = log.indexOf(0x0a, start);
    if (end < 0) return undefined;
    const decoded = decodeLine(log, start, end);
    if (decoded.ok && decoded.line.kind === 'commit') return start;
    newline = end;
  }
  return undefined;
}

function headerError(log: Buffer, file: string, otherFormat: number | undefined): FileStoreError {
  if (otherFormat !== undefined) {
    return new FileStoreError(
      'ERR_LG_FILE_STORE_FORMAT',
      `FileStore: ${file} is in format ${otherFormat}, and this version of @licensegate/file-store reads format ` +
        `${LOG_FORMAT}. It was written by another version of the package: run that version, or move the directory ` +
        'aside to start an empty store.',
    );
  }
  if (log.includes(`["${LOG_MAGIC}"`)) {
    return corrupt(file, 'its first line (the header) is damaged', undefined);
  }
  return new FileStoreError(
    'ERR_LG_FILE_STORE_FORMAT',
    `FileStore: ${file} is not a log of @licensegate/file-store (its first line is not the store's header). ` +
      'Give the store a directory of its own, or move this file aside.',
  );
}

/**
 * @param keep - bytes before the damage that hold whole committed flushes, when cutting the file
 *   there keeps a sound log; `undefined` when only a backup or a new store helps
 */
function corrupt(file: string, what: string, keep: number | undefined): FileStoreError {
  const fix =
    keep === undefined
      ? 'Restore the directory from a backup, or move the file aside to start an empty store.'
      : `To keep what precedes the damage, stop every process that uses the directory, keep a copy of the file, ` +
        `and cut it there: truncate -s ${keep} '${file}'. Or restore the directory from a backup.`;
  return new FileStoreError(
    'ERR_LG_FILE_STORE_CORRUPT',
    `FileStore: the log ${file} is damaged: ${what}. A crash cannot do this (it only cuts the last flush short); ` +
      `the disk or another program changed the file, so the store does not guess. ${fix} Records lost that way ` +
      'are seats (License Manager frees them at their lease end) and drawdown units not reported yet.',
  );
}
