/** What a gate does while License Manager (or the store) cannot be reached: the `onUnavailable` option. */
export type UnavailablePolicy = 'grace' | 'deny' | 'allow';

/**
 * The one reading of the `onUnavailable` policy: whether what was known before an outage may be
 * served now, and until when. Each model asks it with the moment its outage is measured from:
 *
 * - **Tiers** measure from the **last good answer** (`TierAnswer.checkedAt`), not from the first
 *   failure. What is served is that answer, and the risk is its age: the license may have been
 *   cancelled since it was learnt. A refresh that hangs (no failure seen yet) is bounded the same
 *   way ({@link answerServableUntil}), and the refresh runs often enough to answer within the grace
 *   ({@link refreshIntervalMs}).
 * - **Seats**, while the store cannot be read, measure from the **first failed read** of this
 *   outage. What is served is a seat this engine has seen, whose lease License Manager keeps and
 *   the keep-alive extends whatever the store does; the question is how long the record may be
 *   unreadable.
 * - **Drawdown** measures from the **first failed report or journal write** still failing in the
 *   dimension (its oldest failing record). Units are served beyond the bound while they cannot be
 *   reported; the grace bounds how long reports may lag behind.
 *
 * `allow` serves whatever the moment (and, for tiers, even before any answer was learnt); `deny`
 * serves nothing; `grace` serves for `graceMs` after the moment. A definitive answer (no license,
 * expired) is never overridden: that is for each model to check before asking.
 */
export class OnUnavailable {
  /** The policy. */
  readonly policy: UnavailablePolicy;
  /** How long `grace` serves, from the moment the model measures from. */
  readonly graceMs: number;

  constructor(policy: UnavailablePolicy, graceMs: number) {
    this.policy = policy;
    this.graceMs = graceMs;
  }

  /**
   * Until when (clock ms, exclusive) what was known may be served during an outage measured from
   * `since`: Infinity under `allow`, `since + graceMs` under `grace`, -Infinity under `deny`. With
   * `since` undefined (nothing was ever known, e.g. no tier answer yet), only `allow` serves.
   */
  servableUntil(since: number | undefined): number {
    if (this.policy === 'allow') return Infinity;
    if (this.policy === 'grace' && since !== undefined) return since + this.graceMs;
    return -Infinity;
  }

  /** Whether what was known may be served at `now` during an outage measured from `since` (see {@link servableUntil}). */
  serves(since: number | undefined, now: number): boolean {
    if (this.policy === 'allow') return true;
    return this.policy === 'grace' && since !== undefined && now - since < this.graceMs;
  }

  /**
   * When the grace of an outage measured from `since` ends, under `grace`; `undefined` under the
   * other policies (for the `degraded` event and `status()`).
   */
  graceEndsAt(since: number): number | undefined {
    return this.policy === 'grace' ? since + this.graceMs : undefined;
  }

  /**
   * Until when a tier answer learnt at `checkedAt` is served with no failure seen: under `grace`,
   * `checkedAt + graceMs` — whatever a refresh is doing meanwhile, a hung call included; Infinity
   * under the other policies (a refresh that has not failed is no outage to them).
   */
  answerServableUntil(checkedAt: number): number {
    return this.policy === 'grace' ? checkedAt + this.graceMs : Infinity;
  }

  /**
   * The tier refresh interval under this policy: under `grace`, at most half the grace, so that a
   * refresh always has time to answer within it; `configured` otherwise.
   */
  refreshIntervalMs(configured: number): number {
    return this.policy === 'grace' ? Math.min(configured, this.graceMs / 2) : configured;
  }
}
