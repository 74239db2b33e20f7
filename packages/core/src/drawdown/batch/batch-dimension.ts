import { setImmediate } from 'node:timers';

import { LicenseGateError, LicenseUnavailableError } from '../../errors.js';
import type { ResolvedDrawdownDimension } from '../drawdown-options.js';
import type { DimensionMode, ModeDeps, ModeStats } from '../dimension-mode.js';
import type { ReservationSettler } from '../reservation.js';
import { newBatchRecord } from '../journal/batch-sender.js';
import { StoreNotACounterError, StoreUnavailableError } from '../../store/store-errors.js';
import { Epoch } from './epoch.js';
import { isBatchRecord, type BatchRecord, type JournalValue } from '../journal/journal.js';
import { journalKey } from '../journal/journal-keys.js';
import { CheckoutAhead } from '../ahead/checkout-ahead.js';

/** What a batch dimension works with. */
export interface BatchDimensionDeps extends ModeDeps {
  /** Whether the meter is stopping (new debits are refused; commits are still journaled). */
  readonly stopping: () => boolean;
  /** A refused debit brings the next report forward at most once per this long (the gate's `recoveryProbeMs`). */
  readonly recoveryProbeMs: number;
  /**
   * Whether each debit is written to the store as it is made (a store shared by several processes,
   * where the journal outlives a crash), or only when its epoch is sealed (a store of this process
   * alone, which a crash loses anyway). Default `true`.
   */
  readonly journalEachDebit?: boolean;
}

const RESOLVED = Promise.resolve();
const noop = (): undefined => undefined;

/** Records of one epoch gathered into one store increment. */
interface JournalWrite {
  readonly epoch: Epoch;
  /** The units of every record gathered so far. */
  units: number;
  /** Whether a counter taken over may be retried in a new epoch (once). */
  readonly mayRetry: boolean;
  /** Settles when the increment did (each gathered record returns it). */
  readonly done: Promise<void>;
}

/** The failure-tracker key of a dimension's journal writes that failed because the store is unreachable. */
const STORE = 'store:';

/**
 * A `batch` dimension: debits go to this engine's pending counter of the current epoch in the
 * store, and are reported in batches: when `batchUnits` are pending, every `batchIntervalMs`, on
 * `flush()` and at stop. On a durable store (one that outlives the process), the debits of one turn
 * of the event loop are ONE increment of the counter; on `MemoryStore` (lost with the process in a
 * crash), debits are counted in memory and the epoch is ONE increment, when it is sealed.
 *
 * Bound: units unreported (pending, sealing, being reported) plus units HELD by open reservations
 * (requests whose work is under way) never exceed `batchUnits` for this engine. A reservation that
 * would go beyond waits — for reservations to settle and for the report in flight — so what is
 * served past the purchase is at most one batch. A reservation larger than `batchUnits` is checked
 * out from License Manager before its work instead ({@link CheckoutAhead}), so the bound holds for it
 * too. A debit (work already done) that would go beyond waits likewise, unless it alone is larger
 * than `batchUnits` (then it is journaled on its own). While reports fail (License Manager
 * unreachable), the gate's `onUnavailable` policy decides whether such a debit goes on or is refused.
 *
 * Sealing an epoch: debits switch to the next epoch first; once the old epoch's increments have
 * settled, its counter is read, the batch `batch:<instance>:<dimension>:<epoch>` is created with
 * `ifAbsent` (a key no one else can duplicate), and the counter is deleted; only then is the batch sent.
 *
 * While the store is unreachable (its writes fail with a `StoreUnavailableError` whose
 * `maybeApplied` is `false`), the same rules hold as while License Manager is: debits within the bound are kept in
 * memory — counted, and added to the counter when the epoch is sealed, once the store is back —
 * and beyond the bound the `onUnavailable` policy decides. A write that may have reached the store
 * (`maybeApplied`) is not kept (it would count twice): that debit is refused. Units still kept in
 * memory when the gate stops are logged as lost (`licensegate.drawdown.units_lost`).
 */
