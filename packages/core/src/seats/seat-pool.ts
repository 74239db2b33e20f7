import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { LEASE_TTL_MS } from '../constants.js';
import {
  LicenseGateConfigurationError,
  LicenseGateError,
  LicenseUnavailableError,
  NoLicenseError,
  SeatContentionError,
  SeatsExhaustedError,
} from '../errors.js';
import type { ResolvedOptions, ResolvedSeatOptions } from '../options.js';
import { LicenseManagerCallError, type LicenseSource } from '../source/license-source.js';
import type { StoreRecord } from '../store/store.js';
import { DeadlineQueue } from '../util/deadline-queue.js';
import { viewOf, type SeatEvents, type SeatRecord, type SeatReleaseReason, type SeatView } from './seat-record.js';
import { SeatWaiters } from './seat-waiters.js';

/** What the pool needs from its gate. */
export interface SeatPoolDeps {
  readonly options: ResolvedOptions;
  readonly seats: ResolvedSeatOptions;
  readonly source: LicenseSource;
  /** This engine's id (owner of the seats it keeps alive). */
  readonly instanceId: string;
  /** The license's maximum for the seat entitlement, where known. */
  readonly limit: () => number | undefined;
  /** Why the license grants nothing, when the gate knows it does not (expired, deactivated), else `undefined`. */
  readonly unusable: () => string | undefined;
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

const MAX_KEY_LENGTH = 512;
/** How long a checkout whose answer was lost waits before it is resolved. */
const UNCERTAIN_RETRY_MS = 30_000;
/** Retries of the store's compare-and-set under contention. */
const MAX_CAS_ROUNDS = 20;
/** Spread of the keep-alive, as a fraction of `keepAliveMs` taken off at random. */
const KEEP_ALIVE_JITTER = 0.1;
/** Concurrent check-ins at stop(). */
const STOP_CONCURRENCY = 64;
/** stop() returns seats for at most this long; the rest stay recorded for adoption (and expire in License Manager). */
const STOP_DEADLINE_MS = 20_000;
/** The shortest wait before a keep-alive is tried again. */
const MIN_RETRY_MS = 5_000;
/** Foreign keys (held by other engines) whose activity this engine throttles. */
const FOREIGN_TOUCHES = 10_000;

/**
 * Activity on a seat seen by this engine, and the seat as last read here (served while the store
 * is unreachable). Kept compact — numbers, and a shared empty holder list — since one exists per
 * seat held.
 */
interface Seen {
  at: number;
  persisted: number;
  acquiredAt: number;
  leaseExpiresAt: number;
  holders: readonly string[];
}

const NO_HOLDERS: readonly string[] = Object.freeze([]);

/** Notes what a read of the seat showed. */
function remember(seen: Seen | undefined, view: SeatView): void {
  if (seen === undefined) return;
  seen.acquiredAt = view.acquiredAt.getTime();
  seen.leaseExpiresAt = view.leaseExpiresAt.getTime();
  seen.holders = view.holders.length === 0 ? NO_HOLDERS : view.holders;
}

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
 * and what a dead engine left is adopted by a live one. One timer runs over all seats (a heap of
 * deadlines): each seat is extended `keepAliveMs` (with jitter) after its checkout or last
 * extension, well before License Manager's 60-minute lease ends, and returned once unused for
 * `idleTimeoutMs`.
 */
export class SeatPool {
  readonly #deps: SeatPoolDeps;
  readonly #namespace: string;
  readonly #queue: DeadlineQueue<string>;
  readonly #waiters: SeatWaiters | undefined;
  /** Last activity seen here, and when it was written to the store: seats this engine keeps alive. */
  readonly #seen = new Map<string, Seen>();
  /** The same, for seats other engines keep alive (touched here, e.g. behind a load balancer). */
  readonly #foreign = new LRUCache<string, Seen>({ max: FOREIGN_TOUCHES });
  readonly #acquiring = new Map<string, Promise<unknown>>();
  /** Keep-alive work in flight, per key. */
  readonly #working = new Map<string, Promise<void>>();
  /** Seats adopted from engines that stopped: reaped as orphans. */
  readonly #adopted = new Set<string>();
  #stopped = false;
  /** When reading seats from the store began to fail (the store is unreachable); `undefined` while it works. */
  #storeDownSince: number | undefined;

