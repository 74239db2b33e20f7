import { randomUUID } from 'node:crypto';
import type { Clock, ClockTimer } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

/**
 * Which engines of a product are alive. Each gate writes a heartbeat record with a short TTL to the
 * store and renews it at a third of the TTL; records that other engines left (seats, unsent
 * batches) belong to a dead engine once its heartbeat has lapsed, and a live one adopts them.
 */
export class InstanceRegistry {
  /** This engine's id: new for every gate, so a restarted process is a new instance. */
  readonly id: string = randomUUID();
  readonly #store: Store;
  readonly #namespace: string;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #logger: Logger;
  readonly #onTick: () => Promise<void>;
  #timer: ClockTimer | undefined;
  #running = false;
  /** When the first heartbeat of the current store outage failed; `undefined` while heartbeats succeed. */
  #failingSince: number | undefined;
  /** No adoption before this time: after an outage, the other engines need a turn to renew their heartbeats. */
  #adoptFrom = -Infinity;

  /**
   * @param leaseMs - how long a heartbeat lasts; an engine silent for this long is dead
   * @param onTick - run after each renewal (adoption of what dead engines left)
   */
  constructor(
    store: Store,
    productSku: string,
    clock: Clock,
    leaseMs: number,
    logger: Logger,
    onTick: () => Promise<void>,
  ) {
    this.#store = store;
    this.#namespace = `${productSku}:instances`;
    this.#clock = clock;
    this.#leaseMs = leaseMs;
    this.#logger = logger;
    this.#onTick = onTick;
  }

  /** Writes the first heartbeat and starts renewing. */
  async start(): Promise<void> {
    this.#running = true;
    await this.#beat();
    this.#arm();
  }

  /** Stops renewing and removes the heartbeat. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#store.delete(this.#namespace, this.id).catch(() => false);
  }

  /** Ids of the engines alive now (this one included). */
  async live(): Promise<Set<string>> {
    const records = await this.#store.list(this.#namespace);
    return new Set(records.map((r) => r.key));
  }

  async #beat(): Promise<void> {
    await this.#store.put(this.#namespace, this.id, { since: this.#clock.now() }, { ttlMs: this.#leaseMs });
  }

  #arm(): void {
    if (!this.#running) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#beat()
        .then(() => {
          this.#resumed();
          // Right after an outage every heartbeat may have lapsed, live engines' too: adopt nothing
          // until each engine has had a full lease to renew its own.
          if (this.#clock.now() >= this.#adoptFrom) return this.#onTick();
        })
        .catch((error: unknown) => this.#failed(error))
        .finally(() => this.#arm());
    }, this.#leaseMs / 3);
  }

  /** A heartbeat failed: logged once per outage. */
  #failed(error: unknown): void {
    if (this.#failingSince !== undefined) return;
    this.#failingSince = this.#clock.now();
    this.#logger.warn(
      { event: 'licensegate.heartbeat_failed', error: (error as Error).message },
      'Could not renew the engine heartbeat in the store; retrying',
    );
  }

  /** A heartbeat succeeded: ends an outage, and holds adoption back for one lease. */
  #resumed(): void {
    if (this.#failingSince === undefined) return;
    const downtimeMs = this.#clock.now() - this.#failingSince;
    this.#failingSince = undefined;
    this.#adoptFrom = this.#clock.now() + this.#leaseMs;
    this.#logger.info(
      { event: 'licensegate.heartbeat_resumed', downtimeMs },
      'The engine heartbeat is renewed again; adopting what stopped engines left resumes after one lease',
    );
  }
}
