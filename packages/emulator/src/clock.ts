import { EmulatorError } from './emulator-error.js';

/** The first instant the virtual clock can show: 0000-01-01T00:00:00.000Z. */
export const EARLIEST_CLOCK_MS = -62_167_219_200_000;
/**
 * The last instant the virtual clock can be set or advanced to: 9999-01-01T00:00:00.000Z. ISO 8601
 * and License Manager's checkout times write four-digit years; stopping a year short of their end
 * leaves the clock, which keeps running, a year before any time it shows stops being formattable.
 */
export const LATEST_CLOCK_MS = 253_370_764_800_000;

/** The largest wall-clock skew a test may set: 30 days. */
const MAX_SKEW_MS = 30 * 86_400_000;

function badClock(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_CLOCK', message);
}

function checkInRange(epochMs: number): void {
  if (!(epochMs >= EARLIEST_CLOCK_MS && epochMs <= LATEST_CLOCK_MS)) {
    throw badClock(
      `The clock cannot move to ${String(epochMs)} ms: it shows instants from 0000-01-01T00:00:00.000Z to ` +
        '9999-01-01T00:00:00.000Z only (four-digit years, as ISO 8601 and License Manager write times).',
    );
  }
}

/**
 * The emulator's virtual clock: what license validity, consumption TTLs and idempotency windows
 * are measured against. It runs with real time and can be moved forward (or set) by tests, so a
 * 60-minute TTL or a contract end is reached in milliseconds. The HTTP `Date` header carries the
 * emulator's wall clock, which is real time unless a test skews it ({@link VirtualClock.skew}): the
 * AWS SDK corrects its signing clock from it (ARCHITECTURE.md F-3).
 */
export class VirtualClock {
  #offsetMs = 0;
  #skewMs = 0;
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
   * @param ms - a finite, non-negative number of milliseconds
   * @returns the new virtual now
   * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for a negative or non-finite move, or one past
   *   9999-01-01T00:00:00.000Z; the clock is unchanged then
   */
  advance(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw badClock(`clock.advance() takes a finite number of ms, 0 or more; got ${String(ms)}.`);
    }
    checkInRange(this.now() + ms);
    this.#offsetMs += ms;
    return this.now();
  }

  /**
   * Sets the virtual clock to an instant; time keeps running from there.
   * @param epochMs - epoch milliseconds from 0000-01-01T00:00:00.000Z to 9999-01-01T00:00:00.000Z
   * @returns the new virtual now
   * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for anything else; the clock is unchanged then
   */
  set(epochMs: number): number {
    if (typeof epochMs !== 'number' || !Number.isFinite(epochMs)) {
      throw badClock(`clock.set() takes epoch milliseconds, a finite number; got ${String(epochMs)}.`);
    }
    checkInRange(epochMs);
    this.#offsetMs = epochMs - this.#realNow();
    return this.now();
  }

  /**
   * The emulator's wall clock, in epoch milliseconds: real time plus the skew. The HTTP `Date`
   * header and the SigV4 time check (15 minutes either way) read it; the virtual clock does not.
   */
  wallNow(): number {
    return this.#realNow() + this.#skewMs;
  }

  /** How far the wall clock is off real time (positive: ahead), in milliseconds. */
  get skewMs(): number {
    return this.#skewMs;
  }

  /**
   * Puts the emulator's wall clock `ms` off real time, as a server whose clock differs from the
   * client's: the `Date` header shows it and SigV4 checks request times against it. Replaces any
   * earlier skew; `0` removes it.
   * @param ms - a whole number of milliseconds, at most 30 days either way
   * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for anything else; the skew is unchanged then
   */
  skew(ms: number): void {
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || Math.abs(ms) > MAX_SKEW_MS) {
      throw badClock(`clock.skew() takes a whole number of ms, at most 30 days either way; got ${String(ms)}.`);
    }
    this.#skewMs = ms;
  }

  /** Back to real time: the virtual clock and the wall clock. */
  reset(): void {
    this.#offsetMs = 0;
    this.#skewMs = 0;
  }
}
