/**
 * A binary min-heap keyed by a number: the one structure behind every expiry the emulator tracks
 * (no timer per item; expired entries are popped when the clock is read).
 */
export class MinHeap<T> {
  readonly #keys: number[] = [];
  readonly #values: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#keys.length;
  }

  /** Adds a value under a key. */
  push(key: number, value: T): void {
    this.#keys.push(key);
    this.#values.push(value);
    this.#up(this.#keys.length - 1);
  }

  /** The smallest key, or `Infinity` when empty. */
  peekKey(): number {
    return this.#keys.length > 0 ? (this.#keys[0] as number) : Infinity;
  }

  /** Removes and returns the value with the smallest key. */
  pop(): T | undefined {
    const last = this.#keys.length - 1;
    if (last < 0) return undefined;
    const top = this.#values[0];
    this.#swap(0, last);
    this.#keys.pop();
    this.#values.pop();
    this.#down(0);
    return top;
  }

  /** Removes everything. */
  clear(): void {
    this.#keys.length = 0;
    this.#values.length = 0;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.#keys[parent] as number) <= (this.#keys[i] as number)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#keys.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && (this.#keys[left] as number) < (this.#keys[smallest] as number)) smallest = left;
      if (right < n && (this.#keys[right] as number) < (this.#keys[smallest] as number)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #swap(a: number, b: number): void {
    const k = this.#keys[a] as number;
    this.#keys[a] = this.#keys[b] as number;
    this.#keys[b] = k;
    const v = this.#values[a] as T;
    this.#values[a] = this.#values[b] as T;
    this.#values[b] = v;
  }
}
