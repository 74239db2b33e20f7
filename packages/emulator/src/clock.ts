/**
 * The emulator's virtual clock: what license validity, consumption TTLs and idempotency windows
 * are measured against. It runs with real time and can be moved forward (or set) by tests, so a
 * 60-minute TTL or a contract end is reached in milliseconds. The HTTP `Date` header always carries
 * real time: the AWS SDK corrects its signing clock from it (lm-api-facts §4.5).
 */
export class VirtualClock {
  #offsetMs = 0;
  readonly #realNow: () => number;

  /** @param realNow - the real clock (injectable for the emulator's own tests) */
  constructor(realNow: () => number = Date.now) {
    this.#realNow = realNow;
  }

  /** Virtual now, in epoch milliseconds. */
  now(): number {
    return this.#realNow() + this.#offsetMs;
  }

  /** How far the virtual clock is ahead of real time, in milliseconds. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Moves the virtual clock forward.
   * @param ms - a non-negative number of milliseconds
   */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance() takes a finite, non-negative number of ms; got ${String(ms)}`);
    }
    checkInRange(this.now() + ms);
    this.#offsetMs += ms;
    return this.now();
  }

  /** Sets the virtual clock to an instant (epoch ms); time keeps running from there. */
  set(epochMs: number): number {
    if (!Number.isFinite(epochMs)) throw new RangeError(`set() takes epoch milliseconds; got ${String(epochMs)}`);
    checkInRange(epochMs);
    this.#offsetMs = epochMs - this.#realNow();
    return this.now();
  }

  /** Back to real time. */
  reset(): void {
    this.#offsetMs = 0;
  }
}

/** The last instant a JavaScript Date can hold: 8.64e15 ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

function checkInRange(epochMs: number): void {
  if (!(Math.abs(epochMs) <= MAX_DATE_MS)) {
    throw new RangeError(
      `The clock cannot move to ${String(epochMs)} ms: dates end at 8.64e15 ms either side of 1970.`,
    );
  }
}
