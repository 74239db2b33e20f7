import type { Clock, ClockTimer } from '../clock.js';

/**
 * One timer on the injected clock, re-armed to the next due time: arming it again replaces what
 * was armed, so a component never holds two. The building block of every schedule in the engine
 * — the tier refresh, the license poll and expiry watch, the heartbeat, the store's sweep, the
 * seat queue's poll — and of {@link DeadlineQueue} (many deadlines, one timer).
 */
export class SingleTimer {
  readonly #clock: Clock;
  readonly #onDue: () => void;
  #timer: ClockTimer | undefined;
  #dueAt = Infinity;

  /** @param onDue - called when the timer fires (it is no longer armed then, so it may arm it again) */
  constructor(clock: Clock, onDue: () => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** When the timer fires (clock ms), or Infinity when it is not armed. */
  get dueAt(): number {
    return this.#dueAt;
  }

  /** Whether the timer is armed. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Arms the timer to fire in `delayMs`, replacing what was armed. */
  armIn(delayMs: number): void {
    this.cancel();
    this.#dueAt = this.#clock.now() + delayMs;
    this.#set(delayMs);
  }

  /** Arms the timer to fire at `at` (clock ms; at once when that has passed), replacing what was armed. */
  armAt(at: number): void {
    this.cancel();
    this.#dueAt = at;
    this.#set(Math.max(0, at - this.#clock.now()));
  }

  /** Disarms the timer. */
  cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Infinity;
  }

  #set(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#dueAt = Infinity;
      this.#onDue();
    }, delayMs);
  }
}
