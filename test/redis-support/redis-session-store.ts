/**
 * An express-session store in Redis, for the test apps: sessions outlive the app instance that made
 * them, so a user logged in through one instance is still logged in through another (behind a load
 * balancer, or after the first one died). One string key per session, `<prefix>sess:<id>`, holding
 * the session's JSON, expiring with the session cookie (PX).
 */
import session, { type SessionData } from 'express-session';
import type { Redis } from 'ioredis';

/** Sessions without a cookie expiry live this long. */
const DEFAULT_TTL_MS = 24 * 60 * 60_000;

/** A minimal express-session store over an ioredis client the caller owns. */
export class RedisSessionStore extends session.Store {
  readonly #client: Redis;
  readonly #prefix: string;

  /** @param prefix - starts every key, e.g. the app's key prefix */
  constructor(client: Redis, prefix: string) {
    super();
    this.#client = client;
    this.#prefix = `${prefix}sess:`;
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    this.#client.get(this.#prefix + sid).then(
      (text) => callback(null, text === null ? null : (JSON.parse(text) as SessionData)),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
    this.#client.set(this.#prefix + sid, JSON.stringify(data), 'PX', ttlOf(data)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.#client.del(this.#prefix + sid).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    this.#client.pexpire(this.#prefix + sid, ttlOf(data)).then(
      () => callback?.(),
      () => callback?.(),
    );
  }
}

/** The session's time to live: until its cookie expires. */
function ttlOf(data: SessionData): number {
  const expires = data.cookie?.expires;
  const ms = expires === undefined || expires === null ? DEFAULT_TTL_MS : new Date(expires).getTime() - Date.now();
  return Math.max(1, Math.round(ms));
}
