import { randomUUID } from 'node:crypto';
import type { EntitlementData } from '../protocol/shapes.js';
import { MinHeap } from '../util/min-heap.js';

/** How a consumption holds its units. */
export type ConsumptionKind = 'PROVISIONAL' | 'PERPETUAL' | 'BORROW';

/** One checkout: what it took and until when. */
export interface Consumption {
  readonly token: string;
  readonly licenseArn: string;
  readonly kind: ConsumptionKind;
  /** The entitlements the checkout answered with. */
  readonly allowed: readonly EntitlementData[];
  /** Counted units taken, by entitlement name. */
  readonly counted: ReadonlyMap<string, number>;
  readonly issuedAt: number;
  /** When a PROVISIONAL or BORROW checkout returns its units by itself (virtual clock). */
  expiresAt: number;
  readonly nodeId: string | undefined;
  readonly allowEarlyCheckIn: boolean;
}

/** Units of one entitlement in use. */
export interface EntitlementUsage {
  /** Units held by live PROVISIONAL and BORROW checkouts. */
  held: number;
  /** Units consumed for good by PERPETUAL checkouts. */
  consumed: number;
}

/**
 * Told of every change of an entitlement's usage, with the virtual instant it happened at (a
 * checkout's issue time, a check-in's call time, an expiry's own expiry time).
 */
export type UsageObserver = (licenseArn: string, name: string, usage: Readonly<EntitlementUsage>, at: number) => void;

/**
 * Every consumption and the usage it adds up to. Usage is kept as running totals per license
 * entitlement, and TTL expiry is a heap popped when the clock is read, so a checkout costs
 * O(log n) however many consumptions are live.
 */
export class ConsumptionLedger {
  readonly #byToken = new Map<string, Consumption>();
  readonly #usage = new Map<string, Map<string, EntitlementUsage>>();
  readonly #expiry = new MinHeap<string>();
  readonly #observer: UsageObserver | undefined;

  /** @param observer - told of each usage change (the console's history); none by default */
  constructor(observer?: UsageObserver) {
    this.#observer = observer;
  }

  /** A new consumption token: 32 lower-case hex characters, as AWS's examples show. */
  static newToken(): string {
    // randomUUID draws from a cached entropy pool: far cheaper per call than randomBytes(16).
    return randomUUID().replaceAll('-', '');
  }

  /** Returns the units of every checkout whose TTL has run out by `now`. */
  expire(now: number): void {
    while (this.#expiry.peekKey() <= now) {
      const token = this.#expiry.pop() as string;
      const consumption = this.#byToken.get(token);
      // A stale heap entry: checked in since, or extended (its newer entry is further down).
      if (consumption === undefined || consumption.kind === 'PERPETUAL' || consumption.expiresAt > now) continue;
      this.#release(consumption, consumption.expiresAt);
    }
  }

  /** Usage of one entitlement of a license. */
  usageOf(licenseArn: string, name: string): EntitlementUsage {
    return this.#usage.get(licenseArn)?.get(name) ?? { held: 0, consumed: 0 };
  }

  /** Records a checkout. */
  add(consumption: Consumption): void {
    this.#byToken.set(consumption.token, consumption);
    let perLicense = this.#usage.get(consumption.licenseArn);
    if (perLicense === undefined) this.#usage.set(consumption.licenseArn, (perLicense = new Map()));
    for (const [name, units] of consumption.counted) {
      let usage = perLicense.get(name);
      if (usage === undefined) perLicense.set(name, (usage = { held: 0, consumed: 0 }));
      if (consumption.kind === 'PERPETUAL') usage.consumed += units;
      else usage.held += units;
      this.#observer?.(consumption.licenseArn, name, usage, consumption.issuedAt);
    }
    if (consumption.kind !== 'PERPETUAL') this.#expiry.push(consumption.expiresAt, consumption.token);
  }

  /** A live consumption (PERPETUAL ones stay known for good). */
  get(token: string): Consumption | undefined {
    return this.#byToken.get(token);
  }

  /** Returns a PROVISIONAL or BORROW checkout's units now (`now`: the virtual clock). */
  checkIn(consumption: Consumption, now: number): void {
    this.#release(consumption, now);
  }

  /** Pushes a live checkout's expiry out. */
  extend(consumption: Consumption, expiresAt: number): void {
    consumption.expiresAt = expiresAt;
    this.#expiry.push(expiresAt, consumption.token);
  }

  /** Number of live PROVISIONAL and BORROW checkouts on a license. */
  liveCheckouts(licenseArn: string): number {
    let n = 0;
    for (const c of this.#byToken.values()) if (c.licenseArn === licenseArn && c.kind !== 'PERPETUAL') n++;
    return n;
  }

  /** Every consumption, for the state dump. */
  all(): IterableIterator<Consumption> {
    return this.#byToken.values();
  }

  #release(consumption: Consumption, at: number): void {
    this.#byToken.delete(consumption.token);
    const perLicense = this.#usage.get(consumption.licenseArn);
    for (const [name, units] of consumption.counted) {
      const usage = perLicense?.get(name);
      if (usage === undefined) continue;
      usage.held -= units;
      this.#observer?.(consumption.licenseArn, name, usage, at);
    }
  }
}
