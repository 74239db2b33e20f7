import type { ResolvedGateOptions } from '../gate-options.js';
import { fail } from '../validation/option-checks.js';

/** The gate-wide options the tier resolver reads (its own option, `tiers`, comes with them). */
export type TierResolverOptions = Pick<
  ResolvedGateOptions,
  | 'productSku'
  | 'clock'
  | 'logger'
  | 'refreshIntervalMs'
  | 'refreshJitter'
  | 'recoveryProbeMs'
  | 'onUnavailable'
  | 'graceMs'
  | 'shareTierAnswers'
> &
  SharedTierAnswerOptions & {
    /** The tier names, lowest first. */
    readonly tiers: readonly string[];
  };

/** The gate-wide options the tier answers shared through the store read. */
export type SharedTierAnswerOptions = Pick<
  ResolvedGateOptions,
  | 'productSku'
  | 'store'
  | 'clock'
  | 'logger'
  | 'refreshIntervalMs'
  | 'refreshJitter'
  | 'callTimeoutMs'
  | 'retry'
  | 'graceMs'
>;

/**
 * Checks the `tiers` option: a non-empty list of distinct, non-empty names, lowest first; `[]`
 * when not given (a gate without tiers).
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_TIERS`
 */
export function resolveTiers(tiers: unknown): readonly string[] {
  if (tiers === undefined) return [];
  if (!Array.isArray(tiers) || tiers.length === 0) {
    fail(
      'ERR_LG_OPTION_TIERS',
      `tiers must be a non-empty list of tier names, lowest first, e.g. ['Basic', 'Intermediate', 'Premium']; got ${JSON.stringify(tiers)}.`,
    );
  }
  const seen = new Set<string>();
  for (const [i, tier] of tiers.entries()) {
    if (typeof tier !== 'string' || tier.trim() === '') {
      fail(
        'ERR_LG_OPTION_TIERS',
        `tiers[${i}] must be a non-empty string (an entitlement name of the license); got ${JSON.stringify(tier)}.`,
      );
    }
    if (seen.has(tier))
      fail('ERR_LG_OPTION_TIERS', `tiers lists ${JSON.stringify(tier)} twice; list each tier once, lowest first.`);
    seen.add(tier);
  }
  return Object.freeze([...(tiers as string[])]);
}
