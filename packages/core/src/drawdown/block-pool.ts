import { LicenseUnavailableError, QuotaExhaustedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedDrawdownDimension } from '../options.js';
import { buy } from './buy.js';
import type { Journal } from './journal.js';
import type { Outbox, SendOutcome } from './outbox.js';
import type { QuotaState } from './quota-state.js';
import { UnspentUnits } from './unspent-units.js';

/** What a block pool works with. */
export interface BlockPoolDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly quota: QuotaState;
  readonly logger: Logger;
  readonly instanceId: string;
}

/**
 * A `reserve` dimension: blocks of `blockUnits` are checked out ahead (PERPETUAL) and spent
 * locally. The units left of the blocks are ONE counter in the store, `block:<dimension>`, shared
 * by every engine on the store: taking units is one `increment` by minus the units; a result below
 * zero is undone and a new block is checked out — `max(blockUnits, shortfall)`, or, when License
 * Manager refuses that, exactly the shortfall, and when that is refused too the reservation is
 * refused up front (QuotaExhaustedError) with nothing served.
 *
 * Bound: never serves past the purchase (units are checked out before they are served), and leaves
 * at most one unspent block — a block being `max(blockUnits, shortfall)` — per engine: a block is
 * checked out only when what is left cannot cover a reservation, one checkout at a time per engine
 * and dimension, and an unconfirmed checkout is resent with its token before any new one. Cancelled
 * reservations give their units back to the counter, so units of reservations cancelled after a
 * block was checked out come on top (with one reservation at a time: less than one block plus one
 * reservation is left).
 *
 * Block checkouts are journaled like batches (`buy:` records, token written before the call). If an
 * engine stops between License Manager's grant and the credit, the block is not credited by anyone
 * (it cannot be known whether it was): at most that one block is lost, never counted twice.
 */
export class BlockPool {
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: BlockPoolDeps;
  readonly #block: UnspentUnits;
  #sequence = 0;
  #buying: Promise<void> | undefined;

  constructor(config: ResolvedDrawdownDimension, deps: BlockPoolDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#block = new UnspentUnits(deps.journal, config.name, deps.logger);
  }

  /** The shared block counter as this engine last saw it, if it has. */
  get blockRemaining(): number | undefined {
    return this.#block.lastSeen;
  }

  /**
   * Takes `units` (positive) from the block, checking out a new block first when it is short.
   * @throws QuotaExhaustedError when License Manager refuses the shortfall (nothing taken)
   * @throws LicenseUnavailableError when the block checkout could not be confirmed (nothing taken;
   *   the checkout is resent with its token later, and its units credited if it was granted)
   */
  async take(units: number): Promise<void> {
    for (;;) {
      const shortfall = await this.#block.take(units);
      if (shortfall === 0) return;
      await this.#ensure(shortfall, units);
    }
  }

  /** Gives `units` back to the block (a cancelled reservation); a store failure is logged. */
  give(units: number): void {
    this.#block.give(units);
  }

  /** Resolves when every `give` has reached the store. */
  drain(): Promise<void> {
    return this.#block.drain();
  }

  /** Notes the block counter's value after a block was credited (a checkout resent in the background). */
  saw(value: number): void {
    this.#block.saw(value);
  }

  /** One block checkout per engine at a time; others wait for it, then look at the counter again. */
  async #ensure(shortfall: number, needed: number): Promise<void> {
    if (this.#buying !== undefined) {
      await this.#buying.catch(() => undefined);
      return;
    }
    const buying = this.#buy(shortfall, needed);
    this.#buying = buying;
    try {
      await buying;
    } finally {
      this.#buying = undefined;
    }
  }

  async #buy(shortfall: number, needed: number): Promise<void> {
    const { outbox, quota } = this.#deps;
    const name = this.#config.name;
    // A checkout of this dimension not confirmed yet (a timeout, or adopted): resend it before any new one.
    for (const entry of outbox.entries(name, 'buy')) {
      const outcome = await outbox.send(entry.key);
      if (outcome?.status === 'credited') return this.#block.saw(outcome.blockRemaining);
      if (outcome?.status === 'failed') throw this.#failure(outcome);
    }
    quota.assertGrantable(name, shortfall);
    const sizes = shortfall < this.#config.blockUnits ? [this.#config.blockUnits, shortfall] : [shortfall];
    for (const size of sizes) {
      if (!quota.mayGrant(name, size)) continue;
      this.#sequence += 1;
      const outcome = await buy(this.#deps, this.#config, this.#sequence, size, false);
      if (outcome?.status === 'credited') return this.#block.saw(outcome.blockRemaining);
      if (outcome?.status === 'failed') throw this.#failure(outcome);
    }
    throw new QuotaExhaustedError(
      name,
      needed > 1
        ? ` (it needs ${needed}; ${needed - shortfall} are left in the block checked out ahead, and License Manager has fewer than the other ${shortfall})`
        : '',
    );
  }

  #failure(outcome: Extract<SendOutcome, { status: 'failed' }>): Error {
    if (outcome.kind === 'configuration') return outcome.error;
    return new LicenseUnavailableError(
      `A block of ${this.#config.name} units could not be checked out from License Manager now; try again later.`,
      1_000,
      { cause: outcome.error },
    );
  }
}
