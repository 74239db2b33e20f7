import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { isDurable, type Store } from '../store/store.js';
import { SingleTimer } from '../util/single-timer.js';

/** This process, among the runs of the app that used one store: new at every start. */
const PROCESS_ID = randomUUID();

/** A heartbeat as the store keeps it. */
interface Heartbeat {
  readonly since: number;
  /** The process of the engine ({@link PROCESS_ID}). */
  readonly process?: string;
}

/**
 * Which engines of a product are alive. Each gate writes a heartbeat record with a short TTL to the
 * store and renews it at a third of the TTL; records that other engines left (seats, unsent
 * batches) belong to a dead engine once its heartbeat has lapsed, and a live one adopts them.
 *
 * On a store that is not shared by processes but outlives them (the file store), only engines of
 * THIS process can be alive: whatever an earlier run of the process left — its heartbeat may not
 * have lapsed yet after a kill -9 — is a dead engine's at once, so a restart takes it over at start.
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
  readonly #timer: SingleTimer;
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
    this.#timer = new SingleTimer(clock, () => this.#tick());
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
    this.#timer.cancel();
    await this.#store.delete(this.#namespace, this.id).catch(() => false);
  }

  /**
   * Ids of the engines alive now (this one included); on a durable store that is not shared by
   * processes, only those of this process.
   */
  async live(): Promise<Set<string>> {
    const records = await this.#store.list<Heartbeat>(this.#namespace);
    const sameProcessOnly = this.#store.shared !== true && isDurable(this.#store);
    return new Set(records.filter((r) => !sameProcessOnly || r.value?.process === PROCESS_ID).map((r) => r.key));
  }

  async #beat(): Promise<void> {
    const heartbeat: Heartbeat = { since: this.#clock.now(), process: PROCESS_ID };
    await this.#store.put(this.#namespace, this.id, heartbeat, { ttlMs: this.#leaseMs });
  }

  #arm(): void {
    if (!this.#running) return;
    this.#timer.armIn(this.#leaseMs / 3);
  }

  #tick(): void {
    this.#beat()
      .then(() => {
        this.#resumed();
        // Right after an outage every heartbeat may have lapsed, live engines' too: adopt nothing
        // until each engine has had a full lease to renew its own.
        if (this.#clock.now() >= this.#adoptFrom) return this.#onTick();
      })
      .catch((error: unknown) => this.#failed(error))
      .finally(() => this.#arm());
  }

  /** A heartbeat failed: logged once per outage. */
  #failed(error: unknown): void {
    if (this.#failingSince !== undefined) return;
    this.#failingSince = this.#clock.now();
    this.#logger.warn(
      { event: 'licensegate.instance.heartbeat_failed', error: (error as Error).message },
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
      { event: 'licensegate.instance.heartbeat_resumed', downtimeMs },
      'The engine heartbeat is renewed again; adopting what stopped engines left resumes after one lease',
    );
  }
}
