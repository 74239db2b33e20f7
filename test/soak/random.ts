/**
 * A small seeded generator, so that a soak run can be replayed: the same seed gives every virtual
 * user the same choices (routes, units, pauses) and the emulator the same fault draws. The
 * interleaving of concurrent requests is not replayed — it is the point of the soak.
 */
export class Random {
  #state: number;

  /** @param seed - any 32-bit integer */
  constructor(seed: number) {
    this.#state = seed | 0;
  }

  /** A number in [0, 1). */
  next(): number {
    // A Weyl sequence finished with a 32-bit avalanche (the finaliser of MurmurHash3).
    this.#state = (this.#state + 0x9e3779b9) | 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4_294_967_296;
  }

  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A new generator whose sequence depends on this seed and `label` only (not on draws made so far). */
  static derive(seed: number, label: string): Random {
    let h = seed | 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Random(h ^ (h >>> 15));
  }
}
