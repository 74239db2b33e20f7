import { LicenseGateConfigurationError } from '../errors.js';

/**
 * The product's tiers in ascending order (`['Basic', 'Intermediate', 'Premium']`): a license that
 * grants a tier passes every gate of that tier or a lower one.
 */
export class TierOrder {
  /** The tier names, lowest first. */
  readonly names: readonly string[];
  readonly #rank: ReadonlyMap<string, number>;

  /** @param names - checked by the options validation: non-empty, unique, non-empty strings */
  constructor(names: readonly string[]) {
    this.names = Object.freeze([...names]);
    this.#rank = new Map(names.map((name, i) => [name, i]));
  }

  /**
   * The rank of a tier (0 = lowest).
   * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_TIER for a name not in the list
   */
  rankOf(tier: string): number {
    const rank = this.#rank.get(tier);
    if (rank === undefined && this.names.length === 0) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_UNKNOWN_TIER',
        `This gate has no tiers, so it cannot check tier ${JSON.stringify(tier)}: give it tiers: [...] (lowest first).`,
      );
    }
    if (rank === undefined) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_UNKNOWN_TIER',
        `Unknown tier ${JSON.stringify(tier)}: this gate's tiers are ${this.names.map((n) => JSON.stringify(n)).join(', ')} ` +
          '(names are case-sensitive and must match the entitlement names in the license).',
      );
    }
    return rank;
  }

  /** The highest rank among granted entitlement names, or -1 when none is a tier. */
  highestGranted(grantedNames: Iterable<string>): number {
    let best = -1;
    for (const name of grantedNames) best = Math.max(best, this.#rank.get(name) ?? -1);
    return best;
  }

  /** The tier name of a rank, or `null` for -1. */
  nameOf(rank: number): string | null {
    return rank < 0 ? null : (this.names[rank] ?? null);
  }
}
