import { JournalConflictError, LicenseUnavailableError, QuotaExhaustedError } from '../../errors.js';
import type { ResolvedDrawdownDimension } from '../drawdown-options.js';
import type { DimensionMode, ModeDeps, ModeStats } from '../dimension-mode.js';
import type { ReservationSettler } from '../reservation.js';
import { newBatchRecord } from '../journal/batch-sender.js';
import { journalKey } from '../journal/journal-keys.js';
import { CheckoutAhead } from '../ahead/checkout-ahead.js';

/** What a sync dimension works with. */
export type SyncDimensionDeps = ModeDeps;

const noop = (): undefined => undefined;

/**
 * A `sync` dimension: one PERPETUAL CheckoutLicense per debit or reservation, before it resolves.
 *
 * - A reservation (a request's charge, two-phase) is checked out AHEAD, before the work: from the
 *   dimension's credit (units of reservations that were cancelled), else by one checkout of exactly
 *   its units (see {@link CheckoutAhead}). No request is served units that License Manager has not
 *   granted; a request larger than what is left is refused (402) before any work; a checkout that
 *   cannot be confirmed refuses the request (503) and, resent later, turns into credit if granted.
 *   A cancelled reservation's units become credit for the next one.
 * - A debit (units of work done) is journaled like a batch of one — the record, with its
 *   ClientToken, is in the store before the call and deleted after it — so a crash or a timeout
 *   mid-call is resent once with the same token. It resolves once License Manager took its units,
 *   and is refused (QuotaExhaustedError, nothing consumed) when it did not. When the call fails
 *   transiently after every retry, its units may already be consumed, so the debit resolves and the
 *   record is resent later with the same token (refusing work already done would not undo it).
 */
export class SyncDimension implements DimensionMode {
  /** @inheritDoc */
  readonly mode = 'sync';
  /** @inheritDoc */
  readonly flushIntervalMs = undefined;
  /** @inheritDoc */
  readonly late: ReservationSettler;
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: SyncDimensionDeps;
  readonly #ahead: CheckoutAhead;
  /** Settles reservations checked out ahead: a commit has nothing left to do, a cancel gives credit. */
  readonly #reserved: ReservationSettler;
  #sequence = 0;
  /** Units charged: debits that succeeded, and reservations committed. */
  #debited = 0;

  constructor(config: ResolvedDrawdownDimension, deps: SyncDimensionDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#ahead = new CheckoutAhead(config, deps);
    this.#reserved = deps.settler(
      (units) => {
        this.#debited += units;
        return undefined;
      },
      (units) => this.cancel(units),
    );
    this.late = deps.settler((units) => this.debit(units), noop, true);
  }

  /** @inheritDoc */
  get unreported(): number {
    return this.unconfirmed;
  }

  /** @inheritDoc */
  get debited(): number {
    return this.#debited;
  }

  /** A reservation is always checked out first: never at once. @inheritDoc */
  holdNow(): ReservationSettler | undefined {
    // A pool known to be used up is refused now.
    this.#deps.quota.assertNotExhausted(this.#config.name);
    return undefined;
  }

  /** @inheritDoc */
  async hold(units: number): Promise<ReservationSettler> {
    await this.reserve(units);
    return this.#reserved;
  }

  /** Sends the debits whose checkout waits for a retry. @inheritDoc */
  flush(): Promise<void> {
    return this.#deps.outbox.sendAll(this.#config.name);
  }

  /** No interval in this mode. @inheritDoc */
  intervalDue(): void {}

  /** @inheritDoc */
  sent(): void {}

  /** @inheritDoc */
  stats(): ModeStats {
    const credit = this.credit;
    return { pending: this.unconfirmed, ...(credit !== undefined ? { credit } : {}) };
  }

  /** @inheritDoc */
  stopping(): void {}

  /** Waits for the credit of cancelled reservations to reach the store. @inheritDoc */
  drainAtStop(): Promise<void> {
    return this.drain();
  }

  /** @inheritDoc */
  reportAtStop(): Promise<void> {
    return this.#deps.outbox.sendAll(this.#config.name);
  }

  /** Units of this engine's debits whose checkout is not acknowledged yet. */
  get unconfirmed(): number {
    return this.#deps.outbox.ownRemaining(this.#config.name);
  }

  /** Units of cancelled reservations kept for the next ones, as last seen. */
  get credit(): number | undefined {
    return this.#ahead.credit;
  }

  /**
   * Debits `units` (positive): from the credit, or by a checkout that happens before this resolves.
   * @throws QuotaExhaustedError when License Manager refuses (or a refusal already showed it would)
   * @throws LicenseUnavailableError when earlier debits could not be reported and `onUnavailable` refuses
   * @throws LicenseManagerCallError (configuration) when the app's setup is refused; nothing consumed
   */
  async debit(units: number): Promise<void> {
    this.check(units);
    if (!(await this.#ahead.takeCredit(units))) await this.send(units);
    this.#debited += units;
  }

  /**
   * Holds `units` for a piece of work, checked out before it (see the class comment).
   * @throws QuotaExhaustedError (402), LicenseUnavailableError (503), LicenseManagerCallError (configuration)
   */
  async reserve(units: number): Promise<void> {
    await this.#ahead.take(units);
  }

  /** Gives the units of a cancelled reservation back, as credit for the next ones. */
  cancel(units: number): void {
    this.#ahead.give(units);
  }

  /** Resolves when every cancelled reservation's credit has reached the store. */
  drain(): Promise<void> {
    return this.#ahead.drain();
  }

  /**
   * Refuses a debit of `units` up front when it is known to be refused, or when reports fail and
   * the `onUnavailable` policy refuses.
   */
  check(units: number): void {
    const { quota, failures, clock } = this.#deps;
    const name = this.#config.name;
    quota.assertGrantable(name, units);
    const decision = failures.decide(name, clock.now());
    if (!decision.admit) {
      throw new LicenseUnavailableError(
        `License Manager cannot be reached to take ${name} units; try again later.`,
        decision.retryAfterMs,
      );
    }
  }

  /** Journals a record of `units`, then sends it as this debit's own checkout. */
  async send(units: number): Promise<void> {
    const { journal, outbox, instanceId, logger } = this.#deps;
    const name = this.#config.name;
    this.#sequence += 1;
    const key = journalKey('batch', instanceId, name, this.#sequence);
    const record = newBatchRecord(name, this.#config.unit, units, instanceId);
    const version = await journal.create(key, record);
    if (version === undefined) throw new JournalConflictError(key, instanceId);
    outbox.add(
      { key, type: 'batch', dimension: name, own: true, remaining: units },
      { value: record, version, expiresAt: null },
    );
    const outcome = await outbox.send(key, true);
    switch (outcome?.status) {
      case 'refused':
        throw new QuotaExhaustedError(name, units > 1 ? ` (it needs ${units}; License Manager has fewer left)` : '');
      case 'dropped':
        throw outcome.error;
      case 'failed':
        logger.warn(
          { event: 'licensegate.drawdown.sync_deferred', dimension: name, units },
          `The ${name} checkout of ${units} units could not be confirmed; it is kept and resent with the same ClientToken`,
        );
        return;
      default:
        return;
    }
  }
}
