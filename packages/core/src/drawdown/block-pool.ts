import { LicenseUnavailableError, QuotaExhaustedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedDrawdownDimension } from '../options.js';
import { newBuyRecord } from './block-checkout.js';
import type { Journal } from './journal.js';
import { journalKey } from './journal-keys.js';
import type { Outbox, SendOutcome } from './outbox.js';
import type { QuotaState } from './quota-state.js';

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
  #sequence = 0;
  #buying: Promise<void> | undefined;
  #remaining: number | undefined;
  readonly #returning = new Set<Promise<void>>();

  constructor(config: ResolvedDrawdownDimension, deps: BlockPoolDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  /** The shared block counter as this engine last saw it, if it has. */
  get blockRemaining(): number | undefined {
    return this.#remaining;
  }

  /**
   * Takes `units` (positive) from the block, checking out a new block first when it is short.
   * @throws QuotaExhaustedError when License Manager refuses the shortfall (nothing taken)
   * @throws LicenseUnavailableError when the block checkout could not be confirmed (nothing taken;
   *   the checkout is resent with its token later, and its units credited if it was granted)
   */
  async take(units: number): Promise<void> {
    const { journal } = this.#deps;
    const name = this.#config.name;
    for (;;) {
      const left = await journal.addToBlock(name, -units);
      if (left >= 0) {
        this.#remaining = left;
        return;
      }
      try {
        this.#remaining = await journal.addToBlock(name, units);
      } catch (error) {
        this.#deps.logger.error(
          { event: 'licensegate.drawdown.block_undo_failed', dimension: name, units, error: (error as Error).message },
          `Could not give back ${units} ${name} units taken from a short block; they are lost to this buyer`,
        );
        throw error;
      }
      const shortfall = units - Math.max(0, left + units);
      await this.#ensure(shortfall);
    }
  }

  /** Gives `units` back to the block (a cancelled reservation); a store failure is logged. */
  give(units: number): void {
    const name = this.#config.name;
    const giving = this.#deps.journal.addToBlock(name, units).then(
      (left) => {
        this.#remaining = left;
      },
      (error: unknown) =>
        this.#deps.logger.error(
          {
            event: 'licensegate.drawdown.block_return_failed',
            dimension: name,
            units,
            error: (error as Error).message,
          },
          `Could not give ${units} cancelled ${name} units back to the block; they stay consumed`,
        ),
    );
    this.#returning.add(giving);
    void giving.finally(() => this.#returning.delete(giving));
  }

  /** Resolves when every `give` has reached the store. */
  async drain(): Promise<void> {
    await Promise.all([...this.#returning]);
  }

  /** One block checkout per engine at a time; others wait for it, then look at the counter again. */
  async #ensure(shortfall: number): Promise<void> {
    if (this.#buying !== undefined) {
      await this.#buying.catch(() => undefined);
      return;
    }
    const buying = this.#buy(shortfall);
    this.#buying = buying;
    try {
      await buying;
    } finally {
      this.#buying = undefined;
    }
  }

  async #buy(shortfall: number): Promise<void> {
    const { journal, outbox, quota, instanceId } = this.#deps;
    const name = this.#config.name;
    // A checkout of this dimension not confirmed yet (a timeout, or adopted): resend it before any new one.
    for (const entry of outbox.entries(name, 'buy')) {
      const outcome = await outbox.send(entry.key);
      if (outcome?.status === 'credited') return;
      if (outcome?.status === 'failed') throw this.#failure(outcome);
    }
    quota.assertGrantable(name, shortfall);
    const sizes = shortfall < this.#config.blockUnits ? [this.#config.blockUnits, shortfall] : [shortfall];
    for (const size of sizes) {
      if (!quota.mayGrant(name, size)) continue;
      this.#sequence += 1;
      const key = journalKey('buy', instanceId, name, this.#sequence);
      const record = newBuyRecord(name, this.#config.unit, size, instanceId);
      const version = await journal.create(key, record);
      if (version === undefined)
        throw new Error(`The drawdown journal already holds ${key}; two engines share the instance id ${instanceId}.`);
      outbox.add(
        { key, type: 'buy', dimension: name, own: true, remaining: size },
        { value: record, version, expiresAt: null },
      );
      const outcome = await outbox.send(key);
      if (outcome?.status === 'credited') return;
      if (outcome?.status === 'failed') throw this.#failure(outcome);
    }
    throw new QuotaExhaustedError(name, shortfall > 1 ? ` (fewer than ${shortfall} more are left)` : '');
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
