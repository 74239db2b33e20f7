/**
 * Options of the file store, their defaults, and their validation.
 *
 * @module
 */
import { resolve } from 'node:path';

import { LicenseGateConfigurationError, stderrLogger, type Logger } from '@licensegate/core';
import { assertKnownOptions, describeStoreArgument as describe } from '@licensegate/core/store';

/** How large the log may grow before it is compacted, when {@link FileStoreOptions.compactionThresholdBytes} is not given: 16 MiB. */
export const DEFAULT_COMPACTION_THRESHOLD_BYTES = 16 * 1024 * 1024;

/** How often expired records leave memory, when {@link FileStoreOptions.sweepIntervalMs} is not given: every minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** The longest delay a Node.js timer can wait (about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /**
   * The directory that holds the store: its log (`store.log`) and its lock (`store.lock`). Created
   * (with its parents, mode 0700) at `init()` when missing. Give each app its own directory on a
   * local disk that outlives the process, e.g. `/var/lib/<app>/licensegate`; a relative path is
   * resolved against the working directory when the store is constructed.
   */
  readonly directory: string;
  /**
   * The size, in bytes, past which the log is compacted: rewritten as one snapshot of the live
   * records (expired ones dropped). A log is compacted once it is past this size AND at least twice
   * the size of its last snapshot, so a store whose live records alone are larger than this does not
   * compact at every write.
   * @defaultValue 16 MiB ({@link DEFAULT_COMPACTION_THRESHOLD_BYTES})
   */
  readonly compactionThresholdBytes?: number;
  /**
   * How often, in ms, expired records leave memory. Expired records are invisible at once whatever
   * this is; it only bounds how long their memory stays taken. They leave the disk at the next compaction.
   * @defaultValue 60_000 ({@link DEFAULT_SWEEP_INTERVAL_MS})
   */
  readonly sweepIntervalMs?: number;
  /**
   * Where the store reports a torn last write it ignored at open, a lock it took over from a dead
   * process, a failed write or compaction. pino-shaped.
   * @defaultValue JSON lines to stderr, from `info` up (`stderrLogger` of `@licensegate/core`)
   */
  readonly logger?: Logger;
}

/** The options after validation. */
export interface ResolvedFileStoreOptions {
  /** The absolute path of the directory. */
  readonly directory: string;
  readonly compactionThresholdBytes: number;
  readonly sweepIntervalMs: number;
  readonly logger: Logger;
}

const KNOWN = ['directory', 'compactionThresholdBytes', 'sweepIntervalMs', 'logger'];

/**
 * Checks the options.
 * @throws LicenseGateConfigurationError (`ERR_LG_OPTION_STORE`) naming the option and how to fix it
 */
export function readFileStoreOptions(options: unknown): ResolvedFileStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(
      `the options must be an object, e.g. { directory: '/var/lib/myapp/licensegate' }; got ${describe(options)}.`,
    );
  }
  assertKnownOptions(
    options,
    KNOWN,
    (message) => {
      throw optionError(message);
    },
    { known: KNOWN },
  );
  const {
    directory,
    compactionThresholdBytes = DEFAULT_COMPACTION_THRESHOLD_BYTES,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
    logger = stderrLogger,
  } = options as FileStoreOptions;
  if (typeof directory !== 'string' || directory.trim().length === 0 || directory.includes('\0')) {
    throw optionError(
      `directory must be the path of a directory on a local disk, e.g. '/var/lib/myapp/licensegate'; got ${describe(directory)}.`,
    );
  }
  if (!Number.isSafeInteger(compactionThresholdBytes) || compactionThresholdBytes < 1) {
    throw optionError(
      `compactionThresholdBytes must be a positive whole number of bytes; got ${describe(compactionThresholdBytes)}. ` +
        `Leave it out for the default, ${DEFAULT_COMPACTION_THRESHOLD_BYTES} (16 MiB).`,
    );
  }
  if (
    typeof sweepIntervalMs !== 'number' ||
    !Number.isFinite(sweepIntervalMs) ||
    sweepIntervalMs <= 0 ||
    sweepIntervalMs > MAX_TIMER_DELAY_MS
  ) {
    throw optionError(
      `sweepIntervalMs must be a positive number of milliseconds, at most ${MAX_TIMER_DELAY_MS} (about 24.8 days); ` +
        `got ${describe(sweepIntervalMs)}. Leave it out for the default, ${DEFAULT_SWEEP_INTERVAL_MS}.`,
    );
  }
  if (
    typeof logger !== 'object' ||
    logger === null ||
    !['debug', 'info', 'warn', 'error'].every(
      (method) => typeof (logger as unknown as Record<string, unknown>)[method] === 'function',
    )
  ) {
    throw optionError('logger must have debug(), info(), warn() and error() methods (pino-shaped).');
  }
  return { directory: resolve(directory), compactionThresholdBytes, sweepIntervalMs, logger };
}

function optionError(detail: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError('ERR_LG_OPTION_STORE', `FileStore: ${detail}`);
}
