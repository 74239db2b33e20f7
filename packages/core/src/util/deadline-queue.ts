import type { Clock } from '../clock.js';
import { SingleTimer } from './single-timer.js';

/**
 * Many deadlines, one timer: a binary heap of (time, key) and a {@link SingleTimer} armed for the
 * earliest. Rescheduling a key pushes a new entry and leaves the old one to be skipped when it
 * surfaces, so every operation is O(log n), and 100,000 keys cost 100,000 small heap entries.
 */
export class DeadlineQueue<K> {
  readonly #clock: Clock;
  readonly #onDue: (key: K) => void;
  readonly #times: number[] = [];
  readonly #keys: K[] = [];
  readonly #current = new Map<K, number>();
  readonly #timer: SingleTimer;

  /** @param onDue - called once per key whose deadline has come (the key is no longer scheduled) */
  constructor(clock: Clock, onDue: (key: K) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
    this.#timer = new SingleTimer(clock, () => this.runDue());
  }

  /** Number of keys scheduled. */
  get size(): number {
    return this.#current.size;
  }

  /** When a key is due, if scheduled. */
  dueAt(key: K): number | undefined {
    return this.#current.get(key);
  }

  /** The keys scheduled. */
  keys(): IterableIterator<K> {
    return this.#current.keys();
  }

  /** Schedules (or reschedules) a key. */
  schedule(key: K, at: number): void {
    this.#current.set(key, at);
    this.#push(at, key);
    if (at < this.#timer.dueAt) this.#arm();
  }

  /** Unschedules a key. */
  cancel(key: K): void {
    this.#current.delete(key);
  }

  /** Unschedules everything and stops the timer. */
  clear(): void {
    this.#current.clear();
    this.#times.length = 0;
    this.#keys.length = 0;
    this.#timer.cancel();
  }

  /** Runs every key that is due now. */
  runDue(): void {
    const now = this.#clock.now();
    while (this.#times.length > 0 && (this.#times[0] as number) <= now) {
      const at = this.#times[0] as number;
      const key = this.#pop();
      if (this.#current.get(key) !== at) continue; // stale entry: rescheduled or cancelled
      this.#current.delete(key);
      this.#onDue(key);
    }
    this.#arm();
  }

  #arm(): void {
    // Skip stale entries at the top so the timer is armed for a live deadline.
    while (this.#times.length > 0 && this.#current.get(this.#keys[0] as K) !== this.#times[0]) this.#pop();
    const next = this.#times.length > 0 ? (this.#times[0] as number) : Infinity;
    if (next === this.#timer.dueAt) return;
    if (next === Infinity) this.#timer.cancel();
    else this.#timer.armAt(next);
  }

  #push(at: number, key: K): void {
    const times = this.#times;
    const keys = this.#keys;
    let i = times.length;
    times.push(at);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= at) break;
      times[i] = times[parent] as number;
      keys[i] = keys[parent] as K;
      i = parent;
    }
    times[i] = at;
    keys[i] = key;
  }

  #pop(): K {
    const times = this.#times;
    const keys = this.#keys;
    const top = keys[0] as K;
    const lastTime = times.pop() as number;
    const lastKey = keys.pop() as K;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && (times[right] as number) < (times[left] as number) ? right : left;
        if ((times[child] as number) >= lastTime) break;
        times[i] = times[child] as number;
        keys[i] = keys[child] as K;
        i = child;
      }
      times[i] = lastTime;
      keys[i] = lastKey;
    }
    return top;
  }
}
