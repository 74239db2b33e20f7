import type { Clock } from '../clock.js';
import { LicenseUnavailableError, QuotaExhaustedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedDrawdownDimension } from '../options.js';
import { newBatchRecord } from './batch-sender.js';
import type { FailureTracker } from './failure-tracker.js';
import type { Journal } from './journal.js';
import { journalKey } from './journal-keys.js';
import type { Outbox } from './outbox.js';
import type { QuotaState } from './quota-state.js';

/** What a sync dimension works with. */
export interface SyncDimensionDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly quota: QuotaState;
  readonly failures: FailureTracker;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
}

/**
 * A `sync` dimension: one PERPETUAL CheckoutLicense per debit, journaled like a batch of one — the
 * record, with its ClientToken, is in the store before the call and deleted after it — so a crash
 * or a timeout mid-call is resent once with the same token.
 *
 * Bound: exact. A debit resolves once License Manager took its units, and is refused
 * (QuotaExhaustedError, nothing consumed) when it did not. One exception: when the call fails
 * transiently after every retry, its units may already be consumed, so the debit resolves and the
 * record is resent later with the same token (refusing the work would charge for work not done).
 */
export class SyncDimension {
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: SyncDimensionDeps;
  #sequence = 0;

  constructor(config: ResolvedDrawdownDimension, deps: SyncDimensionDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  /** Units of this engine's debits whose checkout is not acknowledged yet. */
  get unconfirmed(): number {
    return this.#deps.outbox.ownRemaining(this.#config.name);
  }

  /**
   * Debits `units` (positive): the checkout happens before this resolves.
   * @throws QuotaExhaustedError when License Manager refuses (or a refusal already showed it would)
   * @throws LicenseUnavailableError when earlier debits could not be reported and `onUnavailable` refuses
   * @throws LicenseManagerCallError (configuration) when the app's setup is refused; nothing consumed
   */
  async debit(units: number): Promise<void> {
    this.check(units);
    await this.send(units);
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

  /**
   * Journals and sends `units` with no up-front check (a committed reservation).
   * @throws QuotaExhaustedError when refused: the units are then counted as unbillable
   */
  async commit(units: number): Promise<void> {
    try {
      await this.send(units);
    } catch (error) {
      if (error instanceof QuotaExhaustedError) {
        // The work is done and cannot be charged: keep the count.
        await this.#deps.journal.addUnbillable(this.#config.name, units).catch(() => 0);
        this.#deps.quota.addUnbillable(this.#config.name, units);
      }
      throw error;
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
    if (version === undefined)
      throw new Error(`The drawdown journal already holds ${key}; two engines share the instance id ${instanceId}.`);
    outbox.add(
      { key, type: 'batch', dimension: name, own: true, remaining: units },
      { value: record, version, expiresAt: null },
    );
    const outcome = await outbox.send(key, true);
    switch (outcome?.status) {
      case 'refused':
        throw new QuotaExhaustedError(name, units > 1 ? ` (fewer than ${units} are left)` : '');
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
