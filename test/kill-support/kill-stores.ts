/**
 * The test's side of each store kind of the kill suite: what the store needs running, what every
 * app instance is told about it, and a store on the same data for the test to read the journal and
 * the seats that the killed instance left.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { silentLogger, systemClock, type Store } from '@licensegate/core';
import { FileStore } from '@licensegate/file-store';
import { RedisStore } from '@licensegate/redis';
import { findRedisServer, startRedisServer, type RunningRedis } from '@licensegate/redis/testing';

import type { KillStoreKind } from './kill-config.js';

/** One store kind, for describeKillSuite(). */
export interface KillStoreKit {
  readonly kind: KillStoreKind;
  /** Why the kind cannot run on this machine (one line), or `undefined` when it can. */
  missing(): string | undefined;
  /** Starts what the store needs. */
  start(): Promise<void>;
  /** What every app instance gets in its environment, beyond LG_KILL_STORE, LG_LM_URL and LG_SKU. */
  appEnv(): Record<string, string>;
  /** A store on the same data (started with the system clock), for reading; the caller shuts it down. */
  openReader(): Promise<Store>;
  /**
   * Whether the reader may stay open while app instances run (a shared store); `false` (the file
   * store: one process at a time) opens it for each read, between instances only.
   */
  readonly concurrentReader: boolean;
  /** Stops what {@link start} started. */
  stop(): Promise<void>;
}

/** Redis: a `redis-server` on a free loopback port, every instance on one key prefix. */
export class RedisKillStore implements KillStoreKit {
  readonly kind = 'redis';
  readonly concurrentReader = true;
  readonly prefix = `kill${randomUUID().slice(0, 8)}:`;
  #redis: RunningRedis | undefined;

  missing(): string | undefined {
    return findRedisServer() === undefined ? 'redis-server is not installed (.ci/run installs it)' : undefined;
  }

  async start(): Promise<void> {
    this.#redis = await startRedisServer();
  }

  appEnv(): Record<string, string> {
    return { LG_REDIS_PORT: String(this.#running.port), LG_PREFIX: this.prefix };
  }

  async openReader(): Promise<Store> {
    const store = new RedisStore({
      client: { host: this.#running.host, port: this.#running.port },
      prefix: this.prefix,
      logger: silentLogger,
    });
    await store.init({ clock: systemClock });
    return store;
  }

  async stop(): Promise<void> {
    await this.#redis?.stop();
    this.#redis = undefined;
  }

  get #running(): RunningRedis {
    if (this.#redis === undefined) throw new Error('redis-server is not started');
    return this.#redis;
  }
}

/**
 * The file store: a temporary directory that every instance in turn is pointed at. One process at
 * a time holds its lock, so the test reads it only while no instance runs (between a kill and the
 * next start).
 */
export class FileKillStore implements KillStoreKit {
  readonly kind = 'file';
  readonly concurrentReader = false;
  #directory: string | undefined;

  missing(): string | undefined {
    return undefined;
  }

  async start(): Promise<void> {
    this.#directory = await mkdtemp(join(tmpdir(), 'lg-kill-file-'));
  }

  appEnv(): Record<string, string> {
    return { LG_FILE_DIR: this.#dir };
  }

  async openReader(): Promise<Store> {
    const store = new FileStore({ directory: this.#dir, logger: silentLogger });
    await store.init({ clock: systemClock });
    return store;
  }

  async stop(): Promise<void> {
    if (this.#directory !== undefined) await rm(this.#directory, { recursive: true, force: true });
    this.#directory = undefined;
  }

  get #dir(): string {
    if (this.#directory === undefined) throw new Error('the file store directory is not made');
    return this.#directory;
  }
}
