import type { ResolvedOptions } from '../options.js';
import type { LicenseInfo } from '../source/license-source.js';
import { closest } from '../validation/unknown-options.js';
import type { DoctorCheck } from './doctor-report.js';

/** `"Premium"` or `"Premium" (did you mean "Premum"?)`. */
function named(name: string, hint: string | undefined): string {
  return hint === undefined ? JSON.stringify(name) : `${JSON.stringify(name)} (did you mean ${JSON.stringify(hint)}?)`;
}

/**
 * Whether the license's entitlements are the ones the configuration names: at least one tier (a
 * license holds the tier bought, with Unit `None`, as the engine checks tiers out), the seat
 * entitlement and each drawdown dimension with their units. A name that is not there gets the
 * nearest entitlement name as a did-you-mean.
 */
export function checkEntitlements(
  license: LicenseInfo,
  options: Pick<ResolvedOptions, 'tiers' | 'seats' | 'drawdown'>,
): DoctorCheck {
  const byName = new Map(license.entitlements.map((e) => [e.name, e]));
  const names = [...byName.keys()];
  const problems: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  const found: string[] = [];
  const data: Record<string, unknown> = {
    licenseEntitlements: license.entitlements.map((e) => ({
      name: e.name,
      unit: e.unit,
      maxCount: e.maxCount ?? null,
      allowCheckIn: e.allowCheckIn ?? null,
    })),
  };

  if (options.tiers.length > 0) {
    const tierNames = license.entitlements.filter((e) => e.unit === 'None').map((e) => e.name);
    const matched = options.tiers.filter((tier) => tierNames.includes(tier));
    // A license entitlement close to a configured tier is a likely typo on one side or the other.
    const nearMisses = tierNames
      .filter((name) => !options.tiers.includes(name))
      .map((name) => ({ entitlement: name, tier: closest(name, options.tiers) }))
      .filter((m): m is { entitlement: string; tier: string } => m.tier !== undefined);
    const wrongUnit = options.tiers.filter((tier) => byName.has(tier) && byName.get(tier)?.unit !== 'None');
    data['tiers'] = { configured: options.tiers, licenseTiers: tierNames, matched, nearMisses, wrongUnit };
    if (matched.length > 0) found.push(`tier ${matched.map((t) => JSON.stringify(t)).join(', ')}`);
    else {
      problems.push(
        `none of the tiers ${options.tiers.map((t) => JSON.stringify(t)).join(', ')} is a Unit None entitlement of the license` +
          (tierNames.length > 0
            ? `, which has ${tierNames.map((t) => JSON.stringify(t)).join(', ')}${nearMisses
                .map((m) => `; did you mean ${JSON.stringify(m.entitlement)} for ${JSON.stringify(m.tier)}?`)
                .join('')}`
            : ', which has no tier entitlement'),
      );
    }
    for (const miss of nearMisses) {
      fixes.push(
        `rename tier ${JSON.stringify(miss.tier)} to ${JSON.stringify(miss.entitlement)}, as the license names it`,
      );
    }
    if (matched.length > 0 && nearMisses.length > 0) {
      warnings.push(
        `the license's tier ${nearMisses.map((m) => `${JSON.stringify(m.entitlement)} is not among the tiers; did you mean it for ${JSON.stringify(m.tier)}?`).join('; ')}`,
      );
    }
    for (const tier of wrongUnit) {
      problems.push(
        `${JSON.stringify(tier)} is counted (Unit ${byName.get(tier)?.unit ?? '?'}), not a tier (Unit None)`,
      );
    }
    if (matched.length === 0 && nearMisses.length === 0 && tierNames.length > 0) {
      fixes.push(`list the license's tier names in tiers, lowest first (it has ${tierNames.join(', ')})`);
    }
  }

  const counted = (what: string, name: string, unit: string): void => {
    const entitlement = byName.get(name);
    if (entitlement === undefined) {
      const hint = closest(name, names);
      problems.push(`${what} ${named(name, hint)} is not an entitlement of the license`);
      fixes.push(
        hint === undefined
          ? `name one of the license's entitlements (${names.join(', ') || 'none'}) in ${what}`
          : `rename ${what} ${JSON.stringify(name)} to ${JSON.stringify(hint)}`,
      );
    } else if (entitlement.unit !== unit) {
      problems.push(`${what} ${JSON.stringify(name)} has Unit ${entitlement.unit} in the license, not ${unit}`);
      fixes.push(
        `set ${what === 'seats' ? 'seats.unit' : `drawdown.${name}.unit`} to ${JSON.stringify(entitlement.unit)}`,
      );
    } else {
      found.push(`${what} ${JSON.stringify(name)} (${entitlement.maxCount ?? 'no'} max ${unit})`);
    }
  };
  if (options.seats !== undefined) {
    data['seats'] = { entitlement: options.seats.entitlement, unit: options.seats.unit };
    counted('seats', options.seats.entitlement, options.seats.unit);
  }
  if (options.drawdown.size > 0) {
    data['drawdown'] = [...options.drawdown.values()].map((d) => ({ dimension: d.name, unit: d.unit }));
    for (const dimension of options.drawdown.values()) counted('drawdown', dimension.name, dimension.unit);
  }

  const told = [...problems, ...warnings];
  return {
    id: 'entitlements',
    status: problems.length > 0 ? 'fail' : warnings.length > 0 ? 'warn' : 'pass',
    summary:
      told.length === 0
        ? `the license has ${found.join('; ')}`
        : `${told.join('; ')}${found.length > 0 ? ` (found: ${found.join('; ')})` : ''}`,
    ...(fixes.length > 0 ? { fix: `In the options: ${fixes.join('; ')}.` } : {}),
    data,
  };
}
