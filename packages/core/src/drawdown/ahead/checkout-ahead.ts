import { LicenseUnavailableError, QuotaExhaustedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ResolvedDrawdownDimension } from '../drawdown-options.js';
import { buy } from '../journal/buy.js';
import type { Journal } from '../journal/journal.js';
import type { Outbox } from '../journal/outbox.js';
import type { QuotaState } from '../journal/quota-state.js';
import { UnspentUnits } from './unspent-units.js';

/** What a checkout ahead works with. */
export interface CheckoutAheadDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly quota: QuotaState;
  readonly logger: Logger;
  readonly instanceId: string;
}

/**
 * Units checked out from License Manager BEFORE the work they pay for, so that no work is done that
 * License Manager has not granted: what `sync` mode does for every reservation, and `batch` mode for
 * a reservation larger than `batchUnits`.
 *
 * - The units come from the dimension's credit first: units of such reservations that were
 *   cancelled (PERPETUAL units cannot be given back to License Manager, so they are kept for the
 *   next request), held in the store's `block:<dimension>` counter, shared by every engine.
 * - Otherwise ONE PERPETUAL checkout of exactly the units, journaled like a block checkout (a `buy:`
 *   record with its ClientToken, written before the call). Granted: the units belong to the work.
 *   Refused: `QuotaExhaustedError`, nothing consumed. Not confirmed (License Manager unreachable):
 *   `LicenseUnavailableError` — the work is refused — and the record stays to be resent with its
 *   token; if it was granted, its units become credit. A crash between the grant and the deletion of
 *   the record also ends as credit. Units paid for are never lost, and never counted twice.
 */
export class CheckoutAhead {
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: CheckoutAheadDeps;
  readonly #unspent: UnspentUnits;
  #sequence = 0;

  constructor(config: ResolvedDrawdownDimension, deps: CheckoutAheadDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#unspent = new UnspentUnits(deps.journal, config.name, deps.logger);
  }

  /**
   * Takes `units` (positive) from the credit, or checks them out now.
   * @throws QuotaExhaustedError when License Manager refuses them (or is known to)
   * @throws LicenseUnavailableError when the checkout could not be confirmed (nothing to serve)
   * @throws LicenseManagerCallError (configuration) when License Manager refuses the app's setup
   * @throws the store's error
   */
  async take(units: number): Promise<void> {
    const { quota } = this.#deps;
    const name = this.#config.name;
    quota.assertNotExhausted(name);
    if (await this.takeCredit(units)) return;
    quota.assertGrantable(name, units);
    this.#sequence += 1;
    const outcome = await buy(this.#deps, this.#config, this.#sequence, units, true);
    switch (outcome?.status) {
      case 'granted':
        return;
      case 'refused':
        throw new QuotaExhaustedError(name, units > 1 ? ` (it needs ${units}; License Manager has fewer left)` : '');
      case 'failed':
        if (outcome.kind === 'configuration') throw outcome.error;
        throw new LicenseUnavailableError(
          `${units} ${name} units could not be checked out from License Manager now; try again later.`,
          1_000,
          { cause: outcome.error },
        );
      default:
        throw new LicenseUnavailableError(`${units} ${name} units could not be checked out now; try again.`, 1_000);
    }
  }

  /** Credits `units` that were paid for but not used (a cancelled reservation); a store failure is logged. */
  give(units: number): void {
    this.#unspent.give(units);
  }

  /** Takes `units` from the credit when it holds that many; whether they were taken. @throws the store's error */
  async takeCredit(units: number): Promise<boolean> {
    return (await this.#unspent.takeIfHeld(units)) === 0;
  }

  /** Resolves when every `give` has reached the store. */
  drain(): Promise<void> {
    return this.#unspent.drain();
  }

  /** Units of credit, as this engine last saw the counter. */
  get credit(): number | undefined {
    return this.#unspent.lastSeen;
  }
}
