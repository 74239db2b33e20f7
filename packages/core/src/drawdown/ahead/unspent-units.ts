import type { Logger } from '../../logger.js';
import type { Journal } from '../journal/journal.js';
import { blockKey } from '../journal/journal-keys.js';

/**
 * Units of a dimension that License Manager has granted and no work has spent yet: ONE counter in
 * the store, `block:<dimension>`, shared by every engine on the store. `reserve` mode keeps the
 * rest of its blocks there; `sync` mode (and `batch` mode's large reservations) the units of
 * reservations that were checked out ahead and then cancelled — PERPETUAL units cannot be given
 * back to License Manager, so they are kept for the next request instead.
 *
 * Taking is one `increment` by minus the units; a result below zero is undone at once (another
 * engine may see the counter short for that moment, and buy instead: never more spent than held).
 */
export class UnspentUnits {
  readonly #journal: Journal;
  readonly #dimension: string;
  readonly #logger: Logger;
  #lastSeen: number | undefined;
  readonly #giving = new Set<Promise<void>>();

  constructor(journal: Journal, dimension: string, logger: Logger) {
    this.#journal = journal;
    this.#dimension = dimension;
    this.#logger = logger;
  }

  /** The counter as this engine last saw it, if it has. */
  get lastSeen(): number | undefined {
    return this.#lastSeen;
  }

  /**
   * Takes `units` (positive) when the counter holds that many.
   * @returns 0 when they were taken, else the shortfall (nothing taken)
   * @throws the store's error (nothing taken; when the undo itself fails, the units are logged as lost)
   */
  async take(units: number): Promise<number> {
    const left = await this.#journal.addToBlock(this.#dimension, -units);
    if (left >= 0) {
      this.#lastSeen = left;
      return 0;
    }
    try {
      this.#lastSeen = await this.#journal.addToBlock(this.#dimension, units);
    } catch (error) {
      this.#logger.error(
        {
          event: 'licensegate.drawdown.block_undo_failed',
          dimension: this.#dimension,
          units,
          error: (error as Error).message,
        },
        `Could not give back ${units} ${this.#dimension} units taken from a short counter; they are lost to this buyer`,
      );
      throw error;
    }
    return units - Math.max(0, left + units);
  }

  /**
   * {@link take}, looking first: when the counter is known to hold fewer than `units` (it is read
   * first, or this engine saw it short), nothing is written. For a counter that is usually empty
   * (credit), this spares a write and an undo per take.
   * @returns 0 when they were taken, else the shortfall (nothing taken)
   */
  async takeIfHeld(units: number): Promise<number> {
    const stored = await this.#journal.get<number>(blockKey(this.#dimension));
    const held = typeof stored?.value === 'number' ? stored.value : 0;
    this.#lastSeen = held;
    if (held < units) return units - held;
    return this.take(units);
  }

  /** Gives `units` back (a cancelled reservation); a store failure is logged. */
  give(units: number): void {
    const giving = this.#journal.addToBlock(this.#dimension, units).then(
      (left) => {
        this.#lastSeen = left;
      },
      (error: unknown) =>
        this.#logger.error(
          {
            event: 'licensegate.drawdown.block_return_failed',
            dimension: this.#dimension,
            units,
            error: (error as Error).message,
          },
          `Could not give ${units} cancelled ${this.#dimension} units back; they stay consumed`,
        ),
    );
    this.#giving.add(giving);
    void giving.finally(() => this.#giving.delete(giving));
  }

  /** Notes the counter's value after a block was credited to it. */
  saw(value: number): void {
    this.#lastSeen = value;
  }

  /** Resolves when every `give` has reached the store. */
  async drain(): Promise<void> {
    await Promise.all([...this.#giving]);
  }
}
