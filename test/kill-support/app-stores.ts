/**
 * The store factory of the kill suite's child app: the gate's store and the session store, both of
 * which must outlive the app instance (a killed instance's journal and seats are adopted by
 * another, and its users' sessions go on through that one). Chosen by `LG_KILL_STORE`.
 */
import type { Store } from '@licensegate/core';
import { silentLogger } from '@licensegate/core';
import { RedisStore } from '@licensegate/redis';
import { FileStore } from '@licensegate/file-store';
import session from 'express-session';
import { Redis } from 'ioredis';

import { RedisSessionStore } from '../redis-support/redis-session-store.js';
import type { KillStoreKind } from './kill-config.js';

/** The stores of one app instance. */
export interface AppStores {
  /** The gate's store (seats, drawdown journal, heartbeats). */
  readonly store: Store;
  /** Where express-session keeps sessions, shared by every instance. */
  readonly sessions: session.Store;
}

/** Reads a required environment variable. */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/**
 * The stores of `kind`, from the environment:
 * - `redis`: `LG_REDIS_PORT` (on 127.0.0.1) and `LG_PREFIX`; a RedisStore, and sessions in the
 *   same Redis under the same prefix.
 * - `file`: `LG_FILE_DIR`; a FileStore there (one process at a time), and sessions in memory.
 */
export function openAppStores(kind: KillStoreKind): AppStores {
  switch (kind) {
    case 'redis': {
      const port = Number(env('LG_REDIS_PORT'));
      const prefix = env('LG_PREFIX');
      return {
        store: new RedisStore({ client: { host: '127.0.0.1', port }, prefix, logger: silentLogger }),
        sessions: new RedisSessionStore(new Redis({ host: '127.0.0.1', port }), prefix),
      };
    }
    case 'file':
      // One process on a local directory; its sessions live in its memory and die with it, as a
      // one-instance app's do: the next start checks in the seats the dead run held.
      return {
        store: new FileStore({ directory: env('LG_FILE_DIR'), logger: silentLogger }),
        sessions: new session.MemoryStore(),
      };
    default:
      throw new Error(`LG_KILL_STORE must be redis or file; got ${JSON.stringify(kind)}`);
  }
}