  constructor(deps: SeatPoolDeps) {
    this.#deps = deps;
    this.#namespace = `${deps.options.productSku}:seats`;
    this.#queue = new DeadlineQueue(deps.options.clock, (key) => this.#maintain(key));
    const wait = deps.seats.wait;
    this.#waiters = wait === undefined ? undefined : new SeatWaiters(deps.options.clock, wait.maxWaiters, wait.pollMs);
  }

  /** The seat entitlement, e.g. `ConcurrentUsers`. */
  get entitlement(): string {
    return this.#deps.seats.entitlement;
  }

  /** Seats this engine keeps alive. */
  get size(): number {
    return this.#queue.size;
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
        remember(this.#seen.get(key) ?? this.#foreign.get(key), view);
        return view;
      } catch (error) {
        if (!(error instanceof SeatsExhaustedError) || this.#waiters === undefined || this.#stopped) throw error;
        if (!(await this.#waiters.wait(deadline, options.signal)) || this.#stopped) {
          const waited = this.#deps.options.clock.now() - started;
          throw new SeatsExhaustedError(this.entitlement, this.#deps.limit(), Math.max(waited, 1), wait?.pollMs);
        }
      }
    }
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
      const record = await this.#get(key);
      if (record === undefined || record.value.releasing) return false;
      const holders = record.value.holders;
      if (holder !== undefined) {
        if (!holders.includes(holder)) return false;
        const rest = holders.filter((h) => h !== holder);
        if (rest.length > 0) {
          if ((await this.#put(key, { ...record.value, holders: rest }, record.version)) !== undefined) return true;
          continue;
        }
      }
      if ((await this.#checkIn(key, record, 'release')) !== 'conflict') return true;
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
    const record = await this.#get(from);
    if (record === undefined || record.value.token === null || record.value.releasing) return false;
    // The moved seat is kept alive here from now on, whoever kept it before.
    const value: SeatRecord = {
      ...record.value,
      owner: this.#deps.instanceId,
      lastSeenAt: this.#deps.options.clock.now(),
    };
    const moved = await this.#deps.options.store.put(this.#namespace, to, value, { ifAbsent: true });
    if (moved === undefined) {
      await this.release(from);
      return false;
    }
    // Delete the old key while it still holds this seat (a touch may have bumped its version).
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const old = await this.#get(from);
      if (old === undefined || old.value.token !== record.value.token) break;
      if (await this.#deps.options.store.delete(this.#namespace, from, { ifVersion: old.version })) break;
    }
    this.#queue.cancel(from);
    this.#seen.delete(from);
    this.#noteSeen(to);
    this.#scheduleNext(to, value);
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
      const record = await this.#get(key);
      if (record === undefined || !record.value.holders.includes(from)) return false;
      const holders = [...new Set(record.value.holders.map((h) => (h === from ? to : h)))];
      if ((await this.#put(key, { ...record.value, holders }, record.version)) !== undefined) return true;
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
    const now = this.#deps.options.clock.now();
    const throttle = this.#deps.seats.idleTimeoutMs / 10;
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      seen.at = now;
      if (now - seen.persisted >= throttle) void this.#persistSeen(key, seen);
      return true;
    }
    let foreign = this.#foreign.get(key);
    if (foreign === undefined)
      this.#foreign.set(
        key,
        (foreign = { at: now, persisted: -Infinity, acquiredAt: 0, leaseExpiresAt: 0, holders: NO_HOLDERS }),
      );
    foreign.at = now;
    if (now - foreign.persisted >= throttle) void this.#persistSeen(key, foreign);
    return false;
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
      record = await this.#get(key);
    } catch (error) {
      const known = this.#whileStoreDown(key, error);
      if (known !== undefined) return known;
      throw error;
    }
    if (this.#storeDownSince !== undefined) this.#storeBack();
    if (record === undefined || record.value.token === null || record.value.releasing) return undefined;
    const view = viewOf(key, record.value);
    remember(this.#seen.get(key) ?? this.#foreign.get(key), view);
    return view;
  }

  /** The seat as last read here, when the store cannot be read now and the policy serves what is known. */
  #whileStoreDown(key: string, error: unknown): SeatView | undefined {
    if (!(error instanceof LicenseUnavailableError)) return undefined;
    const { clock, onUnavailable, graceMs, logger } = this.#deps.options;
    const now = clock.now();
    if (this.#storeDownSince === undefined) {
      this.#storeDownSince = now;
      logger.warn(
        { event: 'licensegate.seats.store_unavailable', error: error.message, policy: onUnavailable },
        'Seats cannot be read from the store: the seats this instance has seen are served under the onUnavailable policy, others are refused (503)',
      );
    }
    if (onUnavailable === 'deny' || (onUnavailable === 'grace' && now - this.#storeDownSince >= graceMs))
      return undefined;
    const seen = this.#seen.get(key) ?? this.#foreign.get(key);
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
      { event: 'licensegate.seats.store_back', downtimeMs },
      'Seats can be read from the store again',
    );
  }

  /** Every seat held on the store, by every engine. */
  async held(): Promise<SeatView[]> {
    const records = await this.#deps.options.store.list<SeatRecord>(this.#namespace);
    return records.filter((r) => r.value.token !== null && !r.value.releasing).map((r) => viewOf(r.key, r.value));
  }

  /**
   * Takes over the seats of engines that are no longer alive (at start and on every heartbeat),
   * and the seats handed to this engine by name. `keep` (a shared store: their sessions live on,
   * served by the other instances) keeps them alive until they are idle; `checkIn` (a store of
   * this process alone that outlived a crash: the sessions were in the dead process) checks them
   * in at once, with the reason `orphan`.
   */
  async adopt(liveInstances: ReadonlySet<string>, how: 'keep' | 'checkIn' = 'keep'): Promise<void> {
    if (this.#stopped) return;
    const me = this.#deps.instanceId;
    const records = await this.#deps.options.store.list<SeatRecord>(this.#namespace);
    for (const record of records) {
      const owner = record.value.owner;
      if (owner === me) continue;
      if (liveInstances.has(owner)) continue;
      const version = await this.#put(record.key, { ...record.value, owner: me }, record.version);
      if (version === undefined) continue; // another engine adopted it first
      this.#deps.options.logger.info(
        { event: 'licensegate.seat_adopted', key: record.key, from: owner, then: how },
        how === 'keep'
          ? 'Adopted a seat left by a stopped engine: kept alive while its session is used'
          : 'A seat left by an earlier run of this process is checked in: its session ended with it',
      );
      this.#adopted.add(record.key);
      if (how === 'checkIn') {
        await this.#checkIn(
          record.key,
          { value: { ...record.value, owner: me }, version, expiresAt: record.expiresAt },
          'orphan',
        ).catch((error: unknown) =>
          this.#deps.options.logger.warn(
            { event: 'licensegate.checkin_failed', key: record.key, error: (error as Error).message },
            'Seat check-in failed; retrying',
          ),
        );
      } else {
        this.#queue.schedule(record.key, this.#deps.options.clock.now());
      }
    }
  }

  /**
   * Stops: waiting acquisitions fail, acquisitions and keep-alives in flight finish, and the seats
   * this engine keeps are returned — or, with `handOver` (other live instances share the store,
   * as in a rolling restart), left for them: a seat used within the idle timeout stays held, and a
   * live instance adopts it as soon as this engine's heartbeat is gone (their sessions live on
   * there). Seats idle past the timeout, and checkouts whose answer was lost, are returned either way.
   * @returns how many seats were left in the store (handed over, or not returned in time)
   */
  async stop(options: { handOver?: boolean } = {}): Promise<{ handedOver: number; left: number }> {
    this.#stopped = true;
    this.#waiters?.wakeAll();
    // Let acquisitions and keep-alives in flight finish: what they took is returned below.
    await Promise.allSettled([...this.#acquiring.values(), ...this.#working.values()]);
    const keys = [...new Set([...this.#queue.keys(), ...this.#seen.keys()])];
    this.#queue.clear();
    const started = performance.now();
    let handedOver = 0;
    let left = 0;
    for (let i = 0; i < keys.length; i += STOP_CONCURRENCY) {
      if (performance.now() - started > STOP_DEADLINE_MS) {
        left += keys.length - i;
        this.#deps.options.logger.warn(
          { event: 'licensegate.seats_left_at_stop', seats: keys.length - i },
          'stop() ran out of time returning seats: the rest stay recorded for another engine to adopt, and License Manager returns them when their lease ends',
        );
        break;
      }
      const outcomes = await Promise.all(
        keys.slice(i, i + STOP_CONCURRENCY).map((key) => this.#returnAtStop(key, options.handOver === true)),
      );
      for (const outcome of outcomes) {
        if (outcome === 'handed-over') handedOver += 1;
        else if (outcome === 'left') left += 1;
      }
    }
    if (handedOver > 0) {
      this.#deps.options.logger.info(
        { event: 'licensegate.seats_handed_over', seats: handedOver },
        'Seats in use are left to the other live instances, which keep them alive',
      );
    }
    return { handedOver, left: left + handedOver };
  }

  /** At stop: hands a seat over, or checks it in (resolving a lost checkout first); leaves it recorded when that fails. */
  async #returnAtStop(key: string, handOver: boolean): Promise<'returned' | 'handed-over' | 'left' | 'gone'> {
    try {
      const record = await this.#get(key);
      if (record === undefined || record.value.owner !== this.#deps.instanceId) return 'gone';
      const { value } = record;
      const lastSeenAt = Math.max(value.lastSeenAt, this.#seen.get(key)?.at ?? 0);
      const idle = this.#deps.options.clock.now() - lastSeenAt >= this.#deps.seats.idleTimeoutMs;
      if (handOver && value.token !== null && !value.releasing && !idle) return 'handed-over';
      const outcome = await this.#checkIn(key, record, value.token === null ? undefined : idle ? 'idle' : 'stop');
      return outcome === 'done' ? 'returned' : 'left';
    } catch {
      return 'left'; // Left recorded: another engine (or the next start) adopts it.
    }
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
      const record = await this.#get(key);
      if (record !== undefined) {
        if (record.value.token === null && record.value.owner === this.#deps.instanceId) {
          // This engine's checkout whose answer was lost: replay it (same ClientToken) and use it.
          return this.#checkOut(key, { ...record.value, ...this.#withHolder(record.value, options) }, record.version);
        }
        if (record.value.releasing || record.value.token === null) {
          // Being checked in, or checked out by another engine right now: look again shortly.
          if (round >= 5) {
            throw new SeatContentionError(key, 'acquired');
          }
          await sleep(50 * (round + 1));
          continue;
        }
        const holders =
          options.holder === undefined || record.value.holders.includes(options.holder)
            ? record.value.holders
            : [...record.value.holders, options.holder];
        const updated: SeatRecord = { ...record.value, holders, lastSeenAt: clock.now() };
        if ((await this.#put(key, updated, record.version)) === undefined) continue;
        if (updated.owner === this.#deps.instanceId) this.#noteSeen(key);
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
      const version = await this.#deps.options.store.put(this.#namespace, key, pending, { ifAbsent: true });
      if (version === undefined) continue;
      return this.#checkOut(key, pending, version);
    }
    throw new SeatContentionError(key, 'acquired');
  }

  /** The holders of a seat once `options.holder` joins. */
  #withHolder(record: SeatRecord, options: AcquireOptions): { holders: readonly string[] } {
    const { holder } = options;
    return {
      holders: holder === undefined || record.holders.includes(holder) ? record.holders : [...record.holders, holder],
    };
  }

  async #checkOut(key: string, pending: SeatRecord, version: number): Promise<SeatView> {
    const { source, seats, options } = this.#deps;
    let checkout;
    try {
      checkout = await source.checkout({
        checkoutType: 'PROVISIONAL',
        entitlements: [{ name: seats.entitlement, unit: seats.unit, value: '1' }],
        clientToken: pending.clientToken,
      });
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') {
        await options.store.delete(this.#namespace, key, { ifVersion: version });
        const limit = this.#deps.limit();
        this.#deps.emit('seatDenied', { key, limit });
        const unusable = error.awsName === 'ResourceNotFoundException' ? 'no-license' : this.#deps.unusable();
        if (unusable !== undefined)
          throw new NoLicenseError(
            unusable,
            `No ${seats.entitlement} seat can be taken: the license is ${unusable === 'no-license' ? 'missing for this product and issuer' : unusable}.`,
          );
        throw new SeatsExhaustedError(seats.entitlement, limit);
      }
      // The answer is unknown: the seat may have been taken. Keep the record with its ClientToken;
      // the keep-alive resolves it (the same token replays the same checkout) and checks it in.
      this.#queue.schedule(key, options.clock.now() + UNCERTAIN_RETRY_MS);
      const retryAfterMs = UNCERTAIN_RETRY_MS;
      if (error instanceof LicenseManagerCallError && error.kind === 'configuration') throw error;
      throw new LicenseUnavailableError(
        `Could not take a ${seats.entitlement} seat: ${(error as Error).message}`,
        retryAfterMs,
        { cause: error },
      );
    }
    const now = options.clock.now();
    const held: SeatRecord = {
      ...pending,
      token: checkout.token,
      leasedAt: now,
      leaseExpiresAt: checkout.expiresAt ?? now + LEASE_TTL_MS,
    };
    if (this.#stopped || (await this.#put(key, held, version)) === undefined) {
      // Stopped meanwhile, or the record changed under us (an adoption race): give the seat back
      // rather than leak it.
      await source.checkIn(checkout.token).catch(() => false);
      if (this.#stopped) {
        await options.store.delete(this.#namespace, key, { ifVersion: version }).catch(() => false);
        throw new LicenseGateConfigurationError('ERR_LG_STOPPED', 'The gate was stopped; it takes no more seats.');
      }
      throw new SeatContentionError(key, 'acquired');
    }
    this.#noteSeen(key);
    this.#scheduleNext(key, held);
    this.#deps.emit('seatAcquired', { key, holders: held.holders.length });
    return viewOf(key, held);
  }

  // --- keep-alive and idle reaping -----------------------------------------------------------

  /** The one job per seat that its deadline runs: resolve, reap, extend, or wait longer. */
  #maintain(key: string): void {
    if (this.#stopped || this.#working.has(key)) return;
    const work = this.#maintainNow(key).finally(() => this.#working.delete(key));
    this.#working.set(key, work);
  }

  async #maintainNow(key: string): Promise<void> {
    try {
      const record = await this.#get(key);
      if (record === undefined || record.value.owner !== this.#deps.instanceId) {
        this.#seen.delete(key);
        return;
      }
      if (record.value.releasing) {
        await this.#checkIn(key, record, 'release');
      } else if (record.value.token === null) {
        await this.#resolveUncertain(key, record);
      } else {
        await this.#keepAlive(key, record);
      }
    } catch (error) {
      this.#deps.options.logger.warn(
        { event: 'licensegate.seat_maintenance_failed', key, error: (error as Error).message },
        'Seat keep-alive failed; retrying',
      );
      this.#queue.schedule(key, this.#deps.options.clock.now() + UNCERTAIN_RETRY_MS);
    } finally {
      this.#working.delete(key);
    }
  }

  async #keepAlive(key: string, record: StoreRecord<SeatRecord>): Promise<void> {
    const { clock } = this.#deps.options;
    const now = clock.now();
    const seen = this.#seen.get(key);
    const lastSeenAt = Math.max(record.value.lastSeenAt, seen?.at ?? 0);
    if (now - lastSeenAt >= this.#deps.seats.idleTimeoutMs) {
      await this.#checkIn(key, record, this.#adopted.has(key) ? 'orphan' : 'idle');
      return;
    }
    if (now < this.#extendFrom(record.value)) {
      this.#scheduleNext(key, record.value, lastSeenAt);
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
      if (!this.#stopped) this.#queue.schedule(key, now + retryIn);
      return;
    }
    const leasedAt = clock.now();
    const leaseExpiresAt = expiresAt ?? leasedAt + LEASE_TTL_MS;
    const extended = await this.#recordExtension(key, record, { leasedAt, leaseExpiresAt, lastSeenAt });
    if (extended === undefined) {
      this.#seen.delete(key);
      return; // released or taken over meanwhile
    }
    if (seen !== undefined) seen.persisted = lastSeenAt;
    this.#scheduleNext(key, extended, lastSeenAt);
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
    let current: StoreRecord<SeatRecord> | undefined = record;
    for (let round = 0; round < MAX_CAS_ROUNDS && current !== undefined; round++) {
      if (current.value.token !== record.value.token || current.value.owner !== this.#deps.instanceId) return undefined;
      const extended: SeatRecord = {
        ...current.value,
        leasedAt: lease.leasedAt,
        leaseExpiresAt: lease.leaseExpiresAt,
        lastSeenAt: Math.max(current.value.lastSeenAt, lease.lastSeenAt),
      };
      if ((await this.#put(key, extended, current.version)) !== undefined) return extended;
      current = await this.#get(key);
    }
    return undefined;
  }

  /** A checkout whose answer was lost, and no acquisition took it up: replayed and checked in. */
  async #resolveUncertain(key: string, record: StoreRecord<SeatRecord>): Promise<void> {
    await this.#checkIn(key, record, undefined);
  }

  #lose(key: string, record: StoreRecord<SeatRecord>, reason: string): Promise<void> {
    this.#seen.delete(key);
    this.#deps.emit('seatLost', { key, reason });
    this.#deps.options.logger.warn(
      { event: 'licensegate.seat_lost', key, reason },
      'A seat could not be kept alive; the next acquire takes a new one',
    );
    return this.#deps.options.store.delete(this.#namespace, key, { ifVersion: record.version }).then(() => undefined);
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

  #scheduleNext(key: string, record: SeatRecord, lastSeenAt = record.lastSeenAt): void {
    if (this.#stopped) return;
    const extendAt = this.#extendFrom(record) + this.#keepAliveMs(record) * KEEP_ALIVE_JITTER * Math.random();
    this.#queue.schedule(
      key,
      Math.max(this.#deps.options.clock.now() + 1, Math.min(extendAt, lastSeenAt + this.#deps.seats.idleTimeoutMs)),
    );
  }

  // --- check-in ------------------------------------------------------------------------------

  /**
   * Marks the record releasing, checks the token in, deletes the record. A record whose checkout's
   * answer was lost (no token) is resolved first: the checkout is replayed with its ClientToken —
   * License Manager answers with the seat it took, or takes it now — and that seat is checked in;
   * a refused replay means no seat was taken. A check-in (or replay) that fails for a transient
   * reason stays marked and is retried until the seat's lease would have ended (License Manager
   * returns it by itself then); what is left at stop stays in the store for the next engine.
   */
  async #checkIn(
    key: string,
    record: StoreRecord<SeatRecord>,
    reason: SeatReleaseReason | undefined,
  ): Promise<'done' | 'conflict' | 'retrying'> {
    const { options, source } = this.#deps;
    let version: number | undefined = record.version;
    if (!record.value.releasing) {
      version = await this.#put(key, { ...record.value, releasing: true }, record.version);
      if (version === undefined) return 'conflict';
    }
    this.#queue.cancel(key);
    try {
      const token = record.value.token ?? (await this.#replay(record.value));
      if (token !== null) await source.checkIn(token);
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') {
        // Checked in already, or expired: License Manager holds no seat for it.
      } else if (options.clock.now() >= record.value.leaseExpiresAt) {
        // Past the lease: License Manager has returned the seat by itself.
      } else {
        options.logger.warn(
          { event: 'licensegate.checkin_failed', key, error: (error as Error).message },
          'Seat check-in failed; retrying',
        );
        if (!this.#stopped) this.#queue.schedule(key, options.clock.now() + UNCERTAIN_RETRY_MS);
        return 'retrying';
      }
    }
    await options.store.delete(this.#namespace, key, { ifVersion: version });
    this.#seen.delete(key);
    this.#adopted.delete(key);
    // Announced only for a seat that was announced (seatAcquired): a lost checkout resolved here was never held.
    if (reason !== undefined && record.value.token !== null) this.#deps.emit('seatReleased', { key, reason });
    this.#waiters?.wakeOne();
    return 'done';
  }

  /**
   * The token of a checkout whose answer was lost: the same call (same ClientToken) replayed.
   * @returns the token, or `null` when License Manager refuses the replay (no seat was taken)
   * @throws the call's error when it fails for another reason (the answer is still unknown)
   */
  async #replay(record: SeatRecord): Promise<string | null> {
    const { source, seats } = this.#deps;
    try {
      const checkout = await source.checkout({
        checkoutType: 'PROVISIONAL',
        entitlements: [{ name: seats.entitlement, unit: seats.unit, value: '1' }],
        clientToken: record.clientToken,
      });
      return checkout.token;
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') return null;
      throw error;
    }
  }

  // --- store helpers -------------------------------------------------------------------------

  #get(key: string): Promise<StoreRecord<SeatRecord> | undefined> {
    return this.#deps.options.store.get<SeatRecord>(this.#namespace, key);
  }

  #put(key: string, value: SeatRecord, ifVersion: number): Promise<number | undefined> {
    return this.#deps.options.store.put(this.#namespace, key, value, { ifVersion });
  }

  #noteSeen(key: string): void {
    const now = this.#deps.options.clock.now();
    this.#seen.set(key, { at: now, persisted: now, acquiredAt: 0, leaseExpiresAt: 0, holders: NO_HOLDERS });
  }

  async #persistSeen(key: string, seen: { at: number; persisted: number }): Promise<void> {
    seen.persisted = seen.at;
    try {
      for (let round = 0; round < 3; round++) {
        const record = await this.#get(key);
        if (record === undefined || record.value.lastSeenAt >= seen.at) return;
        if ((await this.#put(key, { ...record.value, lastSeenAt: seen.at }, record.version)) !== undefined) return;
      }
    } catch (error) {
      this.#deps.options.logger.debug(
        { event: 'licensegate.touch_failed', key, error: (error as Error).message },
        'Could not record seat activity',
      );
    }
  }
}
