import { QuotaExhaustedError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** Payload of the `quotaExhausted` event. */
export interface QuotaExhaustedEvent {
  readonly dimension: string;
  /** Units served that License Manager refused to count when the pool ran out. */
  readonly unreportedUnits: number;
}

interface DimensionQuota {
  /** The largest checkout that may still be granted: a refused checkout of `n` units sets it to `n - 1`. */
  ceiling: number;
  /** Whether `quotaExhausted` was emitted since the last license change. */
  emitted: boolean;
  /** Units found unbillable by this engine (for stats). */
  unbillable: number;
}

/**
 * What this engine has learnt about each dimension's pool from refused checkouts. Buyers cannot ask
 * License Manager how much is left, but PERPETUAL consumption only grows, so a refused checkout of
 * `n` units stays refused until the license changes: the pool has fewer than `n` units left. When
 * even one unit is refused, the dimension is exhausted: `quotaExhausted` is emitted once, and every
 * debit is refused at once until {@link QuotaState.licenseChanged} sees a new license version.
 */
export class QuotaState {
  readonly #dimensions = new Map<string, DimensionQuota>();
  readonly #emit: (payload: QuotaExhaustedEvent) => void;
  readonly #logger: Logger;
  #license: string | undefined;

  constructor(emit: (payload: QuotaExhaustedEvent) => void, logger: Logger) {
    this.#emit = emit;
    this.#logger = logger;
  }

  /** Whether no unit of the dimension can be checked out any more. */
  isExhausted(dimension: string): boolean {
    return this.#get(dimension).ceiling === 0;
  }

  /** Units this engine found unbillable. */
  unbillable(dimension: string): number {
    return this.#get(dimension).unbillable;
  }

  /**
   * Throws when a checkout of `units` is known to be refused.
   * @throws QuotaExhaustedError
   */
  assertGrantable(dimension: string, units: number): void {
    const { ceiling } = this.#get(dimension);
    if (ceiling === 0) throw new QuotaExhaustedError(dimension);
    if (units > ceiling)
      throw new QuotaExhaustedError(
        dimension,
        ` (it needs ${units}; License Manager refused ${ceiling + 1} earlier, so fewer are left)`,
      );
  }

  /** Throws when the dimension is exhausted. @throws QuotaExhaustedError */
  assertNotExhausted(dimension: string): void {
    if (this.#get(dimension).ceiling === 0) throw new QuotaExhaustedError(dimension);
  }

  /** Whether a checkout of `units` is not known to be refused. */
  mayGrant(dimension: string, units: number): boolean {
    return units <= this.#get(dimension).ceiling;
  }

  /** A checkout of `units` was refused (it consumed nothing). One unit refused exhausts the dimension. */
  refused(dimension: string, units: number): void {
    const quota = this.#get(dimension);
    quota.ceiling = Math.min(quota.ceiling, units - 1);
    if (quota.ceiling <= 0) this.exhausted(dimension, 0);
  }

  /** `units` were served but License Manager refused them; counted, without exhausting the dimension. */
  addUnbillable(dimension: string, units: number): void {
    this.#get(dimension).unbillable += units;
    this.#logger.warn(
      { event: 'licensegate.drawdown.unbillable', dimension, units },
      `License Manager refused ${units} ${dimension} units of work already done: the pool lacks them`,
    );
  }

  /** The pool is used up; `unreportedUnits` were served but could not be reported. */
  exhausted(dimension: string, unreportedUnits: number): void {
    const quota = this.#get(dimension);
    quota.ceiling = 0;
    quota.unbillable += unreportedUnits;
    if (quota.emitted) {
      if (unreportedUnits > 0) {
        this.#logger.warn(
          { event: 'licensegate.drawdown.unbillable', dimension, units: unreportedUnits },
          `License Manager refused ${unreportedUnits} more ${dimension} units: the pool is used up`,
        );
      }
      return;
    }
    quota.emitted = true;
    this.#logger.warn(
      { event: 'licensegate.drawdown.exhausted', dimension, unreportedUnits },
      `The ${dimension} units the license grants are used up; debits are refused until the license changes`,
    );
    this.#emit({ dimension, unreportedUnits });
  }

  /**
   * A license was seen. When its ARN or version differs from the last one given (or none was given
   * before), what refusals taught is forgotten, since the purchase may have grown; the same license
   * again changes nothing.
   * @returns whether the license is new, and whether an exhaustion or a refusal was lifted
   */
  licenseChanged(license: { version: string | undefined; arn: string }): { changed: boolean; lifted: boolean } {
    const id = `${license.arn}#${license.version ?? ''}`;
    if (id === this.#license) return { changed: false, lifted: false };
    this.#license = id;
    let lifted = false;
    for (const quota of this.#dimensions.values()) {
      lifted ||= quota.ceiling !== Infinity;
      quota.ceiling = Infinity;
      quota.emitted = false;
    }
    return { changed: true, lifted };
  }

  #get(dimension: string): DimensionQuota {
    let quota = this.#dimensions.get(dimension);
    if (quota === undefined) {
      quota = { ceiling: Infinity, emitted: false, unbillable: 0 };
      this.#dimensions.set(dimension, quota);
    }
    return quota;
  }
}
