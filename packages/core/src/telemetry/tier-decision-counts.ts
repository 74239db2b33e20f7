import type { TierDecision } from '../tiers/tier-decision.js';

/**
 * The outcomes a tier decision is counted under, in their slot order: `[outcome, reason]` as the
 * `licensegate.tier.decisions` instrument reports them.
 */
export const TIER_OUTCOMES: readonly (readonly ['allowed' | 'denied', string])[] = [
  ['allowed', 'granted'],
  ['allowed', 'degraded'],
  ['denied', 'tier-required'],
  ['denied', 'no-license'],
  ['denied', 'license-unavailable'],
];

const OUTCOMES = TIER_OUTCOMES.length;

/** The slot of a decision's outcome. Allowed decisions are two shared objects: one property read. */
function outcomeOf(decision: TierDecision): number {
  if (decision.allowed) return decision.degraded ? 1 : 0;
  switch (decision.error.code) {
    case 'ERR_LG_TIER_REQUIRED':
      return 2;
    case 'ERR_LG_NO_LICENSE':
      return 3;
    default:
      return 4;
  }
}

/**
 * Tier decisions counted by the tier asked for and their outcome: one integer increment per
 * check, the only work the metrics add to the tier hot path (whether metrics are on or not: the
 * observable counter reads these counts when a reader collects).
 */
export class TierDecisionCounts {
  readonly #counts: Float64Array;

  /** @param tiers - how many tiers the gate has (ranks 0..tiers-1) */
  constructor(tiers: number) {
    this.#counts = new Float64Array(Math.max(1, tiers) * OUTCOMES);
  }

  /** Counts `decision`, a check of the tier of `rank`, and returns it. */
  count(rank: number, decision: TierDecision): TierDecision {
    const counts = this.#counts;
    const slot = rank * OUTCOMES + outcomeOf(decision);
    counts[slot] = (counts[slot] as number) + 1;
    return decision;
  }

  /** Calls `each` for every (rank, outcome slot) counted at least once. */
  forEach(each: (rank: number, outcome: number, count: number) => void): void {
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i] as number;
      if (count > 0) each(Math.floor(i / OUTCOMES), i % OUTCOMES, count);
    }
  }
}
