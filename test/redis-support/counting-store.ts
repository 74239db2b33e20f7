import type { ListedRecord, PutOptions, Store, StoreContext, StoreRecord } from '@licensegate/core/store';

/**
 * A store that passes every call on and counts the calls in flight, so that a test can wait — for
 * I/O, never for time — until a gate's store work has settled.
 */
export class CountingStore implements Store {
  readonly shared: boolean;
  readonly inner: Store;
  readonly #counter: { inflight: number; calls: number };

  constructor(inner: Store, counter: { inflight: number; calls: number }) {
    this.inner = inner;
    this.shared = inner.shared === true;
    this.#counter = counter;
  }

  init(context: StoreContext): Promise<void> | void {
    return this.inner.init?.(context);
  }

  shutdown(): Promise<void> | void {
    return this.inner.shutdown?.();
  }

  get<T>(namespace: string, key: string): Promise<StoreRecord<T> | undefined> {
    return this.#count(() => this.inner.get<T>(namespace, key));
  }

  put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined> {
    return this.#count(() => this.inner.put(namespace, key, value, options));
  }

  delete(namespace: string, key: string, options?: { ifVersion?: number }): Promise<boolean> {
    return this.#count(() => this.inner.delete(namespace, key, options));
  }

  list<T>(namespace: string): Promise<ListedRecord<T>[]> {
    return this.#count(() => this.inner.list<T>(namespace));
  }

  increment(namespace: string, key: string, by: number, options?: { ttlMs?: number }): Promise<number> {
    return this.#count(() => this.inner.increment(namespace, key, by, options));
  }

  async #count<T>(call: () => Promise<T>): Promise<T> {
    this.#counter.inflight++;
    this.#counter.calls++;
    try {
      return await call();
    } finally {
      this.#counter.inflight--;
    }
  }
}
