import type { LicenseUnavailableError, NoLicenseError, TierRequiredError } from '../errors.js';

/**
 * The answer of a tier check. An allowed request gets one of two shared, frozen objects (the hot
 * path allocates nothing); a denied one carries the error an adapter turns into 403 or 503.
 */
export type TierDecision =
  | { readonly allowed: true; readonly degraded: boolean }
  | {
      readonly allowed: false;
      readonly degraded: boolean;
      readonly error: TierRequiredError | NoLicenseError | LicenseUnavailableError;
    };

/** Allowed from a fresh answer. */
export const ALLOWED: TierDecision = Object.freeze({ allowed: true, degraded: false });
/** Allowed while License Manager cannot be reached (grace or `allow` policy). */
export const ALLOWED_DEGRADED: TierDecision = Object.freeze({ allowed: true, degraded: true });
