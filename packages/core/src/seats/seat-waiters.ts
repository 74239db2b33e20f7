import type { Clock, ClockTimer } from '../clock.js';
import { SingleTimer } from '../util/single-timer.js';

interface Waiter {
  readonly wake: () => void;
  timer?: ClockTimer;
}

/**
 * The bounded queue of acquisitions waiting for a seat (the RLM-style queue). Waiters are woken in
 * arrival order: one when a seat is released here, and one every `pollMs` to try again (a seat
 * may have come free on another instance, or by expiry).
 */
export class SeatWaiters {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #pollMs: number;
  readonly #queue: Waiter[] = [];
  /** Wakes the first waiter every `pollMs` while the queue is not empty. */
  readonly #poll: SingleTimer;

  constructor(clock: Clock, maxWaiters: number, pollMs: number) {
    this.#clock = clock;
    this.#max = maxWaiters;
    this.#pollMs = pollMs;
    this.#poll = new SingleTimer(clock, () => {
      this.wakeOne();
      if (this.#queue.length > 0) this.#armPoll();
    });
  }

  /** Waiters in the queue. */
  get size(): number {
    return this.#queue.length;
  }

  /**
   * Waits until woken, until `deadline` (clock ms), or until `signal` aborts (the client left).
   * @returns `true` when woken, `false` at the deadline, on abort, or when the queue is full
   */
  wait(deadline: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#queue.length >= this.#max || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        wake: () => {
          if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
          resolve(true);
        },
      };
      waiter.timer = this.#clock.setTimeout(
        () => {
          this.#remove(waiter);
          resolve(false);
        },
        Math.max(0, deadline - this.#clock.now()),
      );
      this.#queue.push(waiter);
      this.#armPoll();
      signal?.addEventListener(
        'abort',
        () => {
          if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
          this.#remove(waiter);
          resolve(false);
        },
        { once: true },
      );
    });
  }

  /** Wakes the first waiter: a seat may be free. */
  wakeOne(): void {
    const waiter = this.#queue.shift();
    waiter?.wake();
    if (this.#queue.length === 0) this.#disarmPoll();
  }

  /** Wakes everyone (at stop: their retry fails with the pool stopped). */
  wakeAll(): void {
    while (this.#queue.length > 0) this.wakeOne();
  }

  #remove(waiter: Waiter): void {
    const i = this.#queue.indexOf(waiter);
    if (i >= 0) this.#queue.splice(i, 1);
    if (this.#queue.length === 0) this.#disarmPoll();
  }

  #armPoll(): void {
    if (!this.#poll.armed) this.#poll.armIn(this.#pollMs);
  }

  #disarmPoll(): void {
    this.#poll.cancel();
  }
}
