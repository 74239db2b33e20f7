import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SeatRecords } from './seat-records.js';
import type { SeatView } from './seat-record.js';

/** Foreign keys (held by other engines) whose activity this engine throttles. */
const FOREIGN_TOUCHES = 10_000;

/**
 * Activity on a seat seen by this engine, and the seat as last read here (served while the store
 * is unreachable). Kept compact — numbers, and a shared empty holder list — since one exists per
 * seat held.
 */
export interface SeenSeat {
  /** Last activity seen here (clock ms). */
  at: number;
  /** The activity last written to the store. */
  persisted: number;
  /** The seat as last read: 0 until it was read. */
  acquiredAt: number;
  leaseExpiresAt: number;
  holders: readonly string[];
}

const NO_HOLDERS: readonly string[] = Object.freeze([]);

/** What {@link SeatActivity} works with. */
export interface SeatActivityDeps {
  readonly records: SeatRecords;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The seats' idle timeout: activity is written to the store at most every tenth of it per key. */
  readonly idleTimeoutMs: number;
}

/**
 * What this engine has seen of seats: the activity (`touch`) on the seats it keeps alive and on
 * seats other engines keep alive (behind a load balancer, a session's requests reach every
 * instance), written to the store at most every tenth of the idle timeout per key; each seat as
 * last read; and the seats adopted from stopped engines (returned as orphans when idle).
 */
export class SeatActivity {
  readonly #deps: SeatActivityDeps;
  /** Last activity seen here, and when it was written to the store: seats this engine keeps alive. */
  readonly #seen = new Map<string, SeenSeat>();
  /** The same, for seats other engines keep alive (touched here, e.g. behind a load balancer). */
  readonly #foreign = new LRUCache<string, SeenSeat>({ max: FOREIGN_TOUCHES });
  /** Seats adopted from engines that stopped: reaped as orphans. */
  readonly #adopted = new Set<string>();

  constructor(deps: SeatActivityDeps) {
    this.#deps = deps;
  }

  /** The keys of the seats this engine keeps alive and has seen activity on. */
  keys(): IterableIterator<string> {
    return this.#seen.keys();
  }

  /** Activity seen on a seat this engine keeps alive. */
  ofOwn(key: string): SeenSeat | undefined {
    return this.#seen.get(key);
  }

  /** What was seen of a seat, kept alive here or elsewhere. */
  of(key: string): SeenSeat | undefined {
    return this.#seen.get(key) ?? this.#foreign.get(key);
  }

  /** This engine keeps the seat alive from now on: activity is counted from now. */
  keeping(key: string): void {
    const now = this.#deps.clock.now();
    this.#seen.set(key, { at: now, persisted: now, acquiredAt: 0, leaseExpiresAt: 0, holders: NO_HOLDERS });
  }

  /** This engine no longer keeps the seat alive (lost, moved, released or taken over). */
  notKeeping(key: string): void {
    this.#seen.delete(key);
  }

  /** The seat went back: nothing is kept of it. */
  returned(key: string): void {
    this.#seen.delete(key);
    this.#adopted.delete(key);
  }

  /** The seat was adopted from a stopped engine. */
  adopted(key: string): void {
    this.#adopted.add(key);
  }

  /** Whether the seat was adopted from a stopped engine (and is reaped as an orphan). */
  isAdopted(key: string): boolean {
    return this.#adopted.has(key);
  }

  /** Notes what a read of the seat showed. */
  remember(key: string, view: SeatView): void {
    const seen = this.of(key);
    if (seen === undefined) return;
    seen.acquiredAt = view.acquiredAt.getTime();
    seen.leaseExpiresAt = view.leaseExpiresAt.getTime();
    seen.holders = view.holders.length === 0 ? NO_HOLDERS : view.holders;
  }

  /**
   * Marks activity on a seat now; the store is written at most every tenth of the idle timeout.
   * @returns whether this engine keeps the seat alive
   */
  touch(key: string): boolean {
    const now = this.#deps.clock.now();
    const throttle = this.#deps.idleTimeoutMs / 10;
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      seen.at = now;
      if (now - seen.persisted >= throttle) void this.#persist(key, seen);
      return true;
    }
    let foreign = this.#foreign.get(key);
    if (foreign === undefined)
      this.#foreign.set(
        key,
        (foreign = { at: now, persisted: -Infinity, acquiredAt: 0, leaseExpiresAt: 0, holders: NO_HOLDERS }),
      );
    foreign.at = now;
    if (now - foreign.persisted >= throttle) void this.#persist(key, foreign);
    return false;
  }

  async #persist(key: string, seen: SeenSeat): Promise<void> {
    const { records, logger } = this.#deps;
    seen.persisted = seen.at;
    try {
      for (let round = 0; round < 3; round++) {
        const record = await records.get(key);
        if (record === undefined || record.value.lastSeenAt >= seen.at) return;
        if ((await records.put(key, { ...record.value, lastSeenAt: seen.at }, record.version)) !== undefined) return;
      }
    } catch (error) {
      logger.debug(
        { event: 'licensegate.seat.touch_failed', key, error: (error as Error).message },
        'Could not record seat activity',
      );
    }
  }
}
