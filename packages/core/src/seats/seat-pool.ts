import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LEASE_TTL_MS } from '../constants.js';
import {
  LicenseGateConfigurationError,
  LicenseGateError,
  LicenseUnavailableError,
  NoLicenseError,
  SeatContentionError,
  SeatsExhaustedError,
} from '../errors.js';
import type { KnownLicense } from '../license/known-license.js';
import { OnUnavailable } from '../policy/unavailable-policy.js';
import type { LicenseSource } from '../source/license-source.js';
import type { StoreRecord } from '../store/store.js';
import { DeadlineQueue } from '../util/deadline-queue.js';
import { SeatActivity } from './seat-activity.js';
import { SeatCheckouts } from './seat-checkout.js';
import { adoptSeats, returnSeatsAtStop, type AdoptHow, type SeatHandoverDeps } from './seat-handover.js';
import { SeatKeepAlive } from './seat-keep-alive.js';
import type { ResolvedSeatOptions, SeatPoolOptions } from './seat-options.js';
import { viewOf, type SeatEvents, type SeatRecord, type SeatView } from './seat-record.js';
import { MAX_CAS_ROUNDS, SeatRecords } from './seat-records.js';
import { SeatWaiters } from './seat-waiters.js';

/** What the pool is built from. Nothing here is the gate: the gate hands over the parts it owns. */
export interface SeatPoolDeps {
  readonly options: SeatPoolOptions;
  readonly seats: ResolvedSeatOptions;
  readonly source: LicenseSource;
  /** This engine's id (owner of the seats it keeps alive). */
  readonly instanceId: string;
  /**
   * The license as the gate knows it (the gate's `LicenseWatch`): its maximum for the seat
   * entitlement is told with a refusal, and whether it is usable (expired, deactivated) explains one.
   */
  readonly license: KnownLicense;
  /** Where the seat events go (the gate's emitter). */
  readonly emit: <K extends keyof SeatEvents>(event: K, payload: SeatEvents[K]) => void;
}

/** Options of one acquisition. */
export interface AcquireOptions {
  /**
   * Who holds the seat under this key, e.g. a session id when seats are keyed by user: several
   * holders share one seat, and it goes back when the last one releases.
   */
  holder?: string;
  /** Small JSON details about the holder, shown by `held()` (e.g. the user's name). */
  info?: unknown;
  /** Stops waiting in the queue when it aborts (the client went away). */
  signal?: AbortSignal;
}

/** What {@link SeatPool.stats} reports: this engine's seats, its queue, and the acquisitions it refused. */
export interface SeatStats {
  /** Seats this engine keeps alive (as `size`). */
  readonly held: number;
  /** Acquisitions waiting in the queue for a seat (`seats.wait`). */
  readonly waiting: number;
  /** Acquisitions refused since the gate started: no seat free (after waiting, when the queue is on), or no usable license. */
  readonly refused: { readonly exhausted: number; readonly noLicense: number };
}

const MAX_KEY_LENGTH = 512;

function checkKey(key: unknown, what = 'seat key'): asserts key is string {
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new LicenseGateError(
      'ERR_LG_SEAT_KEY',
      `A ${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters; got ${JSON.stringify(key)}.`,
    );
  }
}

/**
 * Floating seats: one unit of a counted entitlement per holder, checked out (PROVISIONAL,
 * `Value=1`) when a session starts, kept alive while it is used, and checked in when it ends —
 * by `release()`, by the idle reaper, at `stop()`, or by another engine after a crash.
 *
 * Seats are recorded in the store, keyed by the holder key, so a key never takes a second seat,
 * and what a dead engine left is adopted by a live one. The pool is the facade of the seat model;
 * each job has its own file:
 * - `seat-records.ts`: the records in the store (compare-and-set reads and writes);
 * - `seat-activity.ts`: activity seen here (`touch`), and each seat as last read;
 * - `seat-checkout.ts`: checkout and check-in, with the replay of a checkout whose answer was lost;
 * - `seat-keep-alive.ts`: the lease renewal schedule and the idle reaper (one timer for all seats);
 * - `seat-waiters.ts`: acquisitions waiting for a seat;
 * - `seat-handover.ts`: adoption of dead engines' seats, and what stop returns or hands over.
 */
