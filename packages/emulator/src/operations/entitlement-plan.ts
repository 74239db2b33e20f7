import { AwsError } from '../protocol/aws-error.js';
import type { Entitlement, EntitlementData } from '../protocol/shapes.js';
import type { ConsumptionLedger } from '../state/consumption-ledger.js';
import type { LicenseRecord } from '../state/license-store.js';

/** What a checkout would take, worked out before anything changes. */
export interface EntitlementPlan {
  /** The answer's `EntitlementsAllowed`. */
  readonly allowed: EntitlementData[];
  /** Counted units to take, by name. */
  readonly counted: Map<string, number>;
}

/**
 * Parses a checkout `Value` of a counted entitlement: a whole number of units, as a string.
 * @throws InvalidParameterValueException otherwise
 */
export function parseUnits(entitlement: EntitlementData): number {
  const text = entitlement.Value;
  if (text === undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      `Entitlement '${entitlement.Name}' has Unit '${entitlement.Unit}' and needs a Value: the ` +
        'number of units to check out, as a string (e.g. "1").',
    );
  }
  const units = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(units)) {
    throw new AwsError(
      'InvalidParameterValueException',
      `Value '${text}' of entitlement '${entitlement.Name}' is not a whole number of units.`,
    );
  }
  return units;
}

/** Units of an entitlement still free, or Infinity when it has no maximum or allows overage. */
export function unitsLeft(license: LicenseRecord, entitlement: Entitlement, ledger: ConsumptionLedger): number {
  if (entitlement.MaxCount === undefined || entitlement.Overage === true) return Infinity;
  const usage = ledger.usageOf(license.arn, entitlement.Name);
  return entitlement.MaxCount - usage.held - usage.consumed;
}

/**
 * Works out a checkout (emulator rules; see the README's "Behaviour" table):
 * - an entitlement the license does not have, or has with another Unit, is left out of the answer
 *   (as a tier checkout that lists every tier gets back only the tier bought);
 * - a `None` entitlement is granted as the license states it;
 * - a counted entitlement takes `Value` units, and if any counted entitlement lacks the units
 *   the whole checkout is refused (no partial checkouts);
 * - nothing granted at all is NoEntitlementsAllowedException.
 *
 * @param strict - every requested entitlement must be in the license (CheckoutBorrowLicense)
 */
export function planEntitlements(
  license: LicenseRecord,
  requested: readonly EntitlementData[],
  ledger: ConsumptionLedger,
  strict: boolean,
): EntitlementPlan {
  const allowed: EntitlementData[] = [];
  const counted = new Map<string, number>();
  const seen = new Set<string>();
  const short: string[] = [];
  for (const want of requested) {
    if (seen.has(want.Name)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Entitlement '${want.Name}' is listed more than once; list each entitlement once.`,
      );
    }
    seen.add(want.Name);
    const have = license.current.terms.Entitlements.find((e) => e.Name === want.Name && e.Unit === want.Unit);
    if (have === undefined) {
      if (strict) {
        throw new AwsError(
          'EntitlementNotAllowedException',
          `License ${license.arn} has no entitlement '${want.Name}' with Unit '${want.Unit}'.`,
        );
      }
      continue;
    }
    if (want.Unit === 'None') {
      allowed.push(
        have.Value !== undefined
          ? { Name: have.Name, Unit: 'None', Value: have.Value }
          : { Name: have.Name, Unit: 'None' },
      );
      continue;
    }
    const units = parseUnits(want);
    if (units > unitsLeft(license, have, ledger)) short.push(`${want.Name} (${units} ${want.Unit} asked)`);
    counted.set(want.Name, units);
    allowed.push({ Name: want.Name, Unit: want.Unit, Value: String(units) });
  }
  if (short.length > 0) {
    throw new AwsError(
      'NoEntitlementsAllowedException',
      `No Entitlements Allowed: not enough left of ${short.join(', ')}.`,
    );
  }
  if (allowed.length === 0) {
    throw new AwsError(
      'NoEntitlementsAllowedException',
      `No Entitlements Allowed: license ${license.arn} has none of the entitlements asked for ` +
        '(names and units must match the license exactly).',
    );
  }
  return { allowed, counted };
}
