/** A timer handle from a {@link Clock}; opaque to callers. */
export type ClockTimer = { readonly __clockTimer: unique symbol } | object;

/**
 * Where the engine reads time and schedules its few timers (refresh, keep-alive, sweeps). Inject
 * your own to test 15-minute refreshes and 60-minute leases in milliseconds; see `ManualClock` in
 * `@licensegate/core/testing`.
 */
export interface Clock {
  /** Now, in epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `delayMs`. Timers must not keep the process alive. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  /** Cancels a timer (a no-op for one that already ran). */
  clearTimeout(timer: ClockTimer): void;
}

/** The real clock: `Date.now()` and unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    timer.unref();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
