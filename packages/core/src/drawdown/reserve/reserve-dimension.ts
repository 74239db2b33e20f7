import { LicenseUnavailableError, QuotaExhaustedError } from '../../errors.js';
import type { ResolvedDrawdownDimension } from '../drawdown-options.js';
import type { DimensionMode, ModeDeps, ModeStats } from '../dimension-mode.js';
import type { ReservationSettler } from '../reservation.js';
import { buy } from '../journal/buy.js';
import type { SendOutcome } from '../journal/outbox.js';
import { UnspentUnits } from '../ahead/unspent-units.js';

/** What a reserve dimension works with. */
export type ReserveDimensionDeps = ModeDeps;

const noop = (): undefined => undefined;

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
export class ReserveDimension implements DimensionMode {
  /** @inheritDoc */
  readonly mode = 'reserve';
  /** @inheritDoc */
  readonly flushIntervalMs = undefined;
  /** Units are checked out before they are served: nothing is left unreported. @inheritDoc */
  readonly unreported = 0;
  /** @inheritDoc */
  readonly late: ReservationSettler;
  readonly #config: ResolvedDrawdownDimension;
  readonly #deps: ReserveDimensionDeps;
  readonly #block: UnspentUnits;
  /** Settles reservations taken from the block: a commit has nothing left to do, a cancel gives the units back. */
  readonly #taken: ReservationSettler;
  #sequence = 0;
  /** Units charged: debits that succeeded, and reservations committed. */
  #debited = 0;
  #buying: Promise<void> | undefined;

  constructor(config: ResolvedDrawdownDimension, deps: ReserveDimensionDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#block = new UnspentUnits(deps.journal, config.name, deps.logger);
    this.#taken = deps.settler(
      (units) => {
        this.#debited += units;
        return undefined;
      },
      (units) => this.give(units),
    );
    this.late = deps.settler((units) => this.debit(units), noop, true);
  }

  /** @inheritDoc */
  get debited(): number {
    return this.#debited;
  }

  /** Takes the units from the block. @inheritDoc */
  async debit(units: number): Promise<void> {
    await this.take(units);
    this.#debited += units;
  }

  /** Taking from the block calls the store: never at once. @inheritDoc */
  holdNow(): ReservationSettler | undefined {
    return undefined;
  }

  /** @inheritDoc */
  async hold(units: number): Promise<ReservationSettler> {
    await this.take(units);
    return this.#taken;
  }

  /** Sends the block checkouts that wait for a retry. @inheritDoc */
  flush(): Promise<void> {
    return this.#deps.outbox.sendAll(this.#config.name);
  }

  /** No interval in this mode. @inheritDoc */
  intervalDue(): void {}

  /** A block checkout resent in the background was credited: note the counter. @inheritDoc */
  sent(outcome: SendOutcome): void {
    if (outcome.status === 'credited') this.saw(outcome.blockRemaining);
  }

  /** Pending units are those of open reservations. @inheritDoc */
  stats(openUnits: number): ModeStats {
    const blockRemaining = this.blockRemaining;
    return { pending: openUnits, ...(blockRemaining !== undefined ? { blockRemaining } : {}) };
  }

  /** @inheritDoc */
  stopping(): void {}

  /** Waits for the units of cancelled reservations to reach the block. @inheritDoc */
  drainAtStop(): Promise<void> {
    return this.drain();
  }

  /** @inheritDoc */
  reportAtStop(): Promise<void> {
    return this.#deps.outbox.sendAll(this.#config.name);
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
