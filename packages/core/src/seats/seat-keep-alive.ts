import { LEASE_TTL_MS } from '../constants.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ResolvedSeatOptions } from './seat-options.js';
import { LicenseManagerCallError, type LicenseSource } from '../source/license-source.js';
import type { StoreRecord } from '../store/store.js';
import type { SeatActivity } from './seat-activity.js';
import { UNCERTAIN_RETRY_MS, type SeatCheckouts, type SeatSchedule } from './seat-checkout.js';
import type { SeatEvents, SeatRecord } from './seat-record.js';
import { MAX_CAS_ROUNDS, type SeatRecords } from './seat-records.js';

/** Spread of the keep-alive, as a fraction of `keepAliveMs` taken off at random. */
const KEEP_ALIVE_JITTER = 0.1;
/** The shortest wait before a keep-alive is tried again. */
const MIN_RETRY_MS = 5_000;

/** What {@link SeatKeepAlive} works with. */
export interface SeatKeepAliveDeps {
  readonly instanceId: string;
  readonly seats: ResolvedSeatOptions;
  readonly source: LicenseSource;
  readonly records: SeatRecords;
  readonly activity: SeatActivity;
  readonly checkouts: SeatCheckouts;
  /** The pool's one deadline queue, which calls {@link SeatKeepAlive.maintain} when a seat is due. */
  readonly schedule: SeatSchedule;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: <K extends keyof SeatEvents>(event: K, payload: SeatEvents[K]) => void;
  /** Whether the pool is stopped: nothing is rescheduled then. */
  readonly stopped: () => boolean;
}

/**
 * The lease renewal schedule of the seats this engine keeps alive. One deadline per seat (one timer
 * for them all): each seat is extended `keepAliveMs` (with jitter) after its checkout or last
 * extension, well before License Manager's 60-minute lease ends, and returned once unused for
 * `idleTimeoutMs`. A seat marked releasing is checked in again, and a checkout whose answer was
 * lost is resolved (replayed and checked in).
 */
export class SeatKeepAlive {
  readonly #deps: SeatKeepAliveDeps;
  /** Keep-alive work in flight, per key. */
  readonly #working = new Map<string, Promise<void>>();

  constructor(deps: SeatKeepAliveDeps) {
    this.#deps = deps;
  }

  /** Keep-alive work in flight (stop() waits for it). */
  inFlight(): IterableIterator<Promise<void>> {
    return this.#working.values();
  }

  /** The one job per seat that its deadline runs: resolve, reap, extend, or wait longer. */
  maintain(key: string): void {
    if (this.#deps.stopped() || this.#working.has(key)) return;
    const work = this.#maintainNow(key).finally(() => this.#working.delete(key));
    this.#working.set(key, work);
  }

  /**
   * Schedules a seat's next deadline: its extension (see {@link SeatKeepAlive}), or the end of its
   * idle timeout counted from `lastSeenAt`, whichever comes first.
   */
  scheduleNext(key: string, record: SeatRecord, lastSeenAt = record.lastSeenAt): void {
    if (this.#deps.stopped()) return;
    const { clock, seats, schedule } = this.#deps;
    const extendAt = this.#extendFrom(record) + this.#keepAliveMs(record) * KEEP_ALIVE_JITTER * Math.random();
    schedule.schedule(key, Math.max(clock.now() + 1, Math.min(extendAt, lastSeenAt + seats.idleTimeoutMs)));
  }

  async #maintainNow(key: string): Promise<void> {
    const { records, activity, checkouts, instanceId } = this.#deps;
    try {
      const record = await records.get(key);
      if (record === undefined || record.value.owner !== instanceId) {
        activity.notKeeping(key);
        return;
      }
      if (record.value.releasing) {
        await checkouts.checkIn(key, record, 'release');
      } else if (record.value.token === null) {
        // A checkout whose answer was lost, and no acquisition took it up: replayed and checked in.
        await checkouts.checkIn(key, record, undefined);
      } else {
        await this.#keepAlive(key, record);
      }
    } catch (error) {
      this.#deps.logger.warn(
        { event: 'licensegate.seat.maintenance_failed', key, error: (error as Error).message },
        'Seat keep-alive failed; retrying',
      );
      this.#deps.schedule.schedule(key, this.#deps.clock.now() + UNCERTAIN_RETRY_MS);
    } finally {
      this.#working.delete(key);
    }
  }

