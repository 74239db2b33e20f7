/**
 * One epoch of a batch dimension: the units this engine debited into ONE pending counter, and the
 * increments of it still in flight. Sealing moves debits to the next epoch first, then waits for
 * {@link Epoch.drained} before reading the counter, so no increment lands after the read.
 */
export class Epoch {
  /** The epoch's number (one sequence per engine and dimension). */
  readonly number: number;
  /** The pending counter's key. */
  readonly key: string;
  /** Units debited into it (accepted locally; an increment that failed is taken back, unless kept below). */
  units = 0;
  /**
   * Part of `units` not in the counter yet: accepted while the store was unreachable, or debited
   * with a store of this process alone (written when the epoch is sealed). Sealing adds them to
   * the counter before it reads it.
   */
  unjournaled = 0;
  #inflight = 0;
  #waiters: (() => void)[] = [];

  constructor(number: number, key: string) {
    this.number = number;
    this.key = key;
  }

  /** Whether nothing was debited into it and nothing is in flight. */
  get empty(): boolean {
    return this.units === 0 && this.#inflight === 0;
  }

  /** An increment of the counter started. */
  begin(): void {
    this.#inflight += 1;
  }

  /** An increment of the counter settled (whatever its outcome). */
  end(): void {
    this.#inflight -= 1;
    if (this.#inflight > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when no increment is in flight. */
  drained(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
