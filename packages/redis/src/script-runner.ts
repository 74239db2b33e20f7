/**
 * Runs the store's Lua scripts: EVALSHA, one round trip; when Redis does not know the script
 * (after a restart, a SCRIPT FLUSH or a failover), EVAL with its source, which also caches it.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';

import { storeErrorOf } from './errors.js';
import type { LuaScript } from './scripts.js';

/** Runs scripts on one client; every failure becomes a store error (see `storeErrorOf`). */
export class ScriptRunner {
  readonly #client: Redis | Cluster;

  constructor(client: Redis | Cluster) {
    this.#client = client;
  }

  /**
   * Runs `script` on the one key `key` with `args`.
   * @throws RedisUnavailableError when Redis cannot be reached, or an `Error` naming the operation
   */
  run(script: LuaScript, key: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.#client.evalsha(script.sha, 1, key, ...args).then(
      (reply) => reply,
      (error: unknown) => {
        if (!isNoScript(error)) throw storeErrorOf(script.name, error);
        return this.#client.eval(script.lua, 1, key, ...args).catch((again: unknown) => {
          throw storeErrorOf(script.name, again);
        });
      },
    );
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