  async #keepAlive(key: string, record: StoreRecord<SeatRecord>): Promise<void> {
    const { clock, activity, checkouts, seats } = this.#deps;
    const now = clock.now();
    const seen = activity.ofOwn(key);
    const lastSeenAt = Math.max(record.value.lastSeenAt, seen?.at ?? 0);
    if (now - lastSeenAt >= seats.idleTimeoutMs) {
      await checkouts.checkIn(key, record, activity.isAdopted(key) ? 'orphan' : 'idle');
      return;
    }
    if (now < this.#extendFrom(record.value)) {
      this.scheduleNext(key, record.value, lastSeenAt);
      return;
    }
    let expiresAt: number | undefined;
    try {
      expiresAt = await this.#deps.source.extend(record.value.token as string);
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive')
        return this.#lose(key, record, error.awsName);
      if (now >= record.value.leaseExpiresAt) return this.#lose(key, record, 'lease-expired');
      const retryIn = Math.max(MIN_RETRY_MS, Math.min(60_000, (record.value.leaseExpiresAt - now) / 2));
      if (!this.#deps.stopped()) this.#deps.schedule.schedule(key, now + retryIn);
      return;
    }
    const leasedAt = clock.now();
    const leaseExpiresAt = expiresAt ?? leasedAt + LEASE_TTL_MS;
    const extended = await this.#recordExtension(key, record, { leasedAt, leaseExpiresAt, lastSeenAt });
    if (extended === undefined) {
      activity.notKeeping(key);
      return; // released or taken over meanwhile
    }
    if (seen !== undefined) seen.persisted = lastSeenAt;
    this.scheduleNext(key, extended, lastSeenAt);
    this.#deps.emit('seatExtended', { key, leaseExpiresAt: new Date(extended.leaseExpiresAt) });
  }

  /**
   * Writes an extension into the seat's record. A touch may have changed the record since it was
   * read: the extension is merged into the latest one rather than done again.
   */
  async #recordExtension(
    key: string,
    record: StoreRecord<SeatRecord>,
    lease: { leasedAt: number; leaseExpiresAt: number; lastSeenAt: number },
  ): Promise<SeatRecord | undefined> {
    const { records, instanceId } = this.#deps;
    let current: StoreRecord<SeatRecord> | undefined = record;
    for (let round = 0; round < MAX_CAS_ROUNDS && current !== undefined; round++) {
      if (current.value.token !== record.value.token || current.value.owner !== instanceId) return undefined;
      const extended: SeatRecord = {
        ...current.value,
        leasedAt: lease.leasedAt,
        leaseExpiresAt: lease.leaseExpiresAt,
        lastSeenAt: Math.max(current.value.lastSeenAt, lease.lastSeenAt),
      };
      if ((await records.put(key, extended, current.version)) !== undefined) return extended;
      current = await records.get(key);
    }
    return undefined;
  }

  #lose(key: string, record: StoreRecord<SeatRecord>, reason: string): Promise<void> {
    this.#deps.activity.notKeeping(key);
    this.#deps.emit('seatLost', { key, reason });
    this.#deps.logger.warn(
      { event: 'licensegate.seat.lost', key, reason },
      'A seat could not be kept alive; the next acquire takes a new one',
    );
    return this.#deps.records.delete(key, record.version).then(() => undefined);
  }

  /**
   * The earliest a seat is extended: `keepAliveMs` after its last checkout or extension, less the
   * jitter (up to 10 %). The deadline is drawn inside that window, so a seat that is due is never
   * put back before now.
   */
  #extendFrom(record: SeatRecord): number {
    return record.leasedAt + this.#keepAliveMs(record) * (1 - KEEP_ALIVE_JITTER);
  }

  /** `keepAliveMs`, or half the lease when the license's lease is shorter (seller-issued licenses may set one). */
  #keepAliveMs(record: SeatRecord): number {
    const lease = record.leaseExpiresAt - record.leasedAt;
    return Math.max(MIN_RETRY_MS, Math.min(this.#deps.seats.keepAliveMs, lease / 2));
  }
}
