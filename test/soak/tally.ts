/**
 * What one phase counted: every answer by status, the wrong grants found as answers came in, the
 * units served per mode, and the seat figures — and, once the gate has stopped, the units License
 * Manager consumed, which give the lost and doubled units.
 */
import { MODES, type Mode, type Tier } from './scenario.js';

/** Why a 2xx answer was a wrong grant (units: with the mode, e.g. `units past the bound (batch)`). */
export type WrongGrantKind =
  | 'tier above the license'
  | 'tier after the grace'
  | 'seat route without a seat'
  | `units past the bound (${Mode})`
  | `units after the grace (${Mode})`;

/** Units of one mode. */
export interface UnitsFigures {
  /** Units of drawdown requests answered 2xx. */
  served: number;
  /** Units License Manager counts as consumed (GetLicenseUsage), after the gate stopped. */
  consumed: number;
  /** Units the engine says it served but License Manager refused (the pool ran out). */
  unbillable: number;
  /**
   * Units checked out and not served, kept for later requests, at stop: `reserve`, its block;
   * `sync` and `batch` (above `batchUnits`), the credit of requests checked out ahead that were then
   * refused or cancelled (as far as such requests explain it).
   */
  leftover: number;
  /** Units served past the mode's bound (pool plus what the mode may overrun). */
  pastBound: number;
  /** Units of requests that got no answer (the client gave up; a reservation may have been cancelled). */
  unanswered: number;
  /**
   * Units of requests answered 5xx or not at all: their units may have been checked out ahead and
   * then kept as credit (a checkout whose answer was lost, a cancelled reservation).
   */
  unsettled: number;
}

/** The five figures that must each be 0. */
export interface Figures {
  /** Requests answered 2xx that the license and the documented failure policy did not allow. */
  wrongGrants: number;
  /** Seats still checked out in License Manager after every session logged out and the gate stopped. */
  leakedSeats: number;
  /** The most seats checked out at one moment beyond the sessions that hold one or may hold one. */
  excessSeats: number;
  /** Units answered 2xx and never consumed (beyond what the README allows to be unbillable). */
  lostUnits: number;
  /** Units consumed beyond what was answered 2xx (beyond the unspent block reserve mode may leave). */
  doubledUnits: number;
}

/** The names of the five figures, in print order. */
export const FIGURE_NAMES: readonly (keyof Figures)[] = [
  'wrongGrants',
  'leakedSeats',
  'excessSeats',
  'lostUnits',
  'doubledUnits',
];

/** One phase's counts. */
export class Tally {
  /** Answers by HTTP status; `0` is a request that got no answer (connection error, timeout). */
  readonly statuses = new Map<number, number>();
  /** Wrong grants by cause. */
  readonly wrong = new Map<WrongGrantKind, number>();
  /** Units per mode. */
  readonly units: Record<Mode, UnitsFigures> = Object.fromEntries(
    MODES.map((m) => [
      m,
      { served: 0, consumed: 0, unbillable: 0, leftover: 0, pastBound: 0, unanswered: 0, unsettled: 0 },
    ]),
  ) as unknown as Record<Mode, UnitsFigures>;
  /** Tier routes answered 2xx, per tier (shows the tier checks were exercised both ways). */
  readonly tierServed: Record<Tier, number> = { Basic: 0, Intermediate: 0, Premium: 0 };
  /** Drawdown requests answered 402 (the pool is used up), per mode. */
  readonly refusals: Record<Mode, number> = { sync: 0, batch: 0, reserve: 0 };
  /** Seats: taken and returned (gate events), lost, and the seat figures. */
  readonly seats = {
    acquired: 0,
    released: 0,
    lost: 0,
    denied: 0,
    peakExcess: 0,
    /** Where and how the most unaccounted seats were seen. */
    peakSeen: '',
    leakedAtEnd: 0,
  };
  /** License Manager calls the emulator answered, and how many of them failed. */
  lmCalls = { calls: 0, errors: 0 };
  /** Real time the phase took, in ms. */
  elapsedMs = 0;
  /** Virtual time the phase covered, in ms. */
  virtualMs = 0;
  /** Kinds of drawdown journal records left after the stop (reports never acknowledged). */
  journalLeft: string[] = [];
  /** Why the phase could not finish, if it could not (counts as a failure). */
  error: string | undefined;

  /** Counts an answer. */
  answered(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  /** Counts a wrong grant. */
  wrongGrant(kind: WrongGrantKind): void {
    this.wrong.set(kind, (this.wrong.get(kind) ?? 0) + 1);
  }

  /** Requests answered (and unanswered). */
  get requests(): number {
    let n = 0;
    for (const count of this.statuses.values()) n += count;
    return n;
  }

  /** The five figures. */
  figures(): Figures {
    let wrongGrants = 0;
    for (const count of this.wrong.values()) wrongGrants += count;
    let lostUnits = 0;
    let doubledUnits = 0;
    for (const mode of MODES) {
      lostUnits += this.lost(mode);
      doubledUnits += this.doubled(mode);
    }
    return {
      wrongGrants,
      leakedSeats: this.seats.leakedAtEnd,
      excessSeats: this.seats.peakExcess,
      lostUnits,
      doubledUnits,
    };
  }

  /**
   * Units of `mode` served and never consumed. Unbillable units (served, then refused when the pool
   * ran out) are accepted where the README says they occur — `sync` and `batch`, when the pool runs
   * out — and never for `reserve`, which checks units out before serving them.
   */
  lost(mode: Mode, poolRanOut = this.poolRanOut): number {
    const u = this.units[mode];
    const excused = mode !== 'reserve' && poolRanOut ? u.unbillable : 0;
    return Math.max(0, u.served - u.consumed - excused);
  }

  /** Units of `mode` consumed and never served, less what is kept for later requests (block, credit). */
  doubled(mode: Mode): number {
    const u = this.units[mode];
    return Math.max(0, u.consumed - u.served - u.leftover);
  }

  /** Whether the phase drove a pool to run out (set when the phase ends). */
  poolRanOut = false;
}
