/** One change of an entitlement's usage: at virtual instant `t`, `held` and `consumed` units. */
export interface UsagePoint {
  /** Virtual clock, epoch ms. */
  readonly t: number;
  /** Units held by live PROVISIONAL and BORROW checkouts (seats). */
  readonly held: number;
  /** Units consumed for good by PERPETUAL checkouts. */
  readonly consumed: number;
}

/** Points kept per entitlement: the oldest are dropped past this. */
export const HISTORY_POINTS = 2000;
/** Entitlements followed at once: the series followed longest is dropped past this. */
export const HISTORY_SERIES = 500;

/**
 * Usage of each counted entitlement over virtual time, for the console's charts. It records a point
 * at each change (not at each tick), so a quiet emulator costs nothing, and its memory is bounded:
 * 2,000 points per entitlement (`HISTORY_POINTS`), 500 entitlements (`HISTORY_SERIES`).
 */
export class UsageHistory {
  readonly #series = new Map<string, UsagePoint[]>();

  /** Records usage after a change at virtual instant `at`. */
  record(licenseArn: string, name: string, usage: Pick<UsagePoint, 'held' | 'consumed'>, at: number): void {
    const key = `${licenseArn}\n${name}`;
    let points = this.#series.get(key);
    if (points === undefined) {
      if (this.#series.size >= HISTORY_SERIES) this.#series.delete(this.#series.keys().next().value as string);
      this.#series.set(key, (points = []));
    }
    // The clock was set back: what was recorded "later" did not happen on this timeline.
    while (points.length > 0 && (points[points.length - 1] as UsagePoint).t > at) points.pop();
    const point = { t: at, held: usage.held, consumed: usage.consumed };
    if (points.length > 0 && (points[points.length - 1] as UsagePoint).t === at) points[points.length - 1] = point;
    else points.push(point);
    // Trimmed in batches, so that a full series costs O(1) per point on average.
    if (points.length > HISTORY_POINTS + HISTORY_POINTS / 4) points.splice(0, points.length - HISTORY_POINTS);
  }

  /**
   * The points of one entitlement from `since` on (virtual epoch ms), with the last point before
   * `since` first so that a chart starts at the level usage had then.
   */
  pointsOf(licenseArn: string, name: string, since = -Infinity): UsagePoint[] {
    const points = this.#series.get(`${licenseArn}\n${name}`) ?? [];
    let first = points.length;
    while (first > 0 && (points[first - 1] as UsagePoint).t >= since) first--;
    return points.slice(Math.max(0, first - 1));
  }

  /** Forgets everything (at reset). */
  clear(): void {
    this.#series.clear();
  }
}
