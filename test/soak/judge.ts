/**
 * Judges every answer as it comes in, against the ground truth: counts its status, finds wrong
 * grants (a tier route above the license or after the grace, a seat route for a session without a
 * seat, units past the mode's bound or after the grace), adds up the units served, and follows the
 * seats — comparing, at each answer, what License Manager holds with the sessions that may hold one.
 */
import type { Answer } from './http-client.js';
import type { Mode, Tier } from './scenario.js';
import type { Tally } from './tally.js';
import type { Truth } from './truth.js';
import type { SoakWorld } from './world.js';

/** One request a user makes. */
export type Call =
  | { readonly kind: 'tier'; readonly tier: Tier }
  | { readonly kind: 'seat' }
  | { readonly kind: 'units'; readonly mode: Mode; readonly units: number }
  | { readonly kind: 'login'; readonly user: string }
  | { readonly kind: 'logout' };

/** What the judge knows of a session (one virtual user's). */
export interface SessionState {
  /** A login answered 2xx and no logout answered 2xx since: the session holds a seat. */
  holding: boolean;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** The judge of one phase. */
export class Judge {
  readonly #world: SoakWorld;
  readonly #truth: Truth;
  readonly #tally: Tally;
  #holding = 0;
  #loginsInFlight = 0;
  #uncertain = 0;
  readonly #startedAt: number;

  constructor(world: SoakWorld, truth: Truth, tally: Tally) {
    this.#world = world;
    this.#truth = truth;
    this.#tally = tally;
    this.#startedAt = world.clock.now();
  }

  /** A new session to follow. */
  session(): SessionState {
    return { holding: false };
  }

  /** A request is about to be sent (before any of its effects can happen). */
  sending(call: Call): void {
    if (call.kind === 'login') this.#loginsInFlight++;
  }

  /** Judges an answer to `call`, sent by `session` at gate time `at` (the clocks stand still during traffic). */
  answered(session: SessionState, call: Call, answer: Answer, at: number): void {
    const { status } = answer;
    this.#tally.answered(status);
    const ok = is2xx(status);
    const unknown = status === 0 || status >= 500;
    switch (call.kind) {
      case 'tier':
        if (ok) this.#tally.tierServed[call.tier]++;
        if (ok && !this.#truth.tierAllowed(call.tier, at)) {
          this.#tally.wrongGrant(this.#truth.inOutage ? 'tier after the grace' : 'tier above the license');
        }
        break;
      case 'seat':
        if (ok && !session.holding) this.#tally.wrongGrant('seat route without a seat');
        if (unknown) this.#uncertain++;
        break;
      case 'units': {
        const u = this.#tally.units[call.mode];
        if (status === 402) this.#tally.refusals[call.mode]++;
        if (status === 0) u.unanswered += call.units;
        if (unknown) u.unsettled += call.units;
        if (!ok) break;
        u.served += call.units;
        const bound = this.#truth.unitsBound(call.mode);
        if (u.served > bound) {
          this.#tally.wrongGrant(`units past the bound (${call.mode})`);
          u.pastBound = u.served - bound;
        }
        if (!this.#truth.unitsServedInOutage(call.mode, at, call.units))
          this.#tally.wrongGrant(`units after the grace (${call.mode})`);
        break;
      }
      case 'login':
        this.#loginsInFlight--;
        if (ok && !session.holding) {
          session.holding = true;
          this.#holding++;
        }
        if (unknown) this.#uncertain++;
        break;
      case 'logout':
        if (ok && session.holding) {
          session.holding = false;
          this.#holding--;
        }
        if (unknown || this.#world.faulty) this.#uncertain++;
        break;
    }
    this.sample();
  }

  /**
   * Compares the seats License Manager holds now with the most the sessions may hold: one per
   * session holding a seat, per login in flight, and per seat call whose outcome is uncertain
   * since the last quiet point — a login or seat route answered 5xx or not at all (the checkout may
   * have happened), a logout while faults were injected (its check-in may have failed, to be
   * retried). The excess is a seat no session accounts for.
   */
  sample(where: 'traffic' | 'quiet point' = 'traffic'): number {
    const live = this.#world.liveSeats();
    const excess = live - (this.#holding + this.#loginsInFlight + this.#uncertain);
    if (excess > this.#tally.seats.peakExcess) {
      this.#tally.seats.peakExcess = excess;
      this.#tally.seats.peakSeen =
        `${where} at minute ${Math.round((this.#world.clock.now() - this.#startedAt) / 60_000)}: ` +
        `${live} held by License Manager, ${this.#holding} sessions holding, ` +
        `${this.#loginsInFlight} logins in flight, ${this.#uncertain} uncertain`;
    }
    return excess;
  }

  /**
   * A quiet point (no request in flight, no fault, the engine's retries given time): uncertain seat
   * calls must have been resolved by now, so License Manager may hold one seat per session holding
   * one, and no more.
   */
  quiet(): number {
    this.#uncertain = 0;
    return this.sample('quiet point');
  }
}
