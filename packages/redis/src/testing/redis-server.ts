/**
 * A throwaway `redis-server` for tests: a free loopback port, no persistence, stopped with SIGTERM.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { RedisClient } from '../ioredis-class.js';

import type { RedisErrorCode } from '../errors.js';

/** How long a server may take to say it is ready. */
const START_TIMEOUT_MS = 5_000;

/**
 * {@link startRedisServer} failed (`ERR_LG_REDIS_TEST_SERVER`): there is no `redis-server`, or it
 * did not start (the message carries its output). Install Redis, or skip the tests that need it
 * when {@link findRedisServer} finds none.
 */
export class RedisServerError extends Error {
  /** Stable, documented code. */
  readonly code: Extract<RedisErrorCode, 'ERR_LG_REDIS_TEST_SERVER'>;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = 'ERR_LG_REDIS_TEST_SERVER';
  }
}

/** A running `redis-server`. */
export interface RunningRedis {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  /** Stops it (SIGTERM) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The port; default: a free one. */
  readonly port?: number;
  /** The binary; default: `redis-server` on `PATH`. */
  readonly binary?: string;
  /**
   * Start a one-node Redis Cluster (`--cluster-enabled yes`, all 16384 slots on this node), for
   * ioredis's `Cluster` client. Default: a standalone server.
   */
  readonly cluster?: boolean;
}

/** The path of `redis-server` on `PATH`, or `undefined` when this machine has none. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Starts `redis-server --port N --bind 127.0.0.1 --save '' --appendonly no` and resolves once it
 * accepts connections.
 * @throws RedisServerError when there is no `redis-server`, or it does not start within 5 s (with its output)
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const binary = options.binary ?? findRedisServer();
  if (binary === undefined) {
    throw new RedisServerError(
      'redis-server is not installed (not found on PATH): install Redis, or skip when findRedisServer() finds none.',
    );
  }
  const cluster = options.cluster === true;
  if (options.port !== undefined) return launch(binary, options.port, cluster);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, await freePort(), cluster);
    } catch (error) {
      lastError = error; // the port was taken between the probe and the start: try another
    }
  }
  throw lastError;
}

async function launch(binary: string, port: number, cluster: boolean): Promise<RunningRedis> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const dir = cluster ? mkdtempSync(join(tmpdir(), 'licensegate-redis-')) : undefined;
  if (dir !== undefined)
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-announce-ip',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-config-file',
      'nodes.conf',
    );
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const removeDir = (): void => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(child);
    if (cluster) await takeAllSlots(port);
  } catch (error) {
    child.kill('SIGKILL');
    removeDir();
    if (error instanceof RedisServerError) throw error;
    throw new RedisServerError(`redis-server on port ${port} did not become ready: ${String(error)}`, {
      cause: error,
    });
  }
  let exited: Promise<unknown> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop() {
      if (exited === undefined) {
        exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
        child.kill('SIGTERM');
      }
      return exited.then(removeDir);
    },
  };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`redis-server did not start in ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null): void => fail(`redis-server exited with ${code}`);
    const onError = (error: Error): void => fail(error.message, error);
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout?.resume();
      child.stderr?.resume();
    }
    function fail(reason: string, cause?: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(new RedisServerError(`${reason}; its output:\n${output.trim()}`, cause && { cause }));
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Gives every slot to the one node and waits until the cluster says it is ok. */
async function takeAllSlots(port: number): Promise<void> {
  const admin = new RedisClient({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await admin.connect();
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new RedisServerError('the one-node cluster did not reach cluster_state:ok');
      await sleep(20);
    }
  } finally {
    admin.disconnect();
  }
}

/** A port nobody listens on now (probed on 127.0.0.1). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
