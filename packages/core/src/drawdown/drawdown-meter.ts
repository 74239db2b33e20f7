import type { Clock } from '../clock.js';
import { LicenseGateConfigurationError, LicenseGateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedDrawdownDimension, ResolvedOptions } from '../options.js';
import type { LicenseSource } from '../source/license-source.js';
import { DeadlineQueue } from '../util/deadline-queue.js';
import { adoptOrphans } from './adoption.js';
import { BatchDimension } from './batch-dimension.js';
import { BlockPool } from './block-pool.js';
import { FailureTracker } from './failure-tracker.js';
import { Journal } from './journal.js';
import { Outbox } from './outbox.js';
import { QuotaState, type QuotaExhaustedEvent } from './quota-state.js';
import { SettlingReservation, type Reservation } from './reservation.js';
import type { UnitsReportedEvent } from './send-context.js';
import { SyncDimension } from './sync-dimension.js';
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
  /** The gate's options: `drawdown` (the dimensions), `productSku`, `store`, `clock`, `logger`, `onUnavailable`, `graceMs`. */
  readonly options: ResolvedOptions;
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
  /** Units License Manager acknowledged to this engine (for `reserve`: units of the blocks it checked out). */
  readonly reported: number;
  /** Whether the pool is known to be used up (debits are refused until the license changes). */
  readonly exhausted: boolean;
  /** Units served that License Manager refused when the pool ran out (found by this engine). */
  readonly unbillable: number;
  /** `reserve` mode: units left in the shared block, as last seen. */
  readonly blockRemaining?: number;
}

type Dimension =
  | { readonly mode: 'batch'; readonly config: ResolvedDrawdownDimension; readonly meter: BatchDimension }
  | { readonly mode: 'sync'; readonly config: ResolvedDrawdownDimension; readonly meter: SyncDimension }
  | { readonly mode: 'reserve'; readonly config: ResolvedDrawdownDimension; readonly pool: BlockPool; open: number };

const INTERVAL = 'interval:';
const noop = (): undefined => undefined;

/** A batch reservation: the room was admitted; committing journals the units (cancelling holds nothing back). */
function batchReservation(meter: BatchDimension, dimension: string, count: number): Reservation {
  return new SettlingReservation(dimension, count, () => meter.recordNow(count), noop);
}
const RETRY = 'retry:';

