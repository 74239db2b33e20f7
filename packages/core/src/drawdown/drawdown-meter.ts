import type { Clock } from '../clock.js';
import { LicenseGateConfigurationError, LicenseGateError, QuotaExhaustedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { OnUnavailable } from '../policy/unavailable-policy.js';
import { isDurable } from '../store/store.js';
import type { LicenseSource } from '../source/license-source.js';
import { DeadlineQueue } from '../util/deadline-queue.js';
import { adoptOrphans } from './journal/adoption.js';
import { BatchDimension } from './batch/batch-dimension.js';
import type { DimensionMode, ModeDeps } from './dimension-mode.js';
import type { DrawdownMeterOptions, ResolvedDrawdownDimension } from './drawdown-options.js';
import { FailureTracker } from './journal/failure-tracker.js';
import { Journal } from './journal/journal.js';
import { Outbox } from './journal/outbox.js';
import { QuotaState, type QuotaExhaustedEvent } from './journal/quota-state.js';
import {
  LateReservation,
  NOTHING_TO_SETTLE,
  SettlingReservation,
  type Reservation,
  type ReservationSettler,
} from './reservation.js';
import type { UnitsReportedEvent } from './journal/send-context.js';
import { ReserveDimension } from './reserve/reserve-dimension.js';
import { SyncDimension } from './sync/sync-dimension.js';
import { checkUnits } from './units.js';

/** The events a meter emits, with their payloads. */
export interface DrawdownMeterEvents {
  /** License Manager acknowledged `units` (one checkout, identified by its ClientToken). */
  unitsReported: UnitsReportedEvent;
  /** The pool of a dimension is used up; emitted once until the license changes. */
  quotaExhausted: QuotaExhaustedEvent;
}

/** What a {@link DrawdownMeter} is built from. */
export interface DrawdownMeterDeps {
  /**
   * What the meter reads of the gate's options: `drawdown` (the dimensions), `productSku`, `store`,
   * `clock`, `logger`, `onUnavailable`, `graceMs`, `drainTimeoutMs`, `recoveryProbeMs`.
   */
  readonly options: DrawdownMeterOptions;
  /** The License Manager calls. */
  readonly source: LicenseSource;
  /** This engine's id (`InstanceRegistry.id`): its journal records carry it. */
  readonly instanceId: string;
  /** Where events go (the gate's emitter). A listener that throws is logged, never breaks the meter. */
  readonly emit: <E extends keyof DrawdownMeterEvents>(event: E, payload: DrawdownMeterEvents[E]) => void;
}

/** What {@link DrawdownMeter.stats} reports of one dimension, as this engine knows it. */
export interface DrawdownStats {
  /**
   * Units not reported yet: debited and not acknowledged (`batch`, `sync`), or held by open
   * reservations (`reserve`).
   */
  readonly pending: number;
  /** Units held by open reservations (requests whose work is under way), in every mode. */
  readonly open: number;
  /**
   * Units charged by this engine since it started: reservations committed (their work succeeded)
   * and debits that succeeded. A debit or commit whose journal write failed is not counted.
   */
  readonly debited: number;
  /** Units License Manager acknowledged to this engine (for `reserve`: units of the blocks it checked out). */
  readonly reported: number;
  /** Whether the pool is known to be used up (debits are refused until the license changes). */
  readonly exhausted: boolean;
  /** Units served that License Manager refused when the pool ran out (found by this engine). */
  readonly unbillable: number;
  /** `reserve` mode: units left in the shared block, as last seen. */
  readonly blockRemaining?: number;
  /**
   * `sync` mode, and `batch` mode's reservations larger than `batchUnits`: units checked out ahead
   * for requests that then failed, kept for the next requests (shared by the engines of a store), as last seen.
   */
  readonly credit?: number;
}

/** What {@link DrawdownMeter.stop} leaves, per dimension. */
export interface DrawdownStopReport {
  /** Whether every open reservation settled before the drain deadline. */
  readonly drained: boolean;
  /**
   * Units not acknowledged by License Manager when stop() ended, per dimension (only those above 0):
   * left in the store for the next engine on a durable store, lost with the process otherwise.
   */
  readonly unreported: Readonly<Record<string, number>>;
  /** Units of reservations still open at the drain deadline, per dimension (only those above 0): their work had not ended. */
  readonly open: Readonly<Record<string, number>>;
}

/** What is open in a dimension: reservations whose work is under way. */
interface Open {
  /** Units held by open reservations. */
  units: number;
}

/** A configured dimension: its mode's class, picked once, and what is open in it. */
interface Dimension {
  readonly config: ResolvedDrawdownDimension;
  readonly mode: DimensionMode;
  readonly open: Open;
}

const INTERVAL = 'interval:';
const RETRY = 'retry:';

/**
 * Debits drawdown units and reports each to License Manager exactly once (ARCHITECTURE.md INV-10):
 * units are journaled in the store before anything else, each report carries a ClientToken written
 * to the store before the call, and what a crashed engine left is adopted by a live one.
 *
 * Modes, per dimension, with their bounds — one class each, behind one interface
 * (`DimensionMode`, in `dimension-mode.ts`), picked once per dimension:
 * - `sync` (`sync/sync-dimension.ts`): one CheckoutLicense per debit; exact.
 * - `batch` (`batch/batch-dimension.ts`): debits are store increments (gathered per turn of the
 *   event loop; with a store of this process alone, one per epoch when it is sealed); reported in
 *   batches of `batchUnits`, every `batchIntervalMs` and at stop; what is served past the purchase
 *   is at most one batch.
 * - `reserve` (`reserve/reserve-dimension.ts`): blocks of `blockUnits` checked out ahead and spent
 *   locally; never serves past the purchase; leaves at most one unspent block (plus the units of
 *   reservations cancelled since it was checked out, which go back to the block).
 *
 * What every mode uses is in `journal/` (the journal, its outbox and senders, adoption, what
 * refusals and failures taught) and `ahead/` (units checked out before the work they pay for).
 *
 * One deadline queue on the injected clock carries every timer (batch intervals, retries).
 */
export class DrawdownMeter {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #instanceId: string;
  readonly #emit: DrawdownMeterDeps['emit'];
  readonly #journal: Journal;
  readonly #quota: QuotaState;
  readonly #failures: FailureTracker;
  readonly #outbox: Outbox;
  readonly #queue: DeadlineQueue<string>;
  readonly #dimensions = new Map<string, Dimension>();
  readonly #drainTimeoutMs: number;
  readonly #recoveryProbeMs: number;
  /** The store outlives this process: batch debits are journaled as they are made. */
  readonly #durable: boolean;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  /** Reservations open (and reserve() calls on their way to one), in every dimension. */
  #openCount = 0;
  /** Wakes stop() when the last open reservation closes. */
  #drainWaiter: (() => void) | undefined;
  #stopping: Promise<DrawdownStopReport> | undefined;

  /**
   * Built by the gate from the parts it owns; an app reaches its meter as `gate.drawdown`.
   * @throws LicenseGateConfigurationError when the instance id is empty or holds `:`
   * @internal
   */
  constructor(deps: DrawdownMeterDeps) {
    const { options, source, instanceId } = deps;
    if (typeof instanceId !== 'string' || instanceId === '' || instanceId.includes(':')) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_OPTIONS',
        `The drawdown meter needs an engine id without ':' (a UUID); got ${JSON.stringify(instanceId)}.`,
      );
    }
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#instanceId = instanceId;
    this.#emit = deps.emit;
    this.#journal = new Journal(options.store, options.productSku);
    this.#quota = new QuotaState((payload) => this.#safeEmit('quotaExhausted', payload), this.#logger);
    const failures = new FailureTracker(new OnUnavailable(options.onUnavailable, options.graceMs));
    this.#failures = failures;
    this.#queue = new DeadlineQueue<string>(this.#clock, (key) => this.#due(key));
    this.#outbox = new Outbox(
      { journal: this.#journal, source, instanceId, reported: (payload) => this.#safeEmit('unitsReported', payload) },
      this.#quota,
      failures,
      this.#clock,
      this.#logger,
      {
        schedule: (key, delayMs) => {
          if (this.#state === 'running') this.#queue.schedule(RETRY + key, this.#clock.now() + delayMs);
        },
        unschedule: (key) => this.#queue.cancel(RETRY + key),
        settled: (entry, outcome) => this.#dimensions.get(entry.dimension)?.mode.sent(outcome),
      },
    );
    const shared = {
      journal: this.#journal,
      outbox: this.#outbox,
      quota: this.#quota,
      failures,
      clock: this.#clock,
      logger: this.#logger,
      instanceId,
    };
    this.#drainTimeoutMs = options.drainTimeoutMs;
    this.#recoveryProbeMs = options.recoveryProbeMs;
    this.#durable = isDurable(options.store);
    for (const config of options.drawdown.values())
      this.#dimensions.set(config.name, this.#newDimension(config, shared));
  }

  /** The one place the mode is looked at: its class is picked here, once per dimension. */
  #newDimension(config: ResolvedDrawdownDimension, shared: Omit<ModeDeps, 'settler'>): Dimension {
    const open: Open = { units: 0 };
    const deps: ModeDeps = {
      ...shared,
      settler: (commit, cancel, late) => this.#settler(config.name, open, commit, cancel, late),
    };
    let mode: DimensionMode;
    switch (config.mode) {
      case 'batch':
        mode = new BatchDimension(config, {
          ...deps,
          stopping: () => this.#state !== 'running',
          journalEachDebit: this.#durable,
          recoveryProbeMs: this.#recoveryProbeMs,
        });
        break;
      case 'sync':
        mode = new SyncDimension(config, deps);
        break;
      case 'reserve':
        mode = new ReserveDimension(config, deps);
        break;
    }
    return { config, mode, open };
  }

  /**
   * The settler of one kind of reservation of a dimension: runs the commit or the cancel, then
   * counts the reservation closed — once its commit has settled, so that stop() waits for it. A
   * commit that comes after stop() has ended is not charged, and logged as lost. A late
   * reservation (units read at the end) opened with no units, so it closes with none.
   */
  #settler(
    dimension: string,
    open: Open,
    commit: (units: number) => Promise<void> | undefined,
    cancel: (units: number) => void,
    late = false,
  ): ReservationSettler {
    const closed = (units: number): void => this.#closed(open, late ? 0 : units);
    return {
      commitReserved: (units) => {
        if (this.#state === 'stopped' && !this.#durable) {
          closed(units);
          this.#lostAfterStop(dimension, units);
          return undefined;
        }
        let written: Promise<void> | undefined;
        try {
          written = commit(units);
        } catch (error) {
          closed(units);
          throw error;
        }
        if (written === undefined) {
          closed(units);
          return undefined;
        }
        return written.finally(() => closed(units));
      },
      cancelReserved: (units) => {
        try {
          cancel(units);
        } finally {
          closed(units);
        }
      },
    };
  }

  /** A reservation (or a reserve() on its way to one) is open: stop() waits for it. */
  #opened(open: Open, units: number): void {
    open.units += units;
    this.#openCount += 1;
  }

  /** A reservation closed (or a reserve() failed). */
  #closed(open: Open, units: number): void {
    open.units -= units;
    this.#openCount -= 1;
    if (this.#openCount === 0 && this.#drainWaiter !== undefined) this.#drainWaiter();
  }

  /** A commit after stop() ended, on a store that does not outlive the process: nothing will report it. */
  #lostAfterStop(dimension: string, units: number): void {
    this.#logger.error(
      { event: 'licensegate.drawdown.units_lost', dimension, units },
      `A reservation of ${units} ${dimension} units was committed after the gate stopped (its work outlasted drainTimeoutMs): it is not reported`,
    );
  }

  /**
   * Whether a request's charge must be journaled before its response ends (write-ahead): the store
   * outlives this process (`store.durable`), so a client that sees a success must find its units
   * there after a crash.
   */
  get journalsBeforeResponse(): boolean {
    return this.#durable;
  }

  /** Arms the flush timer of each `batch` dimension. Recovery of dead engines' journals is {@link adopt}. */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    for (const dimension of this.#dimensions.values()) {
      const intervalMs = dimension.mode.flushIntervalMs;
      if (intervalMs !== undefined)
        this.#queue.schedule(INTERVAL + dimension.config.name, this.#clock.now() + intervalMs);
    }
  }

  /**
   * Takes over the journals of engines not in `liveInstances` (this one always counts as live) and
   * sends what they left: their sealed batches, their pending counters (sealed first) and their
   * block checkouts — each exactly once, with the ClientToken already written. Call it at start and
   * on every heartbeat tick.
   * @throws the store's error when the journal cannot be read
   */
  async adopt(liveInstances: ReadonlySet<string>): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const adopted = await adoptOrphans(
      {
        journal: this.#journal,
        outbox: this.#outbox,
        logger: this.#logger,
        instanceId: this.#instanceId,
        unitOf: (name) => this.#dimensions.get(name)?.config.unit,
      },
      liveInstances,
    );
    for (const key of adopted) await this.#outbox.send(key);
  }

  /**
   * Debits `units` of a dimension, in the dimension's mode. `0` is accepted and debits nothing.
   * Nothing is debited when this rejects.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION` for a dimension not configured
   * @throws InvalidUnitsError `ERR_LG_INVALID_UNITS` unless `units` is a whole number from 0 to `MAX_SAFE_INTEGER`
   * @throws QuotaExhaustedError when the pool is used up (at once, once known)
   * @throws LicenseUnavailableError when reports are failing and the `onUnavailable` policy refuses
   * @throws LicenseGateError `ERR_LG_NOT_STARTED` / `ERR_LG_STOPPED` outside `start()`..`stop()`
   * @throws the store's error when the journal cannot be written
   */
  debit(dimension: string, units: number): Promise<void> {
    // Not an async function: the hot path of batch mode makes one promise fewer. Every throw still rejects.
    try {
      const found = this.#dimension(dimension);
      const count = checkUnits(dimension, units);
      this.#assertRunning(dimension);
      if (count === 0) return Promise.resolve();
      return found.mode.debit(count);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Holds `units` for a piece of work: commit when it succeeded, cancel when it failed. Each mode
   * holds them in its own way before the work:
   * - `batch`: room under the bound (units unreported + units of open reservations ≤ `batchUnits`),
   *   waiting for reservations to settle and for the report in flight; a reservation larger than
   *   `batchUnits` is checked out from License Manager first, as in `sync` mode;
   * - `sync`: checked out from License Manager first (or taken from the credit of cancelled ones);
   * - `reserve`: taken from a block checked out ahead (checking one out first when short).
   * A reservation of `0` units is accepted and charges nothing. Every reservation must be settled:
   * until it is, its units are held (and `stop()` waits for it, up to `drainTimeoutMs`).
   * @throws the same errors as {@link debit}, before anything is held
   */
  async reserve(dimension: string, units: number): Promise<Reservation> {
    const found = this.#dimension(dimension);
    const count = checkUnits(dimension, units);
    this.#assertRunning(dimension);
    const now = this.#reserveNow(found, dimension, count);
    if (now !== undefined) return now;
    this.#opened(found.open, count);
    let settler: ReservationSettler;
    try {
      settler = await found.mode.hold(count);
    } catch (error) {
      this.#closed(found.open, count);
      throw error;
    }
    const reservation = new SettlingReservation(dimension, count, settler);
    if (this.#state === 'stopped') {
      reservation.cancel();
      throw this.#stoppedError(dimension);
    }
    return reservation;
  }

  /**
   * {@link reserve} without waiting, for a request's hot path: the reservation when it is held at
   * once — `batch` mode within its bound, `0` units — or `undefined` when it would wait, call the
   * store or call License Manager (`batch` mode at its bound or above `batchUnits`, `sync` and
   * `reserve` modes): then call {@link reserve}. Nothing is held when this answers `undefined` or
   * throws. A reservation answered here holds room under the bound until it is settled: settle
   * every one (an aborted request: `cancel()`).
   * @throws the same errors as {@link reserve}, synchronously
   */
  tryReserve(dimension: string, units: number): Reservation | undefined {
    const found = this.#dimension(dimension);
    const count = checkUnits(dimension, units);
    this.#assertRunning(dimension);
    return this.#reserveNow(found, dimension, count);
  }

  /**
   * Opens a charge whose units are known only when the work has ended (e.g. the size of what a
   * request backed up): `commit(units)` debits them then, `cancel()` charges nothing. A pool known
   * to be used up is refused now. Such units are not held before the work, so they are outside the
   * bound of `batch` mode while the work runs (at most the units of these charges in flight), and in
   * `sync` mode they are checked out after the work (refused units are counted as unbillable).
   * `stop()` waits for open charges as for reservations.
   * @throws QuotaExhaustedError, LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION`, `ERR_LG_NOT_STARTED` / `ERR_LG_STOPPED`
   */
  reserveLater(dimension: string): LateReservation {
    const found = this.#dimension(dimension);
    this.#assertRunning(dimension);
    if (this.#quota.isExhausted(dimension)) throw new QuotaExhaustedError(dimension);
    this.#opened(found.open, 0);
    return new LateReservation(dimension, found.mode.late);
  }

  #reserveNow(found: Dimension, dimension: string, count: number): Reservation | undefined {
    if (count === 0) return new SettlingReservation(dimension, 0, NOTHING_TO_SETTLE);
    const settler = found.mode.holdNow(count);
    if (settler === undefined) return undefined;
    this.#opened(found.open, count);
    return new SettlingReservation(dimension, count, settler);
  }

  /**
   * Seals what is pending now and sends it, with every record waiting for a retry, of one dimension
   * or all. License Manager failures do not reject (the records stay and are retried on a backoff).
   * @throws the store's error when pending units could not be sealed
   */
  async flush(dimension?: string): Promise<void> {
    const chosen = dimension === undefined ? [...this.#dimensions.values()] : [this.#dimension(dimension)];
    for (const found of chosen) await found.mode.flush();
    if (dimension === undefined) await this.#sendUnmetered();
  }

  /**
   * Tells the meter which license is current. A new ARN or version lifts every exhaustion (the
   * purchase may have grown), and records waiting for a retry are sent again.
   */
  licenseChanged(license: { version: string | undefined; arn: string }): void {
    const { changed, lifted } = this.#quota.licenseChanged(license);
    if (lifted) {
      this.#logger.info(
        { event: 'licensegate.drawdown.lifted', version: license.version },
        'A new license version: drawdown refusals are lifted',
      );
    }
    if (changed && this.#outbox.size > 0 && this.#state === 'running') void this.#outbox.sendAll();
  }

  /**
   * Whether a dimension's pool is known to be used up.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION`
   */
  isExhausted(dimension: string): boolean {
    this.#dimension(dimension);
    return this.#quota.isExhausted(dimension);
  }

  /**
   * What `gate.health()` reads of a dimension: whether its pool is used up, since when its reports
   * fail (while one fails), and whether the `onUnavailable` policy admits debits beyond the bound now.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION`
   * @internal
   */
  admission(dimension: string): { exhausted: boolean; failingSince: number | undefined; admits: boolean } {
    this.#dimension(dimension);
    return {
      exhausted: this.#quota.isExhausted(dimension),
      failingSince: this.#failures.degradedSince(dimension),
      admits: this.#failures.decide(dimension, this.#clock.now()).admit,
    };
  }

  /**
   * What this engine knows of a dimension.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION`
   */
  stats(dimension: string): DrawdownStats {
    const found = this.#dimension(dimension);
    const common = {
      open: found.open.units,
      debited: found.mode.debited,
      reported: this.#outbox.reported(dimension),
      exhausted: this.#quota.isExhausted(dimension),
      unbillable: this.#quota.unbillable(dimension),
    };
    const { pending, ...held } = found.mode.stats(found.open.units);
    return { pending, ...common, ...held };
  }

  /**
   * Stops, gracefully: new debits and reservations are refused (`ERR_LG_STOPPED`); reservations
   * and charges already open are waited for — their requests end and commit or cancel — for up to
   * `drainTimeoutMs`; then every batch dimension is sealed and everything this engine holds is sent
   * once, each call bounded by the retry policy's deadline. What still fails stays in the store,
   * for the next engine to adopt (a durable store), and is reported as `unreported`. Then the
   * timers stop. Every call resolves with the same report.
   */
  stop(): Promise<DrawdownStopReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<DrawdownStopReport> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return { drained: true, unreported: {}, open: {} };
    }
    this.#state = 'stopping';
    for (const found of this.#dimensions.values()) found.mode.stopping();
    const drained = await this.#drain();
    const open: Record<string, number> = {};
    for (const [name, found] of this.#dimensions) if (found.open.units > 0) open[name] = found.open.units;
    if (!drained) {
      this.#logger.warn(
        { event: 'licensegate.drawdown.drain_timeout', open, drainTimeoutMs: this.#drainTimeoutMs },
        'stop() waited drainTimeoutMs for requests in flight to settle their drawdown charges; those still open are not charged',
      );
    }
    this.#queue.clear();
    for (const found of this.#dimensions.values()) await found.mode.drainAtStop();
    for (const found of this.#dimensions.values()) await found.mode.reportAtStop();
    await this.#sendUnmetered();
    this.#queue.clear();
    this.#state = 'stopped';
    const unreported: Record<string, number> = {};
    for (const [name, found] of this.#dimensions) {
      const units = found.mode.unreported;
      if (units > 0) unreported[name] = units;
    }
    if (Object.keys(unreported).length > 0) {
      if (this.#durable) {
        this.#logger.warn(
          { event: 'licensegate.drawdown.unreported_at_stop', units: unreported },
          'Drawdown units could not be reported before stop; they stay in the store and the next engine reports them',
        );
      } else {
        this.#logger.error(
          { event: 'licensegate.drawdown.unreported_at_stop', units: unreported },
          'Drawdown units could not be reported before stop, and the store does not outlive the process: they are lost',
        );
      }
    }
    return { drained, unreported, open };
  }

  /** Waits for every open reservation to close, or for `drainTimeoutMs`; whether they all closed. */
  #drain(): Promise<boolean> {
    if (this.#openCount === 0 || this.#drainTimeoutMs === 0) return Promise.resolve(this.#openCount === 0);
    return new Promise<boolean>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#drainWaiter = undefined;
        resolve(this.#openCount === 0);
      }, this.#drainTimeoutMs);
      this.#drainWaiter = () => {
        this.#drainWaiter = undefined;
        this.#clock.clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Sends adopted records of dimensions this engine does not meter. */
  async #sendUnmetered(): Promise<void> {
    for (const entry of this.#outbox.entries()) {
      if (!this.#dimensions.has(entry.dimension)) await this.#outbox.send(entry.key);
    }
  }

  #dimension(name: string): Dimension {
    const found = typeof name === 'string' ? this.#dimensions.get(name) : undefined;
    if (found !== undefined) return found;
    const known = [...this.#dimensions.keys()];
    throw new LicenseGateConfigurationError(
      'ERR_LG_UNKNOWN_DIMENSION',
      `${JSON.stringify(name)} is not a drawdown dimension of this gate; ${
        known.length === 0
          ? 'none is configured (options.drawdown).'
          : `the configured ones are ${known.map((k) => JSON.stringify(k)).join(', ')}.`
      }`,
    );
  }

  #assertRunning(dimension: string): void {
    if (this.#state === 'running') return;
    if (this.#state === 'new')
      throw new LicenseGateError('ERR_LG_NOT_STARTED', `Start the gate before debiting ${dimension} units.`);
    throw this.#stoppedError(dimension);
  }

  #stoppedError(dimension: string): LicenseGateError {
    return new LicenseGateError(
      'ERR_LG_STOPPED',
      `The gate is stopping or stopped; ${dimension} units can no longer be debited.`,
    );
  }

  #due(key: string): void {
    if (key.startsWith(INTERVAL)) {
      const found = this.#dimensions.get(key.slice(INTERVAL.length));
      const intervalMs = found?.mode.flushIntervalMs;
      if (found === undefined || intervalMs === undefined || this.#state !== 'running') return;
      found.mode.intervalDue();
      this.#queue.schedule(key, this.#clock.now() + intervalMs);
    } else if (key.startsWith(RETRY) && this.#state === 'running') {
      void this.#outbox.send(key.slice(RETRY.length));
    }
  }

  #safeEmit<E extends keyof DrawdownMeterEvents>(event: E, payload: DrawdownMeterEvents[E]): void {
    try {
      this.#emit(event, payload);
    } catch (error) {
      this.#logger.warn(
        { event: 'licensegate.drawdown.listener_failed', on: event, error: (error as Error).message },
        `A ${event} listener threw; the meter goes on`,
      );
    }
  }
}
