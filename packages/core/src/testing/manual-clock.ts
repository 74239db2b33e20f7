import type { Clock, ClockTimer } from '../clock.js';

/** `ManualClock.advance()` was given a move that is not a finite, non-negative number of ms; time did not move. */
export class ClockAdvanceError extends RangeError {
  /** Stable, documented code. */
  readonly code: 'ERR_LG_CLOCK_ADVANCE';

  constructor(ms: number) {
    super(`advance() takes a non-negative number of ms; got ${ms}. Time did not move.`);
    this.name = new.target.name;
    this.code = 'ERR_LG_CLOCK_ADVANCE';
  }
}

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock for tests: time stands still until `advance()` moves it, and moving it runs the timers
 * that fall due, in order, each at its own instant.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 * const gate = createLicenseGate({ ..., clock });
 * await clock.advance(16 * 60_000); // the 15-minute refresh runs
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<PendingTimer>();

  /** @param startMs - the initial time (default: the real time now) */
  constructor(startMs: number = Date.now()) {
    this.#now = startMs;
  }

  /** @inheritDoc */
  now(): number {
    return this.#now;
  }

  /** @inheritDoc */
  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return timer;
  }

  /** @inheritDoc */
  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer as PendingTimer);
  }

  /** Timers waiting to run. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, running each timer that falls due at its instant. Between timers
   * it lets pending promise callbacks and I/O callbacks run, so work a timer starts can go on.
   * @throws ClockAdvanceError (`ERR_LG_CLOCK_ADVANCE`, a `RangeError`) for a negative or non-finite `ms`
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new ClockAdvanceError(ms);
    const end = this.#now + ms;
    for (;;) {
      const next = this.#next(end);
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#now = end;
  }

  #next(end: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers) {
      if (t.at > end) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
