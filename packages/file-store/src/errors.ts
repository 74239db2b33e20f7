/**
 * What the file store throws and rejects with. Each error has a stable `code`; the package README
 * lists them with how to fix each.
 *
 * @module
 */
import { StoreUnavailableError } from '@licensegate/core/store';

/**
 * Stable codes of {@link FileStoreError}: what only the file store meets. Beside them, the store
 * raises the errors every store raises (`StoreArgumentError`, `StoreNotACounterError`,
 * `StoreCounterRangeError` from `@licensegate/core`, and {@link FileStoreWriteError}, a
 * `StoreUnavailableError`), whose codes are in core's `StoreErrorCode`. Codes never change meaning;
 * new ones are only added; none is the same as a code of `@licensegate/core`.
 */
export type FileStoreErrorCode =
  /** Another live process, or another store object of this process, has the directory open. */
  | 'ERR_LG_FILE_STORE_LOCKED'
  /** The log is damaged before its last committed write: not a torn tail, so nothing is guessed. */
  | 'ERR_LG_FILE_STORE_CORRUPT'
  /** The log was written by a newer version of this package, or is not a log of this store at all. */
  | 'ERR_LG_FILE_STORE_FORMAT'
  /** The directory cannot be created, read or written. */
  | 'ERR_LG_FILE_STORE_DIRECTORY'
  /** A call came before `init()`, or after the last `shutdown()`. */
  | 'ERR_LG_FILE_STORE_NOT_OPEN';

/** An error of the file store that is not about the disk being full or failing (see {@link FileStoreWriteError}). */
export class FileStoreError extends Error {
  /** Stable, documented code. */
  readonly code: FileStoreErrorCode;

  constructor(code: FileStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The directory is in use: by another live process, or by another store object of this process. */
export class FileStoreLockedError extends FileStoreError {
  /** The process that holds the directory. */
  readonly pid: number;

  constructor(directory: string, pid: number, sameProcess: boolean) {
    super(
      'ERR_LG_FILE_STORE_LOCKED',
      sameProcess
        ? `FileStore: the directory ${directory} is already open in this process (pid ${pid}), by another FileStore ` +
            'object. Create ONE FileStore per directory and give that object to every gate of the process.'
        : `FileStore: another process (pid ${pid}) uses the directory ${directory}. A file store serves one process ` +
            'only: stop that process, or give this one another directory. Apps that run as several instances ' +
            'share a store through @licensegate/redis instead.',
    );
    this.pid = pid;
  }
}

/** How long an app is told to wait before trying again (`Retry-After`) after a write to the disk failed. */
export const FILE_STORE_RETRY_AFTER_MS = 1_000;

/**
 * A write could not be made durable: the disk is full (`ENOSPC`), over a quota (`EDQUOT`), past the
 * process's file-size limit (`EFBIG`), or failing (`EIO`). The store rolled back every change that
 * was waiting for the same flush, so memory holds what is on disk, and cut the failed bytes off the
 * file: the call changed nothing (`maybeApplied: false`), except in the one case `maybeApplied` names.
 *
 * It is a `StoreUnavailableError`, so a `LicenseUnavailableError` (`ERR_LG_LICENSE_UNAVAILABLE`,
 * HTTP 503 with `Retry-After`): the engine treats it as it treats an unreachable store — batch-mode
 * debits are kept in memory within their bound and journaled once writes work again.
 *
 * `maybeApplied` is `false` (the rule): nothing of the call stays, in memory or on disk. It is
 * `true` only when the fsync failed AND the file could not be cut back: the write may then
 * reappear at the next open.
 */
export class FileStoreWriteError extends StoreUnavailableError {
  /** The system's error code, e.g. `ENOSPC`, or `undefined` when it gave none. */
  readonly systemCode: string | undefined;

  /**
   * @param file - the log file
   * @param cause - the error of the write or of the fsync
   * @param maybeApplied - whether the failed write may stay in the file
   */
  constructor(file: string, cause: unknown, maybeApplied = false) {
    const systemCode = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `FileStore: a write to ${file} failed (${reason}), so the call was refused and undone` +
        `${maybeApplied ? ' in memory; it may still be in the file, which could not be cut back' : ''}. ` +
        `${adviceFor(systemCode)} The store writes again at the next call.`,
      { maybeApplied, retryAfterMs: FILE_STORE_RETRY_AFTER_MS, cause },
    );
    this.systemCode = systemCode;
  }
}

function adviceFor(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'The disk (or the quota) is full: free space on it.';
    case 'EFBIG':
      return "The log reached the process's file-size limit (ulimit -f): raise it.";
    case 'EIO':
      return "The disk reported an I/O error: check the system's log and the disk.";
    default:
      return 'Check the disk and the permissions of the directory.';
  }
}