export class BatchDimension implements DimensionMode {
  /** @inheritDoc */
  readonly mode = 'batch';
  /** @inheritDoc */
  readonly late: ReservationSettler;
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: BatchDimensionDeps;
  #current: Epoch;
  readonly #unsealed: Epoch[] = [];
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  /** The journal write gathering records now (it starts at the end of this turn of the event loop). */
  #gathering: JournalWrite | undefined;
  /** Journal writes fail because the store is unreachable (since the last one that worked). */
  #storeDown = false;
  /** Units of open reservations held under the bound (admitted, neither committed nor cancelled). */
  #held = 0;
  /** Waiters for room, woken when a reservation settles, a report ends, or the meter stops. */
  #waiters: (() => void)[] = [];
  /** Reservations larger than `batchUnits`: checked out before their work. */
  readonly #ahead: CheckoutAhead;
  /** When a refused debit last brought a report forward. */
  #lastProbeAt = -Infinity;
  /** Settles reservations held under the bound: a commit journals their units, a cancel frees the room. */
  readonly #heldSettler: ReservationSettler;
  /** Settles reservations checked out ahead: a commit has nothing left to do, a cancel gives credit. */
  readonly #aheadSettler: ReservationSettler;
  /** Units charged: recorded in an epoch (taken back when their journal write failed), or committed after a checkout ahead. */
  #debited = 0;