export class SeatPool {
  readonly #deps: SeatPoolDeps;
  readonly #queue: DeadlineQueue<string>;
  readonly #records: SeatRecords;
  readonly #activity: SeatActivity;
  readonly #checkouts: SeatCheckouts;
  readonly #keepAlive: SeatKeepAlive;
  readonly #handover: SeatHandoverDeps;
  readonly #waiters: SeatWaiters | undefined;
  readonly #acquiring = new Map<string, Promise<unknown>>();
  /** The `onUnavailable` policy: seats measure a store outage from its first failed read. */
  readonly #onUnavailable: OnUnavailable;
  #stopped = false;
  /** Acquisitions refused (SeatsExhaustedError, NoLicenseError), for {@link stats}. */
  readonly #refused = { exhausted: 0, noLicense: 0 };
  /** When reading seats from the store began to fail (the store is unreachable); `undefined` while it works. */
  #storeDownSince: number | undefined;
  /** The last acquisition found every seat in use, and no seat was seen taken or returned since (for `gate.health()`). */
  #full = false;

  /**
   * Built by the gate from the parts it owns; an app reaches its pool as `gate.seats`.
   * @internal
   */
  constructor(deps: SeatPoolDeps) {
    this.#deps = deps;
    const { options, seats, source, instanceId } = deps;
    const { clock, logger } = options;
    const stopped = (): boolean => this.#stopped;
    this.#onUnavailable = new OnUnavailable(options.onUnavailable, options.graceMs);
    this.#queue = new DeadlineQueue(clock, (key) => this.#keepAlive.maintain(key));
    this.#records = new SeatRecords(options.store, options.productSku);
    this.#activity = new SeatActivity({
      records: this.#records,
      clock,
      logger,
      idleTimeoutMs: seats.idleTimeoutMs,
    });
    const wait = seats.wait;
    this.#waiters = wait === undefined ? undefined : new SeatWaiters(clock, wait.maxWaiters, wait.pollMs);
    const parts = { seats, source, records: this.#records, activity: this.#activity, schedule: this.#queue, clock };
    this.#checkouts = new SeatCheckouts({
      ...parts,
      logger,
      license: deps.license,
      emit: deps.emit,
      stopped,
      returned: () => {
        this.#full = false;
        this.#waiters?.wakeOne();
      },
    });
    this.#keepAlive = new SeatKeepAlive({
      ...parts,
      instanceId,
      checkouts: this.#checkouts,
      logger,
      emit: deps.emit,
      stopped,
    });
    this.#handover = {
      instanceId,
      idleTimeoutMs: seats.idleTimeoutMs,
      records: this.#records,
      activity: this.#activity,
      checkouts: this.#checkouts,
      schedule: this.#queue,
      clock,
      logger,
    };
  }

  /** The seat entitlement, e.g. `ConcurrentUsers`. */
  get entitlement(): string {
    return this.#deps.seats.entitlement;
  }

  /** Seats this engine keeps alive. */
  get size(): number {
    return this.#queue.size;
  }

  /** Seats held here, acquisitions waiting, acquisitions refused: plain counters (what the seat metrics read). */
  stats(): SeatStats {
    return { held: this.#queue.size, waiting: this.#waiters?.size ?? 0, refused: { ...this.#refused } };
  }

  /**
   * What `gate.health()` reads: when reading seats from the store began to fail (while it fails),
   * and whether the last acquisition here found every seat in use (and none was seen taken or
   * returned here since).
   * @internal
   */
  get healthView(): { readonly storeDownSince: number | undefined; readonly exhausted: boolean } {
    return { storeDownSince: this.#storeDownSince, exhausted: this.#full };
  }

  /**
   * Takes a seat for `key` (a session id, or a user id to share one seat among a user's sessions).
   * A key that already holds a seat takes no second one: the holder is added and the seat returned.
   *
   * @throws SeatsExhaustedError when no seat is free (after waiting, if the wait queue is on)
   * @throws LicenseUnavailableError when License Manager cannot be reached
   */
  async acquire(key: string, options: AcquireOptions = {}): Promise<SeatView> {
    checkKey(key);
    if (options.holder !== undefined) checkKey(options.holder, 'seat holder');
    const wait = this.#deps.seats.wait;
    const deadline = this.#deps.options.clock.now() + (wait?.timeoutMs ?? 0);
    const started = this.#deps.options.clock.now();
    for (;;) {
      try {
        const view = await this.#acquireOnce(key, options);
        this.#full = false;
        this.#activity.remember(key, view);
        return view;
      } catch (error) {
        if (error instanceof SeatsExhaustedError) this.#full = true;
        if (!(error instanceof SeatsExhaustedError) || this.#waiters === undefined || this.#stopped)
          throw this.#refusal(error);
        if (!(await this.#waiters.wait(deadline, options.signal)) || this.#stopped) {
          const waited = this.#deps.options.clock.now() - started;
          throw this.#refusal(
            new SeatsExhaustedError(this.entitlement, this.#checkouts.limit(), Math.max(waited, 1), wait?.pollMs),
          );
        }
      }
    }
  }

  /** Counts an acquisition refused for want of a seat or of a license; returns the error. */
  #refusal(error: unknown): unknown {
    if (error instanceof SeatsExhaustedError) this.#refused.exhausted++;
    else if (error instanceof NoLicenseError) this.#refused.noLicense++;
    return error;
  }

  /**
   * Gives a seat back: removes `holder` (or, without one, every holder) and checks the seat in when
   * no holder is left. Idempotent: releasing what is not held is a no-op.
   * @returns whether a seat or a holder was released
   */
  async release(key: string, holder?: string): Promise<boolean> {
    checkKey(key);
    const pending = this.#acquiring.get(key);
    if (pending !== undefined) await pending.catch(() => undefined);
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const record = await this.#records.get(key);
      if (record === undefined || record.value.releasing) return false;
      const holders = record.value.holders;
      if (holder !== undefined) {
        if (!holders.includes(holder)) return false;
        const rest = holders.filter((h) => h !== holder);
        if (rest.length > 0) {
          if ((await this.#records.put(key, { ...record.value, holders: rest }, record.version)) !== undefined)
            return true;
          continue;
        }
      }
      if ((await this.#checkouts.checkIn(key, record, 'release')) !== 'conflict') return true;
    }
    throw new SeatContentionError(key, 'released');
  }

  /**
   * Moves a seat to another key without a second checkout: what a session id change needs (a
   * session regenerated at login keeps its seat). When `to` already holds a seat, the seat of
   * `from` is released instead, so the key still has one seat.
   * @returns whether a seat was moved
   */
  async rekey(from: string, to: string): Promise<boolean> {
    checkKey(from);
    checkKey(to);
    if (from === to) return false;
    const record = await this.#records.get(from);
    if (record === undefined || record.value.token === null || record.value.releasing) return false;
    // The moved seat is kept alive here from now on, whoever kept it before.
    const value: SeatRecord = {
      ...record.value,
      owner: this.#deps.instanceId,
      lastSeenAt: this.#deps.options.clock.now(),
    };
    const moved = await this.#records.create(to, value);
    if (moved === undefined) {
      await this.release(from);
      return false;
    }
    // Delete the old key while it still holds this seat (a touch may have bumped its version).
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const old = await this.#records.get(from);
      if (old === undefined || old.value.token !== record.value.token) break;
      if (await this.#records.delete(from, old.version)) break;
    }
    this.#queue.cancel(from);
    this.#activity.notKeeping(from);
    this.#activity.keeping(to);
    this.#keepAlive.scheduleNext(to, value);
    return true;
  }

  /**
   * Replaces one holder of a shared seat by another (a user's session regenerated).
   * @returns whether the holder was there
   */
  async replaceHolder(key: string, from: string, to: string): Promise<boolean> {
    checkKey(key);
    checkKey(to, 'seat holder');
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const record = await this.#records.get(key);
      if (record === undefined || !record.value.holders.includes(from)) return false;
      const holders = [...new Set(record.value.holders.map((h) => (h === from ? to : h)))];
      if ((await this.#records.put(key, { ...record.value, holders }, record.version)) !== undefined) return true;
    }
    return false;
  }

  /**
   * Marks activity on a seat, so the idle reaper leaves it alone. Cheap: the store is written at
   * most every tenth of the idle timeout per key.
   * @returns whether this engine keeps the seat alive (`false` says nothing about other engines:
   *   use `get()` to know whether a seat is held)
   */
  touch(key: string): boolean {
    return this.#activity.touch(key);
  }

  /**
   * The seat of `key`, if one is held (by any engine on the store); no token in it. While the store
   * is unreachable, a seat this engine has seen (kept alive or touched here) is answered as last
   * read, under the `onUnavailable` policy: `allow`, or `grace` for `graceMs` after the first failure.
   * @throws the store's error (a `LicenseUnavailableError` when it is unreachable) otherwise
   */
  async get(key: string): Promise<SeatView | undefined> {
    checkKey(key);
    let record: StoreRecord<SeatRecord> | undefined;
    try {
      record = await this.#records.get(key);
    } catch (error) {
      const known = this.#whileStoreDown(key, error);
      if (known !== undefined) return known;
      throw error;
    }
    if (this.#storeDownSince !== undefined) this.#storeBack();
    if (record === undefined || record.value.token === null || record.value.releasing) return undefined;
    const view = viewOf(key, record.value);
    this.#activity.remember(key, view);
    return view;
  }

  /** The seat as last read here, when the store cannot be read now and the policy serves what is known. */
  #whileStoreDown(key: string, error: unknown): SeatView | undefined {
    if (!(error instanceof LicenseUnavailableError)) return undefined;
    const { clock, onUnavailable, logger } = this.#deps.options;
    const now = clock.now();
    if (this.#storeDownSince === undefined) {
      this.#storeDownSince = now;
      logger.warn(
        { event: 'licensegate.seat.store_unavailable', error: error.message, policy: onUnavailable },
        'Seats cannot be read from the store: the seats this instance has seen are served under the onUnavailable policy, others are refused (503)',
      );
    }
    if (!this.#onUnavailable.serves(this.#storeDownSince, now)) return undefined;
    const seen = this.#activity.of(key);
    if (seen === undefined || seen.acquiredAt === 0) return undefined;
    return {
      key,
      holders: seen.holders,
      acquiredAt: new Date(seen.acquiredAt),
      lastSeenAt: new Date(seen.at),
      leaseExpiresAt: new Date(seen.leaseExpiresAt),
    };
  }

  #storeBack(): void {
    const downtimeMs = this.#deps.options.clock.now() - (this.#storeDownSince ?? 0);
    this.#storeDownSince = undefined;
    this.#deps.options.logger.info(
      { event: 'licensegate.seat.store_back', downtimeMs },
      'Seats can be read from the store again',
    );
  }

  /** Every seat held on the store, by every engine. */
  async held(): Promise<SeatView[]> {
    const records = await this.#records.list();
    return records.filter((r) => r.value.token !== null && !r.value.releasing).map((r) => viewOf(r.key, r.value));
  }

  /**
   * Takes over the seats of engines that are no longer alive (at start and on every heartbeat),
   * and the seats handed to this engine by name. `keep` (a shared store: their sessions live on,
   * served by the other instances) keeps them alive until they are idle; `checkIn` (a store of
   * this process alone that outlived a crash: the sessions were in the dead process) checks them
   * in at once, with the reason `orphan`.
   */
  async adopt(liveInstances: ReadonlySet<string>, how: AdoptHow = 'keep'): Promise<void> {
    if (this.#stopped) return;
    await adoptSeats(this.#handover, liveInstances, how);
  }

  /**
   * Stops: waiting acquisitions fail, acquisitions and keep-alives in flight finish, and the seats
   * this engine keeps are returned — or, with `handOver` (other live instances share the store,
   * as in a rolling restart), left for them: a seat used within the idle timeout stays held, and a
   * live instance adopts it as soon as this engine's heartbeat is gone (their sessions live on
   * there). Seats idle past the timeout, and checkouts whose answer was lost, are returned either way.
   * @returns how many seats were returned (checked in), and left in the store (handed over, or not returned in time)
   */
  async stop(options: { handOver?: boolean } = {}): Promise<{ returned: number; handedOver: number; left: number }> {
    this.#stopped = true;
    this.#waiters?.wakeAll();
    // Let acquisitions and keep-alives in flight finish: what they took is returned below.
    await Promise.allSettled([...this.#acquiring.values(), ...this.#keepAlive.inFlight()]);
    const keys = [...new Set([...this.#queue.keys(), ...this.#activity.keys()])];
    this.#queue.clear();
    const { returned, handedOver, left } = await returnSeatsAtStop(this.#handover, keys, options.handOver === true);
    return { returned, handedOver, left: left + handedOver };
  }

  // --- acquisition ---------------------------------------------------------------------------

  async #acquireOnce(key: string, options: AcquireOptions): Promise<SeatView> {
    if (this.#stopped)
      throw new LicenseGateConfigurationError('ERR_LG_STOPPED', 'The gate was stopped; it takes no more seats.');
    const inFlight = this.#acquiring.get(key);
    if (inFlight !== undefined) await inFlight.catch(() => undefined);
    const work = this.#acquireRecord(key, options);
    this.#acquiring.set(key, work);
    try {
      return await work;
    } finally {
      if (this.#acquiring.get(key) === work) this.#acquiring.delete(key);
    }
  }

  async #acquireRecord(key: string, options: AcquireOptions): Promise<SeatView> {
    const { clock } = this.#deps.options;
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const record = await this.#records.get(key);
      if (record !== undefined) {
        if (record.value.token === null && record.value.owner === this.#deps.instanceId) {
          // This engine's checkout whose answer was lost: replay it (same ClientToken) and use it.
          return this.#checkOut(key, { ...record.value, ...withHolder(record.value, options) }, record.version);
        }
        if (record.value.releasing || record.value.token === null) {
          // Being checked in, or checked out by another engine right now: look again shortly.
          if (round >= 5) {
            throw new SeatContentionError(key, 'acquired');
          }
          await sleep(50 * (round + 1));
          continue;
        }
        const updated: SeatRecord = { ...record.value, ...withHolder(record.value, options), lastSeenAt: clock.now() };
        if ((await this.#records.put(key, updated, record.version)) === undefined) continue;
        if (updated.owner === this.#deps.instanceId) this.#activity.keeping(key);
        return viewOf(key, updated);
      }
      const now = clock.now();
      const pending: SeatRecord = {
        token: null,
        clientToken: randomUUID(),
        holders: options.holder !== undefined ? [options.holder] : [],
        owner: this.#deps.instanceId,
        acquiredAt: now,
        lastSeenAt: now,
        leasedAt: now,
        leaseExpiresAt: now + LEASE_TTL_MS,
        releasing: false,
        ...(options.info !== undefined ? { info: options.info } : {}),
      };
      const version = await this.#records.create(key, pending);
      if (version === undefined) continue;
      return this.#checkOut(key, pending, version);
    }
    throw new SeatContentionError(key, 'acquired');
  }

  /** Checks the seat out, then keeps it alive from here. */
  async #checkOut(key: string, pending: SeatRecord, version: number): Promise<SeatView> {
    const held = await this.#checkouts.checkOut(key, pending, version);
    this.#activity.keeping(key);
    this.#keepAlive.scheduleNext(key, held);
    this.#deps.emit('seatAcquired', { key, holders: held.holders.length });
    return viewOf(key, held);
  }
}

/** The holders of a seat once `options.holder` joins. */
function withHolder(record: SeatRecord, options: AcquireOptions): { holders: readonly string[] } {
  const { holder } = options;
  return {
    holders: holder === undefined || record.holders.includes(holder) ? record.holders : [...record.holders, holder],
  };
}
