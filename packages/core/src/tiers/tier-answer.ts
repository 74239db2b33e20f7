import type { LicenseInfo } from '../source/license-source.js';

/**
 * What one tier refresh learnt: a definitive answer about the tier. Made by `TierResolver` (from a
 * checkout) or by `SharedTierAnswers` (from an answer another instance shared); both depend on this
 * file, and it on neither.
 */
export interface TierAnswer {
  /** Rank of the tier granted (0 = lowest), or -1 for none. */
  readonly rank: number;
  readonly tier: string | null;
  /** When License Manager gave this answer (clock ms). */
  readonly checkedAt: number;
  /** The license, when it is known. */
  readonly license: LicenseInfo | undefined;
  /** The answer stops granting at this instant (`Validity.End`), or Infinity. */
  readonly validUntil: number;
  /** Why no tier is granted: `no-license`, `no-entitlement`, `expired`, or the license status in lower case. */
  readonly reason: string | undefined;
}
