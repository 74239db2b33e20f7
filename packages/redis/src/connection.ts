/**
 * The store's hold on its ioredis client: connecting at `init()`, quitting a client the store made
 * at the last `shutdown()`, and saying once per outage that Redis went away and came back.
 *
 * @module
 */
import type { Logger } from '@licensegate/core';
import type { Cluster, Redis } from 'ioredis';

/** How long `init()` waits for a connection before it lets calls fail with their own clear error. */
const CONNECT_WAIT_MS = 3_000;

/** The client, whether the store owns it, and the outage log. */
export class Connection {
  readonly client: Redis | Cluster;
  readonly #owned: boolean;
  readonly #logger: Logger;
  readonly #now: () => number;
  #downSince: number | undefined;
  #listening = false;
  /** A client the store made was closed by the last `shutdown()`: the next `open()` connects it again. */
  #closed = false;
  readonly #onError = (error: Error): void => this.#lost(error.message);
  readonly #onClose = (): void => this.#lost('the connection closed');
  readonly #onReady = (): void => this.#back();

  /**
   * @param owned - whether the store made the client (then it connects and quits it)
   * @param now - the store's clock, for the downtime in the log
   */
  constructor(client: Redis | Cluster, owned: boolean, logger: Logger, now: () => number) {
    this.client = client;
    this.#owned = owned;
    this.#logger = logger;
    this.#now = now;
  }

  /** Whether Redis is known to be unreachable now (an error since the last `ready`). */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /**
   * Listens to the client and connects it when it is not connected yet (or, for a client the store
   * made, was quit at an earlier last `shutdown()`). Waits up to 3 s for the connection; never
   * rejects — while Redis is unreachable, calls fail with a `RedisUnavailableError`.
   */
  async open(): Promise<void> {
    if (!this.#listening) {
      this.client.on('error', this.#onError);
      this.client.on('close', this.#onClose);
      this.client.on('ready', this.#onReady);
      this.#listening = true;
    }
    const { client } = this;
    const reopen = this.#owned && this.#closed;
    this.#closed = false;
    if (client.status === 'ready') return;
    if (client.status === 'wait' || reopen) client.connect().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      timer.unref();
      client.once('ready', done);
      client.once('end', done);
    });
  }

  /** Stops listening and, for a client the store made, quits it (the records stay in Redis). */
  async close(): Promise<void> {
    if (this.#listening) {
      this.client.off('error', this.#onError);
      this.client.off('close', this.#onClose);
      this.client.off('ready', this.#onReady);
      this.#listening = false;
    }
    this.#downSince = undefined;
    if (!this.#owned) return;
    this.#closed = true;
    const { client } = this;
    if (client.status !== 'ready') {
      client.disconnect(); // also cancels a pending reconnect
      return;
    }
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CONNECT_WAIT_MS);
      timer.unref();
      client.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.quit().catch(() => client.disconnect());
    await ended;
  }

  #lost(reason: string): void {
    if (this.#downSince !== undefined) return;
    this.#downSince = this.#now();
    this.#logger.warn(
      { event: 'licensegate.redis.unavailable', error: reason },
      'Redis cannot be reached: seats, drawdown debits and shared tier answers that need it fail until it is back',
    );
  }

  #back(): void {
    if (this.#downSince === undefined) return;
    const downtimeMs = Math.max(0, this.#now() - this.#downSince);
    this.#downSince = undefined;
    this.#logger.info({ event: 'licensegate.redis.recovered', downtimeMs }, 'Redis is reachable again');
  }
}