/**
 * Debits drawdown units and reports each to License Manager exactly once (design invariant 3):
 * units are journaled in the store before anything else, each report carries a ClientToken written
 * to the store before the call, and what a crashed engine left is adopted by a live one.
 *
 * Modes, per dimension, with their bounds:
 * - `sync`: one CheckoutLicense per debit; exact.
 * - `batch`: debits are store increments (gathered per turn of the event loop; with a store of this
 *   process alone, one per epoch when it is sealed); reported in batches of `batchUnits`, every
 *   `batchIntervalMs` and at stop; what is served past the purchase is at most one batch.
 * - `reserve`: blocks of `blockUnits` checked out ahead and spent locally; never serves past the
 *   purchase; leaves at most one unspent block (plus the units of reservations cancelled since it was
 *   checked out, which go back to the block).
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
  readonly #outbox: Outbox;
  readonly #queue: DeadlineQueue<string>;
  readonly #dimensions = new Map<string, Dimension>();
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  /** @throws LicenseGateConfigurationError when the instance id is empty or holds `:` */
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
    const failures = new FailureTracker(options.onUnavailable, options.graceMs);
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
        settled: (entry) => {
          const dimension = this.#dimensions.get(entry.dimension);
          if (dimension?.mode === 'batch') dimension.meter.afterSend();
        },
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
    for (const config of options.drawdown.values()) {
      if (config.mode === 'batch') {
        this.#dimensions.set(config.name, {
          mode: 'batch',
          config,
          meter: new BatchDimension(config, {
            ...shared,
            stopping: () => this.#state !== 'running',
            journalEachDebit: options.store.shared === true,
          }),
        });
      } else if (config.mode === 'sync') {
        this.#dimensions.set(config.name, { mode: 'sync', config, meter: new SyncDimension(config, shared) });
      } else {
        this.#dimensions.set(config.name, { mode: 'reserve', config, pool: new BlockPool(config, shared), open: 0 });
      }
    }
  }

  /** Arms the flush timer of each `batch` dimension. Recovery of dead engines' journals is {@link adopt}. */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    for (const dimension of this.#dimensions.values()) {
      if (dimension.mode === 'batch')
        this.#queue.schedule(INTERVAL + dimension.config.name, this.#clock.now() + dimension.config.batchIntervalMs);
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
      switch (found.mode) {
        case 'batch':
          return found.meter.debit(count);
        case 'sync':
          return found.meter.debit(count);
        case 'reserve':
          return found.pool.take(count);
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Holds `units` for a piece of work: commit when it succeeded, cancel when it failed. In `reserve`
   * mode the units are taken from a block now (checking one out first when short); in `batch` mode
   * this waits for room under the bound; in `sync` mode it refuses what is known to be refused. A
   * reservation of `0` units is accepted and charges nothing.
   * @throws the same errors as {@link debit}, before anything is held
   */
  async reserve(dimension: string, units: number): Promise<Reservation> {
    const found = this.#dimension(dimension);
    const count = checkUnits(dimension, units);
    this.#assertRunning(dimension);
    const now = this.#reserveNow(found, dimension, count);
    if (now !== undefined) return now;
    if (found.mode === 'batch') {
      await found.meter.admit(count);
      return batchReservation(found.meter, dimension, count);
    }
    // reserve mode: a sync reservation is taken at once or refused, a batch one waited for above
    const blocks = found as Extract<Dimension, { mode: 'reserve' }>;
    await blocks.pool.take(count);
    blocks.open += count;
    return new SettlingReservation(
      dimension,
      count,
      () => {
        blocks.open -= count;
        return undefined;
      },
      () => {
        blocks.open -= count;
        blocks.pool.give(count);
      },
    );
  }

  /**
   * {@link reserve} without waiting, for a request's hot path: the reservation when it is held at
   * once — `batch` mode within its bound, `sync` mode, `0` units — or `undefined` when it would
   * wait or call the store (`batch` mode at its bound, `reserve` mode): then call {@link reserve}.
   * Nothing is held when this answers `undefined` or throws, and a reservation answered here takes
   * no units from a shared pool: left unsettled, it charges nothing and loses nothing.
   * @throws the same errors as {@link reserve}, synchronously
   */
  tryReserve(dimension: string, units: number): Reservation | undefined {
    const found = this.#dimension(dimension);
    const count = checkUnits(dimension, units);
    this.#assertRunning(dimension);
    return this.#reserveNow(found, dimension, count);
  }

  #reserveNow(found: Dimension, dimension: string, count: number): Reservation | undefined {
    if (count === 0) return new SettlingReservation(dimension, 0, noop, noop);
    switch (found.mode) {
      case 'batch':
        return found.meter.admitNow(count) ? batchReservation(found.meter, dimension, count) : undefined;
      case 'sync': {
        found.meter.check(count);
        return new SettlingReservation(dimension, count, () => found.meter.commit(count), noop);
      }
      case 'reserve':
        return undefined;
    }
  }

  /**
   * Seals what is pending now and sends it, with every record waiting for a retry, of one dimension
   * or all. License Manager failures do not reject (the records stay and are retried on a backoff).
   * @throws the store's error when pending units could not be sealed
   */
  async flush(dimension?: string): Promise<void> {
    const chosen = dimension === undefined ? [...this.#dimensions.values()] : [this.#dimension(dimension)];
    for (const found of chosen) {
      if (found.mode === 'batch') await found.meter.flush();
      else await this.#outbox.sendAll(found.config.name);
    }
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
   * What this engine knows of a dimension.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_DIMENSION`
   */
  stats(dimension: string): DrawdownStats {
    const found = this.#dimension(dimension);
    const common = {
      reported: this.#outbox.reported(dimension),
      exhausted: this.#quota.isExhausted(dimension),
      unbillable: this.#quota.unbillable(dimension),
    };
    if (found.mode === 'reserve') {
      const blockRemaining = found.pool.blockRemaining;
      return { pending: found.open, ...common, ...(blockRemaining !== undefined ? { blockRemaining } : {}) };
    }
    return { pending: found.meter.unconfirmed, ...common };
  }

  /**
   * Stops: new debits are refused (`ERR_LG_STOPPED`; commits of open reservations are still
   * journaled), every batch dimension is sealed, and everything this engine holds is sent once —
   * each call bounded by the retry policy's deadline. What still fails stays in the store, for the
   * next engine to adopt. Then the timers stop.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#state = 'stopping';
    this.#queue.clear();
    for (const found of this.#dimensions.values()) {
      if (found.mode === 'batch') {
        await found.meter.flush().catch((error: unknown) =>
          this.#logger.warn(
            {
              event: 'licensegate.drawdown.flush_failed',
              dimension: found.config.name,
              error: (error as Error).message,
            },
            `Could not seal the pending ${found.config.name} units at stop; they stay in the store for the next engine`,
          ),
        );
        const lost = found.meter.unjournaled;
        if (lost > 0) {
          this.#logger.error(
            { event: 'licensegate.drawdown.units_lost', dimension: found.config.name, units: lost },
            `${lost} ${found.config.name} units could not be journaled before stop (the store could not be written): they are not reported`,
          );
        }
      } else if (found.mode === 'reserve') {
        await found.pool.drain();
      }
    }
    for (const found of this.#dimensions.values()) {
      if (found.mode !== 'batch') await this.#outbox.sendAll(found.config.name);
    }
    await this.#sendUnmetered();
    this.#queue.clear();
    this.#state = 'stopped';
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
    throw new LicenseGateError('ERR_LG_STOPPED', `The gate is stopped; ${dimension} units can no longer be debited.`);
  }

  #due(key: string): void {
    if (key.startsWith(INTERVAL)) {
      const found = this.#dimensions.get(key.slice(INTERVAL.length));
      if (found?.mode !== 'batch' || this.#state !== 'running') return;
      found.meter.intervalDue();
      this.#queue.schedule(key, this.#clock.now() + found.config.batchIntervalMs);
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
