import type { LicenseInfo } from '../source/license-source.js';

/**
 * The license as the gate knows it now — what a model may read of it without knowing the gate. The
 * gate's `LicenseWatch` satisfies it: the seat pool is given that, not a callback into the gate.
 */
export interface KnownLicense {
  /** The license last read, or `undefined` when none is known (yet). */
  readonly license: LicenseInfo | undefined;
}

/** The license's maximum for an entitlement (`MaxCount`), where known. */
export function maxCountOf(license: LicenseInfo | undefined, entitlement: string | undefined): number | undefined {
  return license?.entitlements.find((e) => e.name === entitlement)?.maxCount;
}

/**
 * Why the license grants nothing at `now`, when that is known from the license alone: `expired`
 * (`Validity.End` has passed) or its status in lower case (e.g. `deactivated`); `undefined` when it
 * is usable or unknown.
 */
export function unusableReason(license: LicenseInfo | undefined, now: number): string | undefined {
  if (license === undefined) return undefined;
  if (license.status !== 'AVAILABLE') return license.status.toLowerCase();
  if (license.validUntil !== undefined && now >= license.validUntil) return 'expired';
  return undefined;
}
