/**
 * The lock that keeps a store's directory to one process: `store.lock`, a small JSON file naming the
 * process that holds it (see `ProcessIdentity`). It is created whole or not at all (written to a
 * temporary file, fsync'd, then hard-linked into place, which fails when a lock exists), so a reader
 * never sees half a lock. A lock whose process is gone (killed, crashed, or a previous life of a
 * container whose app has the same pid again) is taken over, with a warning.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

import type { Logger } from '@licensegate/core';

import { FileStoreError, FileStoreLockedError } from './errors.js';
import { currentProcess, holderState, parseIdentity } from './process-identity.js';
import { syncDirectory } from './snapshot-file.js';

/** How many times a contended lock is looked at again before giving up. */
const ATTEMPTS = 10;

/** A held lock of a directory. */
export class DirectoryLock {
  readonly #file: string;
  readonly #text: string;
  #held = true;

  private constructor(file: string, text: string) {
    this.#file = file;
    this.#text = text;
  }

  /**
   * Takes the lock of `directory`, taking over one left by a process that is gone.
   *
   * @param file - the lock file, in `directory`
   * @throws FileStoreLockedError (`ERR_LG_FILE_STORE_LOCKED`) when a running process, or this one, holds it
   */
  static acquire(directory: string, file: string, logger: Logger): DirectoryLock {
    const self = currentProcess();
    const text = `${JSON.stringify({ ...self, since: new Date().toISOString() })}\n`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      if (tryCreate(file, text)) {
        syncDirectory(directory);
        return new DirectoryLock(file, text);
      }
      const found = readIfExists(file);
      if (found === undefined) continue; // released meanwhile: try again
      const holder = parseIdentity(found);
      const state = holder === undefined ? 'gone' : holderState(holder, self);
      if (holder !== undefined && state !== 'gone') {
        throw new FileStoreLockedError(directory, holder.pid, state === 'this-process');
      }
      if (!removeIfUnchanged(file, found)) continue; // another process took it over first: look again
      logger.warn(
        {
          event: 'licensegate.file_store.lock_taken_over',
          directory,
          previousPid: holder?.pid ?? null,
          previousHost: holder?.hostname ?? null,
        },
        holder === undefined
          ? 'FileStore: the lock file could not be read; it was replaced'
          : holder.pid === self.pid
            ? `FileStore: took over the lock left by a previous run with this same pid (${holder.pid}): the process was restarted`
            : `FileStore: took over the lock left by pid ${holder.pid}, which is no longer running (it crashed or was killed)`,
      );
    }
    throw new FileStoreError(
      'ERR_LG_FILE_STORE_LOCKED',
      `FileStore: could not take the lock of ${directory}: other processes kept taking it. ` +
        'A file store serves one process only; make sure one process at a time uses the directory.',
    );
  }

  /** Releases the lock, if it is still this one's. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (readIfExists(this.#file) === this.#text) {
      try {
        unlinkSync(this.#file);
      } catch {
        // already gone
      }
    }
  }
}

/** Creates the lock file with `text`, whole, unless one exists. */
function tryCreate(file: string, text: string): boolean {
  const temporary = `${file}.${randomUUID()}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Removes the lock file if it still holds `expected`: it is first moved aside (atomic), and put back
 * when it turns out to be another process's new lock.
 * @returns whether the stale lock was removed
 */
function removeIfUnchanged(file: string, expected: string): boolean {
  const aside = `${file}.${randomUUID()}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== expected) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process holds it now
    }
  }
  unlinkSync(aside);
  return moved === expected;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