  constructor(config: ResolvedDrawdownDimension, deps: BatchDimensionDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#current = this.#epoch(1);
    this.#ahead = new CheckoutAhead(config, deps);
    this.#heldSettler = deps.settler(
      (units) => this.commitHeld(units),
      (units) => this.releaseHeld(units),
    );
    this.#aheadSettler = deps.settler(
      (units) => {
        this.#debited += units;
        return undefined;
      },
      (units) => this.cancelAhead(units),
    );
    // Units known once the work has ended: debited within the bound, or recorded as they are once stopping.
    this.late = deps.settler((units) => (deps.stopping() ? this.record(units) : this.debit(units)), noop, true);
  }

  /** `batchIntervalMs`. @inheritDoc */
  get flushIntervalMs(): number {
    return this.#config.batchIntervalMs;
  }

  /** @inheritDoc */
  get unreported(): number {
    return this.unconfirmed;
  }

  /** @inheritDoc */
  get debited(): number {
    return this.#debited;
  }

  /** Units of open reservations held under the bound. */
  get held(): number {
    return this.#held;
  }

  /** Units of cancelled reservations larger than `batchUnits`, kept as credit for the next ones, as last seen. */
  get credit(): number | undefined {
    return this.#ahead.credit;
  }

  /** Units debited by this engine and not reported yet (pending, sealing or being sent). */
  get unconfirmed(): number {
    let units = this.#current.units + this.#deps.outbox.ownRemaining(this.#config.name);
    for (let i = 0; i < this.#unsealed.length; i++) units += (this.#unsealed[i] as Epoch).units;
    return units;
  }

  /** Whether units wait to be sealed. */
  get hasPending(): boolean {
    return !this.#current.empty || this.#unsealed.length > 0;
  }

  /** Units debited while the store was unreachable and not written to it yet (held in memory only). */
  get unjournaled(): number {
    let units = this.#current.unjournaled;
    for (let i = 0; i < this.#unsealed.length; i++) units += (this.#unsealed[i] as Epoch).unjournaled;
    return units;
  }

  /**
   * Debits `units` (a positive safe integer): journals them when the bound allows, or waits for the
   * report in flight first.
   * @throws QuotaExhaustedError when the dimension is exhausted
   * @throws LicenseUnavailableError when reports fail and the `onUnavailable` policy refuses
   * @throws the store's error when the journal cannot be written (nothing debited)
   */
  debit(units: number): Promise<void> {
    this.#deps.quota.assertNotExhausted(this.#config.name);
    if (this.#fits(units)) return this.record(units);
    return this.#whenRoom(units, 'record');
  }

  /**
   * Holds `units` for a reservation at once, when they fit under the bound with everything
   * unreported and every other open reservation: the hot path. `false` when they do not fit now,
   * or when a reservation this large must be checked out ahead: then call {@link hold}.
   * @throws QuotaExhaustedError when the dimension is exhausted
   */
  tryHold(units: number): boolean {
    this.#deps.quota.assertNotExhausted(this.#config.name);
    if (units > this.#config.batchUnits || this.unconfirmed + this.#held + units > this.#config.batchUnits)
      return false;
    this.#held += units;
    return true;
  }

  /** {@link tryHold}: the hot path. @inheritDoc */
  holdNow(units: number): ReservationSettler | undefined {
    return this.tryHold(units) ? this.#heldSettler : undefined;
  }

  /**
   * Holds `units` for a reservation: under the bound (waiting for room: for reservations to settle
   * and for the report in flight), or — larger than `batchUnits` — checked out before the work.
   * @returns the settler of units held (a commit journals them, {@link commitHeld}; a cancel frees
   *   the room, {@link releaseHeld}) or of units paid for (a commit does nothing more, a cancel
   *   gives the units as credit, {@link cancelAhead})
   * @throws QuotaExhaustedError, LicenseUnavailableError, LicenseGateError `ERR_LG_STOPPED`
   */
  async hold(units: number): Promise<ReservationSettler> {
    if (units > this.#config.batchUnits) {
      await this.#ahead.take(units);
      return this.#aheadSettler;
    }
    if (!this.tryHold(units)) await this.#whenRoom(units, 'hold');
    return this.#heldSettler;
  }

  /** A held reservation's work succeeded: its units are journaled (see {@link recordNow}). */
  commitHeld(units: number): Promise<void> | undefined {
    this.#held -= units;
    const written = this.recordNow(units);
    this.#wake();
    return written;
  }

  /** A held reservation's work failed: its room is free again. */
  releaseHeld(units: number): void {
    this.#held -= units;
    this.#wake();
  }

  /** A reservation checked out ahead was cancelled: its units are kept as credit. */
  cancelAhead(units: number): void {
    this.#ahead.give(units);
  }

  /** Resolves when every credit given back has reached the store. */
  drainCredit(): Promise<void> {
    return this.#ahead.drain();
  }

  /** Wakes every waiter for room (they look again; a stopping meter refuses them). @inheritDoc */
  stopping(): void {
    this.#wake();
  }

  /**
   * Seals what is pending and sends it; logs units that could not be journaled (lost) and waits for
   * the credit of cancelled reservations to reach the store. @inheritDoc
   */
  async drainAtStop(): Promise<void> {
    const { logger } = this.#deps;
    const name = this.#config.name;
    await this.flush().catch((error: unknown) =>
      logger.warn(
        { event: 'licensegate.drawdown.flush_failed', dimension: name, error: (error as Error).message },
        `Could not seal the pending ${name} units at stop; they stay in the store for the next engine`,
      ),
    );
    const lost = this.unjournaled;
    if (lost > 0) {
      logger.error(
        { event: 'licensegate.drawdown.units_lost', dimension: name, units: lost },
        `${lost} ${name} units could not be journaled before stop (the store could not be written): they are not reported`,
      );
    }
    await this.drainCredit();
  }

  /** {@link drainAtStop} sent everything already. @inheritDoc */
  reportAtStop(): Promise<void> {
    return RESOLVED;
  }

  /** @inheritDoc */
  stats(): ModeStats {
    const credit = this.credit;
    return { pending: this.unconfirmed, ...(credit !== undefined ? { credit } : {}) };
  }

  /**
   * Journals `units` with no check and no wait: they join the current epoch's counter in the next
   * journal write. For a committed reservation, whose work is done, and the second half of `debit`.
   * While the store is unreachable, the units are kept in memory when the `onUnavailable` policy
   * admits them.
   * @throws the store's error (the units are taken back locally: nothing debited)
   */
  record(units: number): Promise<void> {
    return this.recordNow(units) ?? RESOLVED;
  }

  /**
   * {@link record} for a request's hot path: `undefined` when nothing is left to wait for (the
   * units are in the epoch, and, with a store of this process alone, are written when it is
   * sealed), else the journal write's promise. Never throws.
   */
  recordNow(units: number): Promise<void> | undefined {
    if (this.#deps.journalEachDebit === false) {
      const epoch = this.#current;
      epoch.units += units;
      epoch.unjournaled += units;
      this.#debited += units;
      this.#maybeFlush();
      return undefined;
    }
    return this.#record(units, true);
  }

  /**
   * Adds `units` to the current epoch and to the journal write that gathers this turn of the event
   * loop: every record of the same epoch until the write starts is ONE store increment (the hot path
   * of a busy server records many per turn). Each record settles with its write: resolved once the
   * units are in the counter, rejected — and taken back — when they are not.
   */
  #record(units: number, mayRetry: boolean): Promise<void> {
    const epoch = this.#current;
    epoch.units += units;
    this.#debited += units;
    const gathering = this.#gathering;
    if (gathering !== undefined && gathering.epoch === epoch && gathering.mayRetry === mayRetry) {
      gathering.units += units;
      return gathering.done;
    }
    epoch.begin();
    let outcome!: { resolve: () => void; reject: (error: unknown) => void };
    const done = new Promise<void>((resolve, reject) => {
      outcome = { resolve, reject };
    });
    const write: JournalWrite = { epoch, units, mayRetry, done };
    this.#gathering = write;
    setImmediate(() => {
      if (this.#gathering === write) this.#gathering = undefined;
      this.#write(write).then(outcome.resolve, outcome.reject);
    });
    return done;
  }

  /**
   * One increment of an epoch's counter by what a journal write gathered; on failure all of it is
   * taken back (or kept in memory, see {@link record}).
   */
  #write(write: JournalWrite): Promise<void> {
    const { epoch, units, mayRetry } = write;
    return this.#deps.journal.increment(epoch.key, units).then(
      () => {
        epoch.end();
        if (this.#storeDown) this.#storeBack();
        this.#maybeFlush();
      },
      (error: unknown) => {
        epoch.end();
        if (this.#storeFailed(error) && this.#admitUnjournaled()) {
          epoch.unjournaled += units;
          return;
        }
        epoch.units -= units;
        this.#debited -= units;
        if (error instanceof StoreNotACounterError && mayRetry && epoch === this.#current) {
          // Its counter was taken over by an engine that thought this one dead: go on in a new epoch.
          this.#nextEpoch();
          return this.#record(units, false);
        }
        throw error;
      },
    );
  }

  /**
   * Seals what is pending now and sends this dimension's batches (after a flush already running).
   * License Manager failures do not reject (the batches stay, to be retried); store failures do.
   */
  flush(): Promise<void> {
    if (this.#running === undefined) return this.#start();
    this.#queued ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.#running === undefined ? this.#start() : this.flush();
      });
    return this.#queued;
  }

  /** The interval has passed: flush if anything is pending. */
  intervalDue(): void {
    if (this.hasPending) this.#background();
  }

  /** A send of this dimension ended: flush again when a batch is due and reports work; waiters look again. @inheritDoc */
  sent(): void {
    this.#maybeFlush();
    this.#wake();
  }

  /** Whether a debit of `units` (work done) fits: under the bound, or alone when it is larger. */
  #fits(units: number): boolean {
    const held = this.unconfirmed + this.#held;
    return held === 0 || held + units <= this.#config.batchUnits;
  }

  /** Whether a reservation of `units` (at most `batchUnits`) fits under the bound. */
  #fitsHeld(units: number): boolean {
    return this.unconfirmed + this.#held + units <= this.#config.batchUnits;
  }

  /** Takes `units` once there is room: records them (a debit) or holds them (a reservation). */
  #take(units: number, as: 'record' | 'hold'): Promise<void> | undefined {
    if (as === 'record') return this.record(units);
    this.#held += units;
    return undefined;
  }

  async #whenRoom(units: number, as: 'record' | 'hold'): Promise<void> {
    const { quota, failures, clock } = this.#deps;
    const name = this.#config.name;
    for (;;) {
      if (this.#deps.stopping())
        throw new LicenseGateError('ERR_LG_STOPPED', `The gate is stopping; ${name} units can no longer be debited.`);
      quota.assertNotExhausted(name);
      if (as === 'record' ? this.#fits(units) : this.#fitsHeld(units)) return this.#take(units, as);
      // The store was unreachable: sealing what is pending tells whether it is back (it fails at once if not).
      if (this.#storeDown && (await this.#flushed()) && !this.#storeDown) continue;
      if (failures.isDegraded(name)) {
        const decision = failures.decide(name, clock.now());
        if (decision.admit) return this.#take(units, as);
        this.#probe();
        throw new LicenseUnavailableError(
          `${name} units cannot be reported now (License Manager or the store is unreachable), and ${this.unconfirmed} are waiting; no more are served until they are.`,
          decision.retryAfterMs,
        );
      }
      if (this.hasPending || this.#deps.outbox.ownRemaining(name) > 0) {
        // Units wait to be reported: report them (when it fails because of the store, the dimension
        // is degraded now, and the policy decides above).
        await this.#flushed();
      } else {
        // Only open reservations take the room: wait for one to settle.
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      }
    }
  }

  /**
   * A debit refused because reports fail brings the next report forward — one flush at a time, at
   * most one per `recoveryProbeMs` — so that debits resume within seconds of License Manager's
   * return under traffic, not at the end of the backoff.
   */
  #probe(): void {
    const now = this.#deps.clock.now();
    if (this.#running !== undefined || now - this.#lastProbeAt < this.#deps.recoveryProbeMs) return;
    this.#lastProbeAt = now;
    this.#background();
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Runs a flush (or waits for the one running).
   * @returns `true` when it worked, `false` when the store was unreachable
   * @throws any other failure
   */
  async #flushed(): Promise<boolean> {
    try {
      await (this.#running ?? this.#start());
      return true;
    } catch (error) {
      if (!this.#storeFailed(error)) throw error;
      return false;
    }
  }

  /**
   * Whether a journal write failed because the store is unreachable — and surely did not happen.
   * Such a failure degrades the dimension (the `onUnavailable` policy decides beyond the bound)
   * until a write works again.
   */
  #storeFailed(error: unknown): boolean {
    if (!(error instanceof StoreUnavailableError) || error.maybeApplied) return false;
    const { failures, clock, logger } = this.#deps;
    const name = this.#config.name;
    failures.failed(STORE + name, name, 'transient', clock.now());
    if (!this.#storeDown) {
      this.#storeDown = true;
      logger.warn(
        { event: 'licensegate.drawdown.store_unavailable', dimension: name, error: error.message },
        `The drawdown journal cannot be written: ${name} units are kept in memory within the batch bound (beyond it, the onUnavailable policy decides) and journaled once the store is back`,
      );
    }
    return true;
  }

  /** Whether the `onUnavailable` policy lets a debit be kept in memory now. */
  #admitUnjournaled(): boolean {
    return this.#deps.failures.decide(this.#config.name, this.#deps.clock.now()).admit;
  }

  /** A journal write worked again: the dimension is no longer degraded by the store, and what waits in memory is journaled. */
  #storeBack(): void {
    this.#storeDown = false;
    this.#deps.failures.forget(STORE + this.#config.name);
    const units = this.unjournaled;
    this.#deps.logger.info(
      { event: 'licensegate.drawdown.store_back', dimension: this.#config.name, unjournaled: units },
      `The drawdown journal can be written again; ${units} ${this.#config.name} units kept in memory are journaled now`,
    );
    if (units > 0) this.#background();
  }

  #maybeFlush(): void {
    if (
      this.#current.units >= this.#config.batchUnits &&
      this.#running === undefined &&
      !this.#deps.failures.isDegraded(this.#config.name)
    ) {
      this.#background();
    }
  }

  #background(): void {
    this.flush().catch((error: unknown) =>
      this.#deps.logger.warn(
        { event: 'licensegate.drawdown.flush_failed', dimension: this.#config.name, error: (error as Error).message },
        `Could not seal the pending ${this.#config.name} units in the store; they stay pending and are sealed at the next flush`,
      ),
    );
  }

  #start(): Promise<void> {
    const run = this.#flushOnce().finally(() => {
      if (this.#running === run) this.#running = undefined;
      this.#maybeFlush();
    });
    this.#running = run;
    return run;
  }

  async #flushOnce(): Promise<void> {
    await this.#seal();
    await this.#deps.outbox.sendAll(this.#config.name);
  }

  async #seal(): Promise<void> {
    if (!this.#current.empty) this.#nextEpoch();
    while (this.#unsealed.length > 0) {
      const epoch = this.#unsealed[0] as Epoch;
      await epoch.drained();
      await this.#sealEpoch(epoch);
    }
  }

  /** Debits go to a new epoch from now on; the current one waits to be sealed. */
  #nextEpoch(): void {
    this.#unsealed.push(this.#current);
    this.#current = this.#epoch(this.#current.number + 1);
  }

  /**
   * Adds what an epoch kept in memory to its counter. When the counter was taken over meanwhile,
   * the units move to the current epoch instead (it journals them when it is sealed).
   */
  async #journalKept(epoch: Epoch): Promise<void> {
    const units = epoch.unjournaled;
    if (units === 0) return;
    try {
      await this.#deps.journal.increment(epoch.key, units);
    } catch (error) {
      if (!(error instanceof StoreNotACounterError)) throw error;
      this.#current.units += units;
      this.#current.unjournaled += units;
      epoch.units -= units;
    }
    epoch.unjournaled = 0;
  }

  /** Turns one epoch's counter into a batch; on a store failure the epoch stays unsealed (and counted). */
  async #sealEpoch(epoch: Epoch): Promise<void> {
    const { journal, outbox, instanceId, logger } = this.#deps;
    const name = this.#config.name;
    await this.#journalKept(epoch);
    const counter = await journal.get<JournalValue>(epoch.key);
    const batchKey = journalKey('batch', instanceId, name, epoch.number);
    if (counter !== undefined && typeof counter.value !== 'number') {
      logger.warn(
        { event: 'licensegate.drawdown.taken_over', dimension: name, key: epoch.key },
        `Another engine took over pending ${name} units of this one (its heartbeat had lapsed); it reports them`,
      );
      this.#unsealed.shift();
      return;
    }
    const units = typeof counter?.value === 'number' ? counter.value : 0;
    let batch: { value: BatchRecord; version: number; expiresAt: null } | undefined;
    if (units > 0) {
      const record = newBatchRecord(name, this.#config.unit, units, instanceId);
      const version = await journal.create(batchKey, record);
      if (version !== undefined) {
        batch = { value: record, version, expiresAt: null };
      } else if (!outbox.has(batchKey)) {
        // Made by an earlier try of this seal that failed later, or by an adopter.
        const existing = await journal.get<JournalValue>(batchKey);
        if (existing !== undefined && isBatchRecord(existing.value) && existing.value.owner === instanceId) {
          batch = { value: existing.value, version: existing.version, expiresAt: null };
        }
      }
    }
    // The counter goes before the batch is sent: a batch is never deleted while its counter could still become a second one.
    if (counter !== undefined && !(await journal.remove(epoch.key, counter.version))) {
      logger.warn(
        { event: 'licensegate.drawdown.taken_over', dimension: name, key: epoch.key },
        `Another engine took over pending ${name} units of this one`,
      );
    }
    this.#unsealed.shift();
    if (this.#storeDown) this.#storeBack();
    if (batch !== undefined)
      outbox.add({ key: batchKey, type: 'batch', dimension: name, own: true, remaining: batch.value.remaining }, batch);
  }

  #epoch(number: number): Epoch {
    return new Epoch(number, journalKey('pending', this.#deps.instanceId, this.#config.name, number));
  }
}
