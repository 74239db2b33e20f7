/**
 * The ground truth of one phase: what the license granted at every moment (as the soak seeded and
 * changed it in the emulator) and when License Manager was down — and, from it, what the documented
 * failure policy allows a request to be served. Times are the gate's clock (the soak moves it).
 */
import { GATE, rankOf, type Grant, type Mode, type Tier } from './scenario.js';

/** A grant in force from `at` on. */
interface Granted {
  readonly at: number;
  readonly grant: Grant;
}

/**
 * How stale a tier answer may be and still be served: a healthy gate refreshes every
 * `refreshIntervalMs`; while refreshes fail, `grace` serves an answer up to `graceMs` after it
 * was learnt. A minute more for the refresh in flight.
 */
const TIER_STALENESS_MS = Math.max(GATE.refreshIntervalMs, GATE.graceMs) + 60_000;

/** The license over time, and the outages. */
export class Truth {
  readonly #grants: Granted[] = [];
  /** A full outage (every License Manager call fails) in force since this time, if any. */
  #outageSince: number | undefined;
  /** Units served (2xx) per mode since the outage began, and when the first was. */
  #outageServed = Truth.#noneServed();
  /** Whether the phase drove a pool to run out (unbillable units may then occur). */
  #poolRanOut = false;

  /** @param grant - what the license grants when the phase starts, at `at` */
  constructor(at: number, grant: Grant) {
    this.#grants.push({ at, grant });
  }

  /** What the license grants now (the latest change). */
  get current(): Grant {
    return (this.#grants[this.#grants.length - 1] as Granted).grant;
  }

  /** The license changed at `at` (a new version in the emulator). */
  changed(at: number, grant: Grant): void {
    this.#grants.push({ at, grant });
  }

  /** Every call to License Manager fails from `at` on. */
  outageBegan(at: number): void {
    this.#outageSince = at;
  }

  /** The outage is over (the fault is cleared). */
  outageEnded(): void {
    this.#outageSince = undefined;
    this.#outageServed = Truth.#noneServed();
  }

  static #noneServed(): Record<Mode, { first: number | undefined; units: number }> {
    return {
      sync: { first: undefined, units: 0 },
      batch: { first: undefined, units: 0 },
      reserve: { first: undefined, units: 0 },
    };
  }

  /** Whether a full outage is in force. */
  get inOutage(): boolean {
    return this.#outageSince !== undefined;
  }

  /** The phase drove a pool to run out. */
  poolRanOut(): void {
    this.#poolRanOut = true;
  }

  /** Whether the phase drove a pool to run out. */
  get ranOut(): boolean {
    return this.#poolRanOut;
  }

  /**
   * Whether a tier route of `tier` may answer 2xx at `at`: the license granted `tier` or higher at
   * some moment an answer served at `at` may stem from, and — during a full outage — the grace has
   * not ended (the last good answer was learnt before the outage began).
   */
  tierAllowed(tier: Tier, at: number): boolean {
    if (this.#outageSince !== undefined && at > this.#outageSince + GATE.graceMs) return false;
    const rank = rankOf(tier);
    const from = at - TIER_STALENESS_MS;
    for (let i = this.#grants.length - 1; i >= 0; i--) {
      const { at: since, grant } = this.#grants[i] as Granted;
      if (rankOf(grant.tier) >= rank) return true;
      if (since <= from) break; // in force over the whole window's start
    }
    return false;
  }

  /**
   * Judges `units` of `mode` served (2xx) at `at`, during a full outage, against the documented
   * policy: `grace` lets debits go on for `graceMs` after the mode's reports began to fail. A
   * `sync` debit fails its report at once, so the first one served in the outage starts its grace
   * at the latest; `batch` reports at `batchUnits` pending or every `batchIntervalMs`, and serves
   * within its bound (`batchUnits` unreported) whatever License Manager does — so a batch debit
   * after the grace is wrong only once more than `batchUnits` were served since the outage began.
   * `reserve` spends blocks checked out before: it may go on.
   * @returns whether serving them was allowed
   */
  unitsServedInOutage(mode: Mode, at: number, units: number): boolean {
    if (this.#outageSince === undefined || mode === 'reserve') return true;
    const served = this.#outageServed[mode];
    served.first ??= at;
    served.units += units;
    if (mode === 'sync') return at <= served.first + GATE.graceMs;
    return at <= served.first + GATE.graceMs + GATE.batchIntervalMs || served.units <= GATE.batchUnits;
  }

  /**
   * The most units of `mode` that may have been served by now: the pool, plus — in batch mode —
   * `batchUnits` for each pool the license has had (each can be overrun once by one engine).
   */
  unitsBound(mode: Mode): number {
    const pool = this.current.pool[mode];
    if (mode !== 'batch') return pool;
    const pools = new Set(this.#grants.map((g) => g.grant.pool.batch)).size;
    return pool + GATE.batchUnits * pools;
  }
}
